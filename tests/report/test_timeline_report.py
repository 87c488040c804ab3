"""The report's timeline section (issue #14): activity per day with the crisis's burst shaded and
the events marked, the bursts beside their events, claimed vs reported; absent without either."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from shailoo.demo.crisis import QUIET, _message, crisis_messages, write_events
from shailoo.demo.writers import KGT, write_telethon
from shailoo.events import import_events
from shailoo.report.build import build_report
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace


def _quiet(days: int = 70, per_day: int = 30) -> list[dict]:
    rng = random.Random(5)
    return [{**_message(rng, datetime(2026, 1, 5, 8, tzinfo=KGT) + timedelta(days=d, seconds=rng.randrange(50000)),
                        rng.choice(QUIET)), "message_id": 80_000 + d * 100 + i}
            for d in range(days) for i in range(per_day)]


@pytest.fixture(scope="module")
def crisis_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("timeline")
    ws = init_workspace(folder / "ws", project="timeline")
    write_telethon(folder / "crisis.json", crisis_messages(11))
    write_telethon(folder / "quiet.json", _quiet())
    write_events(folder / "events.csv")
    for name in ("crisis.json", "quiet.json"):
        import_file(ws, folder / name, "telethon", text_caches=False)
    import_events(ws, folder / "events.csv")
    report = build_report(ws, include_text=False)
    ws.close()
    return report


def _section(report):
    found = [s for s in report.sections if s["id"] == "timeline"]
    return found[0] if found else None


def test_timeline_shows_the_crisis_burst_and_the_events(crisis_report):
    section = _section(crisis_report)
    assert section is not None
    blocks = {b.name: b for b in section["blocks"]}
    assert {"timeline-days", "bursts", "events", "claimed-reported", "events-per-year"} <= set(blocks)
    chart = str(blocks["timeline-days"].chart)
    assert chart.startswith("<svg") and "Clash on the border" in chart and "<script" not in chart
    bursts = blocks["bursts"].table.to_pylist()
    crisis = [b for b in bursts if b["start"][:10] == "2026-02-24"]
    assert crisis and crisis[0]["end"][:10] == "2026-02-26" and "Rally on Ala-Too Square" in crisis[0]["events"]
    assert all(b["level"] >= 2 for b in bursts)
    claimed = blocks["claimed-reported"].table.to_pylist()
    rally = next(r for r in claimed if r["name"] == "Rally on Ala-Too Square")
    assert (rally["claimed"], rally["reported"]) == ("10,000", "2,000–3,000")
    assert blocks["claimed-reported"].chart is not None
    days = blocks["timeline-days"].table
    assert days.num_rows == 70 and sum(days["posts"].to_pylist()) == 70 * 30 + len(crisis_messages(11))


def test_no_events_and_no_long_bursts_no_section(tmp_path):
    ws = init_workspace(tmp_path / "ws", project="quiet")
    write_telethon(tmp_path / "quiet.json", _quiet(20, 30))
    import_file(ws, tmp_path / "quiet.json", "telethon", text_caches=False)
    report = build_report(ws, include_text=False)
    ws.close()
    assert _section(report) is None


def test_events_alone_bring_the_section(tmp_path):
    ws = init_workspace(tmp_path / "ws", project="events")
    write_telethon(tmp_path / "quiet.json", _quiet(20, 30))
    import_file(ws, tmp_path / "quiet.json", "telethon", text_caches=False)
    from shailoo.events import add_event

    add_event(ws, "2026-01-10", "Picket", place="Osh", reported="dozens")
    report = build_report(ws, include_text=False, lang="ru")
    ws.close()
    section = _section(report)
    assert section is not None and section["title"] == "Хронология, всплески и события"
    assert "bursts" not in {b.name for b in section["blocks"]}
