"""The coding screen, review and coding administration pages: saves are audited coding acts with their
history, CSRF guards every save, a coder reaches only their own units and never sees another coder's
codes (through any route), reviewers see alpha and disagreements and adjudicate."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shailoo.coding.assign import assign, units_for_coder
from shailoo.coding.codebook import builtin_codebook_text, store_codebook
from shailoo.coding.mentions import add_mention
from shailoo.coding.samples import SampleRule, draw_sample
from shailoo.server import coding_data, users
from shailoo.server.app import create_app
from shailoo.store.workspace import open_workspace
from tests.server.conftest import HOSTILE, PASSWORD, csrf_of, log_in

SAMPLE = "s1"


@pytest.fixture(scope="module")
def coding_ws(template, tmp_path_factory):
    """The users' fixture with a second coder, the election codebook, a sample of every post (two with
    mentions, one with hostile text and a javascript: link), half of it coded by both coders."""
    path = Path(shutil.copytree(template, tmp_path_factory.mktemp("coding") / "ws"))
    ws = open_workspace(path)
    users.add_user(ws, "coder2", "coder", PASSWORD, actor="cli:test")
    store_codebook(ws.con, builtin_codebook_text("election"), "builtin:election")
    ws.con.execute("UPDATE posts SET text = ?, url = 'javascript:alert(1)' WHERE post_id = 3", [HOSTILE])
    draw_sample(ws, SAMPLE, SampleRule("random", fraction=1.0, seed=7), None)
    for post, actor in ((1, 1), (2, 2), (2, 5)):
        add_mention(ws.con, post, actor, "cli:test")
    assign(ws.con, SAMPLE, ["coder", "coder2"], overlap=0.5)
    ws.close()
    return path


@pytest.fixture(scope="module")
def capp(coding_ws):
    return create_app(coding_ws, wait=2.0)


def _client(app, name: str) -> TestClient:
    client = TestClient(app)
    assert log_in(client, name).status_code == 303
    return client


@pytest.fixture(scope="module")
def cl(capp):
    return {name: _client(capp, name) for name in ("admin", "coordinator", "coder", "coder2", "viewer")}


def _assigned(path: Path, coder: str, overlap: bool | None = None) -> list[int]:
    with open_workspace(path, read_only=True) as ws:
        sql = "SELECT post_id FROM assignments WHERE sample = ? AND coder = ?"
        if overlap is not None:
            sql += f" AND overlap = {str(overlap).lower()}"
        return [r[0] for r in ws.con.execute(sql + " ORDER BY post_id", [SAMPLE, coder]).fetchall()]


def _codes(path: Path, coder: str | None = None) -> list[tuple]:
    with open_workspace(path, read_only=True) as ws:
        where = "WHERE coder = ?" if coder else ""
        return ws.con.execute(f"SELECT act_id, post_id, actor_id, variable, value, coder, origin FROM codes {where} "
                              "ORDER BY act_id, value", [coder] if coder else []).fetchall()


def _audit(path: Path, action: str) -> list[tuple]:
    with open_workspace(path, read_only=True) as ws:
        return ws.con.execute("SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY entry_id",
                              [action]).fetchall()


def _save(client, url, data, csrf=True, **kw):
    body = {**data, **({"csrf_token": csrf_of(client)} if csrf else {})}
    return client.post(url, data=body, follow_redirects=False, **kw)


def test_unit_keys_are_units_for_coder_in_the_same_order(coding_ws):
    with open_workspace(coding_ws, read_only=True) as ws:
        book = coding_data.codebook(ws)
        for coder in ("coder", "coder2"):
            ref = units_for_coder(ws.con, coder, SAMPLE)
            keys = coding_data.unit_keys(ws, coder, SAMPLE, book)
            assert keys.num_rows > 0
            assert list(zip(keys.column("post_id").to_pylist(), keys.column("actor_id").to_pylist())) == \
                list(zip(ref.column("post_id").to_pylist(), ref.column("actor_id").to_pylist()))


def test_home_lists_only_my_samples_and_next_unit_opens(cl, coding_ws):
    home = cl["coder"].get("/coding")
    assert home.status_code == 200 and f'data-sample="{SAMPLE}"' in home.text
    nothing = cl["coordinator"].get("/coding")
    assert SAMPLE not in nothing.text  # a coordinator may code, but has no units here
    go = cl["coder"].get(f"/coding/{SAMPLE}", follow_redirects=False)
    assert go.status_code == 303
    first = _assigned(coding_ws, "coder")[0]
    assert re.fullmatch(rf"/coding/{SAMPLE}/\d+(\?actor=\d+)?", go.headers["location"])
    page = cl["coder"].get(go.headers["location"])
    assert page.status_code == 200 and 'id="code-form"' in page.text
    assert int(go.headers["location"].split("/")[3].split("?")[0]) in _assigned(coding_ws, "coder")
    assert first in _assigned(coding_ws, "coder")


def test_unit_page_shows_the_post_as_text_and_only_safe_links(cl, coding_ws):
    holder = next(c for c in ("coder", "coder2") if 3 in _assigned(coding_ws, c))
    page = cl[holder].get(f"/coding/{SAMPLE}/3")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert 'href="javascript:' not in page.text
    assert "/static/coding.js" in page.text and "<script>" not in page.text.replace('<script src="', "")
    for name in ("tone", "topic", "disinformation", "inflammatory"):
        assert (f'data-variable="{name}"' in page.text) == (name != "tone")  # tone is coded per mentioned actor


def test_post_actor_unit_shows_the_actor_and_tone(cl, coding_ws):
    holder = next(c for c in ("coder", "coder2") if 2 in _assigned(coding_ws, c))
    page = cl[holder].get(f"/coding/{SAMPLE}/2?actor=5")
    assert page.status_code == 200
    assert 'id="about"' in page.text and "Kloop" in page.text
    assert 'data-variable="tone"' in page.text and 'data-variable="topic"' not in page.text


def test_saves_are_acts_with_history_and_audit(cl, coding_ws):
    client = cl["coder"]
    post = _assigned(coding_ws, "coder")[0]
    url = f"/coding/{SAMPLE}/{post}/save"
    before = len(_codes(coding_ws))
    assert _save(client, url, {"v:disinformation": "no", "v:topic": ["economy", "culture"], "go": "stay"}).status_code == 303
    assert _save(client, url, {"v:disinformation": "yes", "go": "stay"}).status_code == 303
    assert _save(client, url, {"v:disinformation": "yes", "go": "stay"}).status_code == 303  # unchanged: no new act
    mine = [r for r in _codes(coding_ws, "coder") if r[1] == post]
    dis = [r for r in mine if r[3] == "disinformation"]
    assert [r[4] for r in dis] == ["no", "yes"] and {r[6] for r in mine} == {"web"}  # both acts kept
    assert sorted(r[4] for r in mine if r[3] == "topic") == ["culture", "economy"]
    assert len(_codes(coding_ws)) == before + 4
    entries = [e for e in _audit(coding_ws, "code.record") if e[0] == "coder" and f"post {post}" in e[1]]
    details = [json.loads(e[2]) for e in entries]
    assert [(d["variable"], d["before"], d["after"]) for d in details if d["variable"] == "disinformation"] == \
        [("disinformation", None, ["no"]), ("disinformation", ["no"], ["yes"])]
    page = client.get(f"/coding/{SAMPLE}/{post}")
    assert re.search(r'value="yes" checked', page.text) and not re.search(r'value="no" checked', page.text)


def test_number_key_save_answers_json_and_none_of_these(cl, coding_ws):
    client = cl["coder"]
    post = _assigned(coding_ws, "coder")[-1]
    r = client.post(f"/coding/{SAMPLE}/{post}/save", data={"v:topic": "__none__"},
                    headers={"X-CSRF-Token": csrf_of(client), "Accept": "application/json"})
    assert r.status_code == 200 and r.json()["saved"] is True and r.json()["changed"] == ["topic"]
    topic = [r for r in _codes(coding_ws, "coder") if r[1] == post and r[3] == "topic"]
    assert [r[4] for r in topic] == [None]  # coded: none of the values
    bad = client.post(f"/coding/{SAMPLE}/{post}/save", data={"v:tone": "1"},
                      headers={"X-CSRF-Token": csrf_of(client), "Accept": "application/json"})
    assert bad.status_code == 409 and bad.json()["saved"] is False  # tone needs an actor


def test_enter_saves_and_goes_to_the_next_uncoded_unit(cl, coding_ws):
    client = cl["coder2"]
    post = _assigned(coding_ws, "coder2")[0]
    r = _save(client, f"/coding/{SAMPLE}/{post}/save",
              {"v:disinformation": "no", "v:inflammatory": "no", "v:topic": "economy", "go": "next"})
    assert r.status_code == 303
    assert r.headers["location"] != f"/coding/{SAMPLE}/{post}"


def test_saves_need_csrf(cl, coding_ws):
    client = cl["coder"]
    post = _assigned(coding_ws, "coder")[0]
    before = _codes(coding_ws)
    url = f"/coding/{SAMPLE}/{post}/save"
    assert _save(client, url, {"v:inflammatory": "yes"}, csrf=False).status_code == 403
    assert client.post(url, data={"v:inflammatory": "yes", "csrf_token": "forged"}).status_code == 403
    assert client.post(url, data={"v:inflammatory": "yes"}, headers={"X-CSRF-Token": csrf_of(cl["coder2"])}).status_code == 403
    assert _codes(coding_ws) == before


def test_a_coder_cannot_read_or_change_another_coders_codes_through_any_route(capp, cl, coding_ws):
    """coder2 codes every unit of theirs (overlap and not); coder then tries every route on them."""
    other = cl["coder2"]
    theirs = _assigned(coding_ws, "coder2")
    only_theirs = [p for p in theirs if p not in _assigned(coding_ws, "coder")]
    shared = [p for p in theirs if p in _assigned(coding_ws, "coder")]
    assert only_theirs and shared
    for post in theirs:
        _save(other, f"/coding/{SAMPLE}/{post}/save", {"v:inflammatory": "yes", "v:topic": "charity"})
    secret = _codes(coding_ws, "coder2")
    assert secret
    me = cl["coder"]
    for post in only_theirs:
        assert me.get(f"/coding/{SAMPLE}/{post}", follow_redirects=False).status_code == 303
        r = _save(me, f"/coding/{SAMPLE}/{post}/save", {"v:inflammatory": "no", "coder": "coder2"})
        assert r.status_code == 303
        r = _save(me, f"/coding/{SAMPLE}/{post}/mention", {"actor_id": "3"})
        assert r.status_code == 303
        assert me.post(f"/coding/{SAMPLE}/{post}/save", data={"v:inflammatory": "no"},
                       headers={"X-CSRF-Token": csrf_of(me), "Accept": "application/json"}).status_code == 409
    # on a shared (overlap) unit coder sees only their own codes: nothing of coder2's "charity"/"yes"
    for post in shared:
        page = me.get(f"/coding/{SAMPLE}/{post}")
        assert page.status_code == 200
        assert not re.search(r'value="(charity|yes)" checked', page.text)
        assert "coder2" not in page.text.replace('href="/account">coder<', "")
    # the reviewer's pages, the admin pages, the codes' history: none open to a coder
    for url in ("/reliability", f"/reliability/unit/{shared[0]}?variable=topic", "/admin/samples",
                f"/admin/samples/{SAMPLE}", "/admin/codebook", "/admin/audit"):
        assert me.get(url, follow_redirects=False).status_code == 403, url
    for url, data in ((f"/reliability/unit/{shared[0]}/adjudicate", {"variable": "topic", "value": "economy"}),
                      (f"/admin/samples/{SAMPLE}/assign", {"coders": "coder"}),
                      (f"/admin/samples/{SAMPLE}/release", {"idle_hours": "0.001"})):
        assert _save(me, url, data).status_code == 403, url
    # every other route of the app, walked with coder2's unit and sample in its path
    from fastapi.routing import APIRoute

    for route in capp.routes:
        if not isinstance(route, APIRoute):
            continue
        url = (route.path.replace("{sample}", SAMPLE).replace("{post_id}", str(only_theirs[0]))
               .replace("{name}", "coder2"))
        for method in route.methods - {"HEAD"}:
            if url in ("/logout",):
                continue
            r = me.get(url, follow_redirects=False) if method == "GET" else _save(me, url, {"v:topic": "economy"})
            assert "charity" not in r.text or 'value="charity"' in r.text, url  # a label of the form, never a code
    assert _codes(coding_ws, "coder2") == secret
    assert not [r for r in _codes(coding_ws, "coder") if r[1] in only_theirs]
    with open_workspace(coding_ws, read_only=True) as ws:
        assert not ws.con.execute("SELECT count(*) FROM mentions WHERE actor_id = 3 AND post_id IN "
                                  f"({','.join(map(str, only_theirs))})").fetchall()[0][0]


def test_a_coder_adds_a_missed_actor_to_their_post(cl, coding_ws):
    client = cl["coder"]
    post = _assigned(coding_ws, "coder")[0]
    r = _save(client, f"/coding/{SAMPLE}/{post}/mention", {"actor_id": "4"})
    assert r.status_code == 303 and r.headers["location"] == f"/coding/{SAMPLE}/{post}?actor=4"
    page = client.get(r.headers["location"])
    assert 'data-variable="tone"' in page.text and "Ата Мекен" in page.text
    assert any(f"post {post}, actor 4" in e[1] for e in _audit(coding_ws, "mention.add"))


def test_reviewer_sees_alpha_disagreements_and_adjudicates(cl, coding_ws):
    shared = [p for p in _assigned(coding_ws, "coder2") if p in _assigned(coding_ws, "coder")]
    for i, post in enumerate(shared):  # the coders disagree on the first shared post's inflammatory
        _save(cl["coder"], f"/coding/{SAMPLE}/{post}/save", {"v:inflammatory": "no" if i == 0 else "yes"})
        _save(cl["coder2"], f"/coding/{SAMPLE}/{post}/save", {"v:inflammatory": "yes"})
    page = cl["coordinator"].get("/reliability", params={"sample": SAMPLE})
    assert page.status_code == 200
    assert 'data-variable="inflammatory"' in page.text and 'id="disagreements-inflammatory"' in page.text
    link = re.search(rf'href="(/reliability/unit/{shared[0]}\?[^"]*variable=inflammatory[^"]*)"', page.text)
    assert link, page.text
    unit = cl["coordinator"].get(link.group(1).replace("&amp;", "&"))
    assert unit.status_code == 200 and "coder2" in unit.text  # reviewers see every coder's codes
    r = _save(cl["coordinator"], f"/reliability/unit/{shared[0]}/adjudicate",
              {"variable": "inflammatory", "value": "yes", "sample": SAMPLE, "note": "calls for violence"})
    assert r.status_code == 303
    with open_workspace(coding_ws, read_only=True) as ws:
        rows = ws.con.execute("SELECT value, reviewer, note FROM adjudications WHERE post_id = ?", [shared[0]]).fetchall()
    assert rows == [("yes", "coordinator", "calls for violence")]
    assert any(e[0] == "coordinator" for e in _audit(coding_ws, "code.adjudicate"))
    after = cl["coordinator"].get(r.headers["location"])
    assert "adjudicated" in after.text


def test_admin_draws_assigns_releases_and_imports_a_codebook(cl, coding_ws):
    admin = cl["admin"]
    r = _save(admin, "/admin/samples", {"name": "top", "kind": "top", "count": "2", "all_posts": "true", "seed": "3"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/samples/top"
    show = admin.get("/admin/samples/top")
    assert show.status_code == 200 and 'value="coder2"' in show.text and 'value="viewer"' not in show.text
    assert _save(admin, "/admin/samples/top/assign", {"coders": ["coder", "coder2"], "overlap": "50"}).status_code == 303
    assert set(_assigned_of(coding_ws, "top")) == {"coder", "coder2"}
    refused = _save(admin, "/admin/samples/top/assign", {"coders": ["viewer"]})
    assert refused.status_code == 303 and "viewer is not a user with role coder" in admin.get(refused.headers["location"]).text
    assert _save(admin, "/admin/samples/top/release", {"idle_hours": "1000"}).status_code == 303
    again = _save(admin, "/admin/samples", {"name": "top", "kind": "top", "count": "2", "all_posts": "true"})
    assert "exists" in admin.get(again.headers["location"]).text  # the library's sentence, shown once
    assert {a[1] for a in _audit(coding_ws, "sample.draw")} >= {"top"}
    assert _audit(coding_ws, "sample.assign") and _audit(coding_ws, "sample.release")
    yaml = builtin_codebook_text("election").replace("Tone toward the actor", "Tone toward the subject")
    r = admin.post("/admin/codebook", data={"csrf_token": csrf_of(admin)},
                   files={"file": ("mine.yaml", yaml.encode(), "text/yaml")}, follow_redirects=False)
    assert r.status_code == 303
    book = admin.get("/admin/codebook")
    assert "Version 2" in book.text and "Tone toward the subject" in book.text
    bad = admin.post("/admin/codebook", data={"csrf_token": csrf_of(admin)},
                     files={"file": ("bad.yaml", b"variables: [", "text/yaml")}, follow_redirects=False)
    assert bad.status_code == 303 and 'class="error"' in admin.get("/admin/codebook").text
    assert [json.loads(e[2])["source"] for e in _audit(coding_ws, "codebook.import")] == ["mine.yaml"]


def _assigned_of(path: Path, sample: str) -> list[str]:
    with open_workspace(path, read_only=True) as ws:
        return [r[0] for r in ws.con.execute("SELECT DISTINCT coder FROM assignments WHERE sample = ?",
                                             [sample]).fetchall()]
