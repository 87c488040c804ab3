"""Coding saves go through a journal beside the workspace (server/coding_journal.py): a save is answered
once it is durable there, without waiting for the workspace to be free for writing; the journal is
applied in batches, each change with its audit entry; nothing is lost or doubled, across a crash too;
a coder sees their own pending saves and no one else's; a refused save is refused at once."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shailoo.coding.assign import assign
from shailoo.coding.codebook import builtin_codebook_text, store_codebook
from shailoo.coding.mentions import add_mention
from shailoo.coding.samples import SampleRule, draw_sample
from shailoo.server import users
from shailoo.server.app import create_app
from shailoo.server.coding_journal import Journal, apply_entries, journal_path
from shailoo.store.workspace import open_workspace
from tests.server.conftest import PASSWORD, csrf_of, log_in

SAMPLE = "s1"
CODERS = [f"c{i:02d}" for i in range(1, 21)]
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def saves_template(template, tmp_path_factory):
    """The users' fixture with twenty coders, the election codebook, two mentions, a sample of every post
    assigned to `coder` and c01 (half of it to both) and all of it to each of c02..c20."""
    path = Path(shutil.copytree(template, tmp_path_factory.mktemp("journal") / "ws"))
    ws = open_workspace(path)
    for name in CODERS:
        users.add_user(ws, name, "coder", PASSWORD, actor="cli:test")
    store_codebook(ws.con, builtin_codebook_text("election"), "builtin:election")
    draw_sample(ws, SAMPLE, SampleRule("random", fraction=1.0, seed=7), None)
    for post, actor in ((1, 1), (2, 2)):
        add_mention(ws.con, post, actor, "cli:test")
    assign(ws.con, SAMPLE, ["coder", "c01"], overlap=0.5)
    ws.con.execute("""INSERT INTO assignments SELECT ?, post_id, coder, true, now(), NULL
                      FROM sample_posts, unnest(?) AS t(coder) WHERE sample = ?""", [SAMPLE, CODERS[1:], SAMPLE])
    ws.close()
    return path


@pytest.fixture
def ws(saves_template, tmp_path):
    return Path(shutil.copytree(saves_template, tmp_path / "ws"))


def _client(app, name: str) -> TestClient:
    client = TestClient(app)
    assert log_in(client, name).status_code == 303
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


def _posts(path: Path, coder: str) -> list[int]:
    with open_workspace(path, read_only=True) as ws:
        return [r[0] for r in ws.con.execute("SELECT post_id FROM assignments WHERE sample = ? AND coder = ? "
                                             "ORDER BY post_id", [SAMPLE, coder]).fetchall()]


def _shared(path: Path) -> tuple[int, str, str]:
    """A post `coder` and c01 both hold (the reliability overlap), and the two."""
    shared = sorted(set(_posts(path, "coder")) & set(_posts(path, "c01")))
    return shared[0], "coder", "c01"


def _stored(path: Path) -> tuple[list[tuple], int]:
    """Every act (coder, post, variable, value, coded_at order) and the number of code.record audit entries."""
    with open_workspace(path, read_only=True) as ws:
        acts = ws.con.execute("SELECT coder, post_id, actor_id, variable, value, act_id FROM codes "
                              "ORDER BY act_id, value").fetchall()
        audited = ws.con.execute("SELECT count(*) FROM audit_log WHERE action = 'code.record'").fetchall()[0][0]
    return acts, audited


def _save(client, post: int, data: dict):
    return client.post(f"/coding/{SAMPLE}/{post}/save", data=data, headers=JSON)


def test_a_save_is_answered_while_pages_hold_the_workspace(ws):
    """The regression: a save used to wait until every page being read let the workspace go (under twenty
    coders, most of its 400-700 ms). Now it is answered once journaled, and applied a moment later."""
    app = create_app(ws, wait=5.0, save_every=0.2)
    client = _client(app, "coder")
    post = _posts(ws, "coder")[0]
    answered = {}

    def save():
        t = time.monotonic()
        answered["r"] = _save(client, post, {"v:disinformation": "yes"})
        answered["s"] = time.monotonic() - t

    with app.state.gate.read():  # a page being read (a slow one, or many) for two seconds
        worker = threading.Thread(target=save)
        worker.start()
        worker.join(1.5)
        assert "r" in answered, "the save waited for the readers"
        time.sleep(0.5)
    assert answered["r"].status_code == 200 and answered["r"].json()["changed"] == ["disinformation"]
    assert answered["s"] < 1.0
    page = client.get(f"/coding/{SAMPLE}/{post}")  # pending or applied: the coder sees the value
    assert 'name="v:disinformation" value="yes" checked' in page.text
    app.state.coding_saves.close()
    acts, audited = _stored(ws)
    assert [(a[0], a[1], a[3], a[4]) for a in acts] == [("coder", post, "disinformation", "yes")] and audited == 1


def test_pending_saves_are_seen_by_their_coder_only_and_move_the_coder_on(ws):
    app = create_app(ws, save_every=3600)  # nothing applied until shutdown
    post, first, second = _shared(ws)
    me, other = _client(app, first), _client(app, second)
    other_next = other.get(f"/coding/{SAMPLE}", follow_redirects=False).headers["location"]
    r = _save(me, post, {"v:disinformation": "yes", "v:inflammatory": "no", "v:topic": ["economy", "culture"]})
    assert r.status_code == 200 and r.json()["unit_coded"] is True and r.json()["was_coded"] is False
    assert sorted(r.json()["changed"]) == ["disinformation", "inflammatory", "topic"]
    assert _stored(ws) == ([], 0)  # journaled, not applied
    mine = me.get(f"/coding/{SAMPLE}/{post}").text
    assert 'name="v:disinformation" value="yes" checked' in mine
    assert 'name="v:topic" value="economy" checked' in mine and 'name="v:topic" value="culture" checked' in mine
    theirs = other.get(f"/coding/{SAMPLE}/{post}").text  # independence: the other coder of the unit sees nothing
    assert " checked" not in theirs
    # "which unit is next" and the form's Enter move past the unit the pending save coded
    nxt = me.get(f"/coding/{SAMPLE}", follow_redirects=False).headers["location"]
    assert nxt != f"/coding/{SAMPLE}/{post}"  # (the post's own unit; its mention's unit may be next)
    assert other.get(f"/coding/{SAMPLE}", follow_redirects=False).headers["location"] == other_next
    again = _save(me, post, {"v:disinformation": "yes"})  # the same value again: nothing new to journal
    assert again.json()["changed"] == [] and len(app.state.coding_saves.journal.pending()) == 1
    app.state.coding_saves.close()
    acts, audited = _stored(ws)
    assert {(a[0], a[3], a[4]) for a in acts} == {(first, "disinformation", "yes"), (first, "inflammatory", "no"),
                                                   (first, "topic", "economy"), (first, "topic", "culture")}
    assert audited == 3


def test_refused_saves_are_refused_at_once_and_never_journaled(ws):
    app = create_app(ws, save_every=3600)
    client = _client(app, "coder")
    mine = _posts(ws, "coder")[0]
    not_mine = next(p for p in _posts(ws, "c01") if p not in _posts(ws, "coder"))
    cases = [
        (mine, {"v:disinformation": "perhaps"}, "Unknown value 'perhaps' of 'disinformation'"),
        (mine, {"v:disinformation": "__none__"}, "'disinformation' takes one value per unit, but none was given"),
        (mine, {"v:disinformation": ["yes", "no"]}, "takes one value per unit, but 2 were given"),
        (mine, {"v:tone": "1"}, ""),  # tone is coded per mentioned actor
        (not_mine, {"v:disinformation": "yes"}, ""),
    ]
    for post, data, sentence in cases:
        r = _save(client, post, data)
        assert r.status_code == 409 and r.json()["saved"] is False, data
        assert sentence in r.json()["error"]
    assert app.state.coding_saves.journal.pending() == []
    app.state.coding_saves.close()
    assert _stored(ws) == ([], 0)


def test_twenty_coders_saving_at_once_lose_nothing_and_replay_doubles_nothing(ws):
    posts = {name: _posts(ws, name)[0] for name in CODERS}  # before the app: one connection in a process
    app = create_app(ws, wait=10.0, save_every=0.1)
    clients = {name: _client(app, name) for name in CODERS}
    answered: dict[str, list[str]] = {name: [] for name in CODERS}
    errors = []

    def code(name: str) -> None:
        post = posts[name]
        for i in range(5):  # every save changes the value: each must be one act
            value = "yes" if i % 2 == 0 else "no"
            r = _save(clients[name], post, {"v:disinformation": value})
            if r.status_code != 200 or r.json()["changed"] != ["disinformation"]:
                errors.append((name, r.status_code, r.text[:200]))
            answered[name].append(value)
            page = clients[name].get(f"/coding/{SAMPLE}/{post}")  # read-your-writes, pending or not
            if f'name="v:disinformation" value="{value}" checked' not in page.text:
                errors.append((name, "page", value))

    threads = [threading.Thread(target=code, args=(n,)) for n in CODERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    app.state.coding_saves.close()  # shutdown: whatever is pending is applied
    acts, audited = _stored(ws)
    for name in CODERS:
        assert [a[4] for a in acts if a[0] == name] == answered[name]
    assert len(acts) == audited == 20 * 5
    assert not journal_path(ws).exists() or Journal(journal_path(ws)).pending() == []
    create_app(ws)  # a restart applies nothing twice
    assert _stored(ws) == (acts, audited)


def test_a_batch_applied_before_the_journal_heard_of_it_is_not_applied_again(ws):
    """The crash between the workspace's commit and the journal's: the next start replays the entries,
    and each finds its act (or a later one of its coder) already there."""
    app = create_app(ws, save_every=3600)
    client = _client(app, "coder")
    post = _posts(ws, "coder")[0]
    for value in ("yes", "no", "yes"):
        assert _save(client, post, {"v:disinformation": value}).status_code == 200
    entries = app.state.coding_saves.journal.pending()
    assert len(entries) == 3
    with open_workspace(ws) as w:  # applied, but the journal never marked them (no close: a crash)
        assert apply_entries(w, entries) == {}
    applied = _stored(ws)
    assert [a[4] for a in applied[0]] == ["yes", "no", "yes"] and applied[1] == 3
    create_app(ws)  # the next start
    assert _stored(ws) == applied
    assert Journal(journal_path(ws)).pending() == []


CRASH = r"""
import os, sys
from fastapi.testclient import TestClient
from shailoo.server.app import create_app
sys.path.insert(0, sys.argv[3])
from tests.server.conftest import csrf_of, log_in
app = create_app(sys.argv[1], save_every=3600)
client = TestClient(app)
assert log_in(client, "coder").status_code == 303
r = client.post(f"/coding/s1/{sys.argv[2]}/save", data={"v:disinformation": "no", "v:topic": "economy"},
                headers={"Accept": "application/json", "X-CSRF-Token": csrf_of(client)})
