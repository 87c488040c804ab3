"""The collectors' HTTP client: rate limit on request starts, backoff, no secret kept anywhere."""

from __future__ import annotations

import pytest

from shailoo.collect.base import LayoutChanged, PlatformError, Throttled
from shailoo.collect.http import USER_AGENT, HttpClient
from tests.collect.helpers import FakeTime
from tests.collect.replay import Reply

SECRET = "vk1.a.SECRET-token_value"


def _client(server, **kw) -> HttpClient:
    return HttpClient(server.url + "/method/", platform="vk", **kw)


def test_rate_is_at_most_three_per_second_measured_on_request_starts(server):
    server.route("/method/x", Reply.json({"response": 1}))
    fake = FakeTime()
    with _client(server, sleep=fake.sleep, clock=fake.clock) as client:
        for _ in range(10):
            client.get("x")
    starts = client.request_starts
    assert len(starts) == 10
    for i in range(len(starts) - 3):
        assert starts[i + 3] - starts[i] > 1.0  # never 4 starts within one second


def test_rate_with_real_clock(server):
    server.route("/method/x", Reply.json({"response": 1}))
    with _client(server, rate_per_second=20) as client:
        for _ in range(6):
            client.get("x")
    arrivals = [r.at for r in server.requests]
    assert arrivals[-1] - arrivals[0] >= 5 / 20


def test_rate_off_does_not_sleep(server):
    server.route("/method/x", Reply.json({"response": 1}))
    fake = FakeTime()
    with _client(server, rate_per_second=None, sleep=fake.sleep, clock=fake.clock) as client:
        for _ in range(5):
            client.get("x")
    assert fake.sleeps == []


def test_backoff_on_429_honours_retry_after_and_archives_every_answer(server):
    server.route("/method/x", Reply.json({"response": 1}))
    server.script("/method/x", [Reply(429, b"slow down", {"Retry-After": "7"}), Reply(503, b"busy")])
    fake, seen = FakeTime(), []
    with _client(server, sleep=fake.sleep, clock=fake.clock, on_exchange=seen.append) as client:
        ex = client.get("x", {"a": 1})
    assert ex.status == 200 and ex.json() == {"response": 1}
    assert [e.status for e in seen] == [429, 503, 200]
    assert 7 in fake.sleeps and 2.0 in fake.sleeps  # Retry-After, then backoff 1 * 2**1


def test_retry_after_is_capped(server):
    server.route("/method/x", Reply.json({}))
    server.script("/method/x", [Reply(429, headers={"Retry-After": "999999"})])
    fake = FakeTime()
    with _client(server, sleep=fake.sleep, clock=fake.clock) as client:
        client.get("x")
    assert max(fake.sleeps) <= 120


def test_throttled_after_retries_in_one_sentence(server):
    server.route("/method/x", Reply(429))
    fake = FakeTime()
    with _client(server, retries=2, sleep=fake.sleep, clock=fake.clock) as client:
        with pytest.raises(Throttled) as info:
            client.get("x", secret_params={"access_token": SECRET})
    assert server.count("/method/x") == 3
    assert SECRET not in str(info.value) and "\n" not in str(info.value)


def test_server_error_after_retries_is_platform_error(server):
    server.route("/method/x", Reply(502))
    fake = FakeTime()
    with _client(server, retries=1, sleep=fake.sleep, clock=fake.clock) as client:
        with pytest.raises(PlatformError, match="HTTP 502"):
            client.get("x")


def test_retry_if_waits_on_error_inside_a_200(server):
    busy = Reply.json({"error": {"error_code": 6, "error_msg": "Too many requests per second"}})
    server.route("/method/x", Reply.json({"response": 2}))
    server.script("/method/x", [busy, busy])
    fake = FakeTime()

    def too_many(ex):
        return 1.5 if "error" in ex.json() else None

    with _client(server, sleep=fake.sleep, clock=fake.clock) as client:
        assert client.get("x", retry_if=too_many).json() == {"response": 2}
    assert server.count() == 3 and 1.5 in fake.sleeps


def test_other_statuses_are_returned(server):
    server.route("/method/x", Reply(404, b"gone"))
    with _client(server) as client:
        assert client.get("x").status == 404
    assert server.count() == 1


