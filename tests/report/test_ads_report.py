"""The report's political-ads section: spend as ranges, hostile names escaped, absent without ad data."""

from __future__ import annotations

from shailoo.report.build import build_report
from shailoo.store.ads import load_into
from tests.conftest import DATA

FIX = DATA / "meta_ad_library"


def _section(ws, sid):
    return next((s for s in build_report(ws, include_text=False).sections if s["id"] == sid), None)


def test_no_ads_no_section(workspace):
    assert _section(workspace, "ads") is None


def test_ads_section(workspace, tmp_path):
    load_into(workspace, FIX / "ads_archive_kg.json")
    load_into(workspace, FIX / "FacebookAdLibraryReport_2021-01-16_KG_last_90_days_advertisers.csv")
    section = _section(workspace, "ads")
    names = [b.name for b in section["blocks"]]
    assert names == ["ads-actor", "ads-payer", "ads-page", "ads-reports", "ads-report-pages"]
    pages = section["blocks"][-1].table.to_pylist()
    assert {(r["page"], r["spend_lower"], r["spend_upper"]) for r in pages} >= {("Politmer.kg", 0, 100)}
    assert all("midpoint" in b.note for b in section["blocks"] if b.name != "ads-reports")
    from shailoo.report.build import write_report

    out = tmp_path / "r.html"
    write_report(workspace, out, include_text=False)
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