assert r.status_code == 200, r.text
print("saved", flush=True)
sys.stdin.read()  # killed here: journaled, never applied
"""


def test_a_server_killed_between_journal_and_apply_loses_nothing(ws):
    post = _posts(ws, "coder")[0]
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.Popen([sys.executable, "-c", CRASH, str(ws), str(post), root], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "saved"
    finally:
        proc.kill()
        proc.wait(30)
    assert _stored(ws) == ([], 0)
    assert stat.S_IMODE(os.stat(journal_path(ws)).st_mode) == 0o600  # coders' names and codes: private
    app = create_app(ws)  # the next start applies the journal
    acts, audited = _stored(ws)
    assert {(a[0], a[1], a[3], a[4]) for a in acts} == {("coder", post, "disinformation", "no"),
                                                       ("coder", post, "topic", "economy")}
    assert audited == 2
    page = _client(app, "coder").get(f"/coding/{SAMPLE}/{post}")
    assert 'name="v:disinformation" value="no" checked' in page.text


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_stopping_the_server_applies_the_journal(ws, sig):
    """Ctrl-C (or a service manager's TERM) lets requests finish, then applies what is journaled."""
    import re
    import signal
    import socket

    import httpx

    post = _posts(ws, "coder")[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "shailoo.cli.main", "serve", "-w", str(ws), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None
                time.sleep(0.05)
        client = httpx.Client(base_url=base, timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        assert client.post("/login", data={"username": "coder", "password": PASSWORD, "csrf_token": token}).status_code == 303
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account").text).group(1)
        for value in ("yes", "no"):
            r = client.post(f"/coding/{SAMPLE}/{post}/save", data={"v:disinformation": value},
                            headers={**JSON, "X-CSRF-Token": token})
            assert r.status_code == 200 and r.json()["changed"] == ["disinformation"]
        proc.send_signal(getattr(signal, sig))  # at once: within the half second before the journal is applied
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in out, out
    acts, audited = _stored(ws)
    assert [a[4] for a in acts] == ["yes", "no"] and audited == 2
    assert Journal(journal_path(ws)).pending() == []


def test_a_save_is_answered_while_the_journal_is_being_applied(ws):
    """The regression of the stress run: a save read the workspace to check itself, so it waited while a
    batch was applied (the read-write moment holds every reader back). Now it checks itself against the
    coder's state in memory, read once, and is answered during the write."""
    app = create_app(ws, wait=5.0, save_every=3600)
    client = _client(app, "coder")
    first, second = _posts(ws, "coder")[:2]
    assert _save(client, first, {"v:disinformation": "yes"}).status_code == 200  # the coder's state is read
    answered = {}

    def save():
        t = time.monotonic()
        answered["r"] = _save(client, second, {"v:disinformation": "no"})
        answered["s"] = time.monotonic() - t

    with app.state.gate.write():  # the journal's batch being applied, for two seconds
        worker = threading.Thread(target=save)
        worker.start()
        worker.join(1.5)
        assert "r" in answered, "the save waited for the write"
        time.sleep(0.5)
    assert answered["r"].status_code == 200 and answered["r"].json()["changed"] == ["disinformation"]
    app.state.coding_saves.close()
    acts, audited = _stored(ws)
    assert {(a[1], a[4]) for a in acts} == {(first, "yes"), (second, "no")} and audited == 2


def test_a_change_by_another_program_is_seen_by_the_next_save(ws):
    """The coder's state is read again when the workspace file changed: a unit released by the CLI
    (`shailoo coding assign --release`) is refused at once, and codes applied by the server's own batches
    keep the state without a new read."""
    app = create_app(ws, wait=5.0, save_every=3600)
    client = _client(app, "coder")
    first, second = _posts(ws, "coder")[:2]
    assert _save(client, first, {"v:disinformation": "yes"}).status_code == 200
    app.state.coding_saves.apply_pending()  # the server's own write: the state moves on without a read
    state = app.state.coding_saves.states.fresh("coder", SAMPLE)
    assert state is not None and state.stored[(first, None)] == {"disinformation": ["yes"]}
    again = _save(client, first, {"v:disinformation": "yes"})  # stored now, not pending: nothing changes
    assert again.json()["changed"] == [] and again.json()["was_coded"] is False
    with open_workspace(ws) as other:  # another program releases the coder's second unit
        other.con.execute("UPDATE assignments SET released_at = now() WHERE sample = ? AND coder = 'coder' "
                          "AND post_id = ?", [SAMPLE, second])
    r = _save(client, second, {"v:disinformation": "no"})
    assert r.status_code == 409 and r.json()["saved"] is False
    app.state.coding_saves.close()
    acts, _ = _stored(ws)
    assert [(a[1], a[4]) for a in acts] == [(first, "yes")]
