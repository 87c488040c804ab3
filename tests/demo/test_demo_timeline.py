"""The demo's crisis (issue #14): the demo workspace has events and a crisis that the report's
timeline shows with its burst (demo/run.py calls demo.crisis.add_crisis)."""

from __future__ import annotations

import pytest
from shailoo.report.build import build_report
from shailoo.store.workspace import open_workspace


@pytest.fixture(scope="module")
def demo_report(demo_built):
    summary, folder = demo_built
    assert summary["crisis"]
    with open_workspace(folder, read_only=True) as ws:
        events = ws.con.execute("SELECT name FROM events ORDER BY start_date").fetchall()
        report = build_report(ws, include_text=False)
    return report, [e[0] for e in events]


def test_demo_has_events(demo_report):
    _, events = demo_report
    assert "Clash on the border" in events and "Rally on Ala-Too Square" in events and "Election day" in events


def test_demo_timeline_shows_the_crisis_with_its_burst(demo_report):
    report, _ = demo_report
    section = next(s for s in report.sections if s["id"] == "timeline")
    blocks = {b.name: b for b in section["blocks"]}
    bursts = blocks["bursts"].table.to_pylist()
    crisis = [b for b in bursts if "2026-02-24" <= b["start"][:10] <= "2026-02-25"]
    assert crisis, bursts
    assert "Clash on the border" in (crisis[0]["events"] or "")
    chart = str(blocks["timeline-days"].chart)
    assert "Rally on Ala-Too Square" in chart and "Election day" in chart