def test_secret_is_sent_but_never_kept(server):
    server.route("/method/x", Reply.json({"response": 1}))
    seen = []
    with _client(server, on_exchange=seen.append) as client:
        ex = client.get("x", {"owner_id": -1}, secret_params={"access_token": SECRET})
    assert server.requests[0].params["access_token"] == SECRET  # sent
    assert server.requests[0].headers["User-Agent"] == USER_AGENT
    for text in (ex.url, repr(ex.params), repr(ex), repr(seen), repr(client), repr(vars(client))):
        assert SECRET not in text
    assert ex.params == {"owner_id": -1} and "owner_id=-1" in ex.url


def test_network_error_after_retries_keeps_no_secret():
    fake = FakeTime()
    client = HttpClient("http://127.0.0.1:9/method/", platform="vk", retries=1, timeout=2,
                        sleep=fake.sleep, clock=fake.clock)
    with pytest.raises(PlatformError) as info:
        client.get("x", secret_params={"access_token": SECRET})
    exc = info.value
    assert SECRET not in str(exc) and exc.__context__ is None and exc.__cause__ is None
    assert "vk x" in str(exc)


def test_answer_too_large_is_refused(server):
    server.route("/method/x", Reply(200, b"x" * 5000))
    with _client(server, max_bytes=1000) as client:
        with pytest.raises(PlatformError, match="larger than"):
            client.get("x")


@pytest.mark.parametrize("body", [b"<html>nope</html>", b"[" * 10000 + b"]" * 10000, b""])
def test_json_is_bounded_and_bad_json_is_layout_changed(server, body):
    server.route("/method/x", Reply(200, body))
    with _client(server) as client:
        ex = client.get("x")
    with pytest.raises(LayoutChanged, match="vk answer to x"):
        ex.json()


def test_a_secret_echoed_in_the_body_is_scrubbed(server):
    server.route("/method/x", lambda req: Reply.json({"error": {"request_params": [
        {"key": "access_token", "value": req.params.get("access_token")}]}}))
    with _client(server) as client:
        ex = client.get("x", secret_params={"access_token": SECRET})
    assert SECRET.encode() not in ex.body and b"***" in ex.body


# ---- redirects: same host followed (each hop a rate-limited request), another host never ----------

def test_a_same_host_redirect_is_followed_and_the_final_url_kept_without_secrets(server):
    fake = FakeTime()
    server.route("/method/x", Reply(302, headers={"Location": f"/method/y?page=2&access_token={SECRET}"}))
    server.route("/method/y", Reply.json({"response": 2}))
    seen = []
    with _client(server, on_exchange=seen.append, sleep=fake.sleep, clock=fake.clock) as client:
        ex = client.get("x", {"owner_id": -1}, secret_params={"access_token": SECRET})
    assert (ex.status, ex.json()) == (200, {"response": 2})
    assert ex.url.endswith("/method/x?owner_id=-1")  # what was asked
    assert ex.final_url.startswith(server.url + "/method/y?page=2") and SECRET not in ex.final_url
    assert "access_token" not in ex.final_url
    assert len(client.request_starts) == 2 and fake.sleeps  # the hop is a request of its own, rate-limited
    assert SECRET not in repr(seen) and SECRET not in repr([vars(e) for e in seen])


def test_a_redirect_to_another_host_is_returned_not_followed(server):
    other = server.url.replace("127.0.0.1", "localhost") + "/elsewhere"
    server.route("/method/x", Reply(301, headers={"Location": other}))
    server.route("/elsewhere", Reply.json({"response": "should not be asked"}))
    with _client(server) as client:
        ex = client.get("x", secret_params={"access_token": SECRET})
    assert ex.status == 301 and ex.final_url.endswith("/method/x")
    assert server.count("/elsewhere") == 0


def test_a_redirect_loop_is_one_sentence(server):
    server.route("/method/x", Reply(302, headers={"Location": "/method/x"}))
    with _client(server, retries=0) as client:
        with pytest.raises(PlatformError, match="redirect") as info:
            client.get("x", secret_params={"access_token": SECRET})
    assert SECRET not in str(info.value) and "\n" not in str(info.value)


def test_a_mirror_redirecting_the_web_preview_elsewhere_is_no_preview(server):
    from shailoo.collect.base import Account, AccountUnavailable
    from shailoo.collect.telegram_web import TelegramWebCollector

    server.route("/s/somechan", Reply(302, headers={"Location": "https://t.me/somechan"}))
    collector = TelegramWebCollector(HttpClient(server.url, platform="telegram", rate_per_second=None), None)
    with pytest.raises(AccountUnavailable, match="no public preview"):
        list(collector.new_posts(Account("telegram", 1, None, "somechan"), None, None))
    assert server.count() == 1
