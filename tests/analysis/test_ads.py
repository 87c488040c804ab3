"""Ad spend per page, payer, actor and period: ranges stay ranges, currencies apart, actors matched."""

from __future__ import annotations

import json

import pytest

from shailoo.actors import import_registry
from shailoo.analysis.ads import ad_spend, reports
from shailoo.cli.main import app
from shailoo.errors import UsageError
from shailoo.store.ads import load_into
from tests.conftest import DATA

FIX = DATA / "meta_ad_library"
REGISTRY = """name,category,platform,account_id,handle,url,aliases
Babyrjan Tolbaev,candidate,facebook,1000000001,,,
Kursan Asanov,candidate,,,,,Za Asanova
"""


@pytest.fixture
def ws(workspace, tmp_path):
    (tmp_path / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    import_registry(workspace, tmp_path / "registry.csv", replace=False)
    load_into(workspace, FIX / "ads_archive_kg.json")
    load_into(workspace, FIX / "FacebookAdLibraryReport_2021-01-16_KG_last_90_days_advertisers.csv")
    return workspace


def test_per_actor_with_ranges(ws):
    rows = {r["actor"]: r for r in ad_spend(ws, by="actor", all_ads=True).table.to_pylist()}
    tolbaev = rows["Babyrjan Tolbaev"]  # matched by page id; 100..199 + 0..99
    assert (tolbaev["ads"], tolbaev["spend_lower"], tolbaev["spend_upper"]) == (2, 100, 298)
    assert tolbaev["matched_by"] == "page id"
    asanov = rows["Kursan Asanov"]  # matched by page name (an alias); its ad has no spend: upper unknown
    assert (asanov["ads"], asanov["spend_lower"], asanov["spend_upper"], asanov["spend_unknown"]) == (1, 0, None, 1)
    assert asanov["matched_by"] == "page name"
    # the open top bucket of impressions makes the upper total unknown, never a guess
    assert tolbaev["impressions_lower"] == 1_010_000 and tolbaev["impressions_upper"] is None


def test_scope_and_periods(ws):
    ws.add_period("pre-campaign", __import__("datetime").date(2020, 11, 19), __import__("datetime").date(2020, 12, 14))
    ws.add_period("campaign", __import__("datetime").date(2020, 12, 15), __import__("datetime").date(2021, 1, 9))
    by_period = {r["period"]: r["ads"] for r in ad_spend(ws, by="period").table.to_pylist()}
    assert by_period == {"pre-campaign": 2, "campaign": 3}  # ad 2001 (10-20 Dec) counts in both
    assert ad_spend(ws, by="page", period="pre-campaign").table.num_rows == 2
    with pytest.raises(UsageError, match="--all"):
        ad_spend(ws, period="campaign", all_ads=True)


def test_reports_are_never_summed(ws, tmp_path):
    listed = reports(ws).to_pylist()
    assert [r["report"] for r in listed] == ["KG 2021-01-16 last_90_days"]
    rows = {r["actor"]: r for r in ad_spend(ws, by="actor", source="report").table.to_pylist()}
    asanov = rows["Kursan Asanov"]  # two rows of the page (two disclaimers): 1800 + ≤100
    assert (asanov["ads"], asanov["spend_lower"], asanov["spend_upper"]) == (73, 1800, 1900)
    assert rows["(no registered actor)"]["spend_upper"] is None  # a row with unknown spend
    with pytest.raises(UsageError, match="no Ad Library report 'XX'"):
        ad_spend(ws, source="report", report="XX")
    with pytest.raises(UsageError, match="cannot be split by period"):
        ad_spend(ws, by="period", source="report")


def test_currencies_are_never_added(ws, tmp_path):
    data = json.loads((FIX / "ads_archive_kg.json").read_text(encoding="utf-8"))
    ad = dict(data["data"][0], id="3001", currency="KGS")
    (tmp_path / "kgs.json").write_text(json.dumps({"data": [ad]}), encoding="utf-8")
    load_into(ws, tmp_path / "kgs.json")
    rows = [r for r in ad_spend(ws, by="actor", all_ads=True).table.to_pylist() if r["actor"] == "Babyrjan Tolbaev"]
    assert sorted(r["currency"] for r in rows) == ["KGS", "USD"]


@pytest.mark.parametrize("args, message", [
    (["ads", "spend", "--by", "colour"], "--by must be one of"),
    (["ads", "spend", "--source", "report", "--period", "x"], "covers its own window"),
    (["ads", "import", "x.csv", "--currency", "dollars"], "three-letter code"),
])
def test_cli_bad_input_is_one_sentence(runner, ws, args, message):
    ws.close()  # the command opens it
    result = runner.invoke(app, [*args, "-w", str(ws.path)])
    assert result.exit_code == 1 and message in result.output, result.output


def test_cli_spend_json(runner, ws):
    ws.close()
    result = runner.invoke(app, ["ads", "spend", "-w", str(ws.path), "--by", "payer", "--all", "-f", "json"])
    assert result.exit_code == 0, result.output
    payers = {r["payer"]: r for r in json.loads(result.stdout)}
    assert payers["(no disclaimer)"]["spend_upper"] == 99


def test_a_page_is_its_id_shown_under_its_latest_name(ws, tmp_path):
    """Review: two pages named alike were one row, a renamed page two (grouped by name)."""
    data = json.loads((FIX / "ads_archive_kg.json").read_text(encoding="utf-8"))
    base = dict(data["data"][0], currency="USD", spend={"lower_bound": "100", "upper_bound": "199"})
    ads = [dict(base, id="4001", page_id="555", page_name="Новости"),
           dict(base, id="4002", page_id="666", page_name="Новости"),
           dict(base, id="4003", page_id="777", page_name="Old name", ad_delivery_start_time="2021-01-01",
                ad_delivery_stop_time="2021-01-02"),
           dict(base, id="4004", page_id="777", page_name="New name", ad_delivery_start_time="2021-01-05",
                ad_delivery_stop_time="2021-01-06")]
    (tmp_path / "pages.json").write_text(json.dumps({"data": ads}), encoding="utf-8")
    load_into(ws, tmp_path / "pages.json")
    rows = {r["page_id"]: r for r in ad_spend(ws, by="page", all_ads=True).table.to_pylist()}
    assert rows["555"]["page"] == rows["666"]["page"] == "Новости" and rows["555"]["ads"] == 1
    assert rows["777"]["ads"] == 2 and rows["777"]["page"] == "New name"
