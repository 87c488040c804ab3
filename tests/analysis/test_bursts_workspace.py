"""`shailoo bursts` on a workspace (issue #14): the demo crisis's posts (a Telethon export) and its
events file; stream and batched models, --query, --topic, --events-within, a query matching nothing."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.timeline import bursts
from shailoo.cli.main import app
from shailoo.demo.crisis import QUIET, _message, crisis_messages, write_events
from shailoo.demo.writers import KGT, write_telethon
from shailoo.events import import_events
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace


def background() -> list[dict]:
    """Forty quiet posts a day from January to March: what the crisis stands out from."""
    rng = random.Random(3)
    out = []
    for day in range(70):
        for i in range(40):
            at = datetime(2026, 1, 5, 8, tzinfo=KGT) + timedelta(days=day, seconds=rng.randrange(14 * 3600))
            out.append({**_message(rng, at, rng.choice(QUIET)), "message_id": 90_000 + day * 100 + i,
                        "peer_id": {"channel_id": 4200001}, "sender_id": -(10 ** 12 + 4200001),
                        "channel": "Quiet news (demo)", "username": "quiet_news_demo"})
    return out


@pytest.fixture(scope="module")
def crisis_ws(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crisis")
    ws = init_workspace(folder / "ws", project="crisis")
    write_telethon(folder / "posts.json", crisis_messages(7))
    write_telethon(folder / "background.json", background())
    write_events(folder / "events.csv")
    import_file(ws, folder / "posts.json", "telethon")
    import_file(ws, folder / "background.json", "telethon")
    import_events(ws, folder / "events.csv")
    ws.close()
    return folder / "ws"


def _run(*args):
    result = CliRunner().invoke(app, ["bursts", *args])
    assert result.exit_code == 0, result.output
    return result


def test_stream_model_finds_the_crisis_beside_its_events(crisis_ws):
    rows = json.loads(_run("-w", str(crisis_ws), "--events-within", "1", "-f", "json").stdout)
    assert rows[0]["level"] == 1 and rows[0]["events"] is None
    assert rows[0]["start"].endswith("+06:00")  # the workspace's zone (Asia/Bishkek)
    long = [r for r in rows if r["level"] >= 2 and r["start"][:10] == "2026-02-24"]
    assert long and long[0]["end"][:10] == "2026-02-26"
    assert "Clash on the border" in long[0]["events"] and "Rally on Ala-Too Square" in long[0]["events"]
    assert long[0]["posts"] > 500


def test_query_and_batched_model(crisis_ws):
    rows = json.loads(_run("-w", str(crisis_ws), "--query", "митинг", "--model", "batched", "-f", "json").stdout)
    assert rows[0]["level"] == 1 and rows[0]["start"] == "2026-01-05T00:00:00+06:00"
    assert any(r["level"] >= 2 and "2026-02-24" <= r["start"][:10] <= "2026-02-25" for r in rows)
    assert all(r["end"].endswith("T23:59:59+06:00") for r in rows)


def test_topic_selects_posts(crisis_ws):
    rows = json.loads(_run("-w", str(crisis_ws), "--topic", "protest", "-f", "json").stdout)
    assert rows[0]["start"][:10] == "2026-02-24"  # the topic's posts are the crisis's
    assert any(r["level"] >= 2 and r["start"][:10] == "2026-02-25" for r in rows)


def test_a_query_matching_no_post_says_so(crisis_ws):
    result = _run("-w", str(crisis_ws), "--query", "zzzqqq", "-f", "csv")
    assert "No selected post contains 'zzzqqq'" in result.stderr
    assert result.stdout.strip() == "level,start,end,posts"


def test_bad_options_are_one_sentence(crisis_ws):
    result = CliRunner().invoke(app, ["bursts", "-w", str(crisis_ws), "--s", "1"])
    assert result.exit_code == 1 and "s must be greater than 1" in result.output
    result = CliRunner().invoke(app, ["bursts", "-w", str(crisis_ws), "--measure", "interactions"])
    assert result.exit_code == 1 and "needs --model batched" in result.output


def test_library_counts_posts_per_burst(crisis_ws):
    from shailoo.store.workspace import open_workspace

    with open_workspace(crisis_ws, read_only=True) as ws:
        r = bursts(ws, PostFilter(), model="batched", measure="interactions", query="митинг")
        total = ws.con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
        stream = bursts(ws, PostFilter())
    # Telethon messages without reactions have unknown interactions: said, not counted as zero
    assert r.table.num_rows == 0 and "known interactions" in r.empty_reason
    assert stream.table["posts"][0].as_py() == total  # level 1 holds every post
