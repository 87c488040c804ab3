"""Meta Ad Library report CSVs: both layouts, ranges kept as bounds, bad rows quarantined, other layouts refused."""

from __future__ import annotations

import shutil
import time
from datetime import date

import pytest

from shailoo import importers
from shailoo.errors import WrongFormat
from shailoo.store.ads import load_into
from shailoo.store.loader import import_file
from tests.conftest import DATA

FIXTURES = DATA / "meta_ad_library"
ADVERTISERS = FIXTURES / "FacebookAdLibraryReport_2021-01-16_KG_last_90_days_advertisers.csv"
OLD = FIXTURES / "FacebookAdLibraryReportKG2020-12-01SpendingToDate.csv"


def rows(ws, where: str = "TRUE") -> dict:
    cur = ws.con.execute(f"SELECT * FROM ad_spend WHERE {where} ORDER BY row_number")
    names = [d[0] for d in cur.description]
    return {(r[names.index("page_name")], r[names.index("disclaimer")]): dict(zip(names, r)) for r in cur.fetchall()}


def test_detected_as_a_report():
    for path in (ADVERTISERS, OLD, FIXTURES / "FacebookAdLibraryReport_custom.csv"):
        assert importers.detect(path).FORMAT.id == "meta_ad_library_report", path


def test_advertisers_layout(workspace):
    result = load_into(workspace, ADVERTISERS)
    assert result.records == 11 and result.skipped == 1  # the empty line
    assert result.imported == 6 and result.quarantined == 4
    got = rows(workspace)
    tolbaev = got[("Babyrjan Tolbaev", "Babyrjan Tolbaev")]
    assert (tolbaev["spend_lower"], tolbaev["spend_upper"], tolbaev["ads"]) == (2170, 2170, 38)
    assert tolbaev["currency"] == "USD" and tolbaev["country"] == "KG" and tolbaev["report_range"] == "last_90_days"
    assert (tolbaev["window_start"], tolbaev["window_end"]) == (date(2020, 10, 19), date(2021, 1, 16))
    small = got[("Politmer.kg", None)]  # ≤100, ran without a disclaimer
    assert (small["spend_lower"], small["spend_upper"], small["without_disclaimer"]) == (0, 100, True)
    unknown = got[("Unknown Spend", "Someone")]
    assert unknown["spend_lower"] is None and unknown["spend_upper"] is None  # unknown is not zero
    # the same page with two disclaimers is two rows
    assert ("Za Asanova", "Kursan Asanov") in got and ("Za Asanova", "Za #13") in got
    # hostile cells are stored as written (outputs escape them)
    assert ('=HYPERLINK("http://evil.example","click")', "<script>alert(1)</script>") in got
    reasons = [r[0] for r in workspace.con.execute("SELECT reason FROM quarantine ORDER BY record_number").fetchall()]
    assert any("12abc" in r for r in reasons) and any("not a Facebook page id" in r for r in reasons)
    assert any("plausible maximum" in r for r in reasons) and any("-5" in r for r in reasons)
    logged = workspace.con.execute("SELECT format, records, quarantined FROM imports").fetchall()
    assert logged == [("meta_ad_library_report", 11, 4)]


def test_spending_to_date_layout_has_no_currency(workspace):
    result = load_into(workspace, OLD)
    assert result.imported == 4 and result.quarantined == 0
    assert any("does not name its currency" in w for w in result.warnings)
    got = rows(workspace)
    assert got[("Aimen Kasenov", "Aimen Kasenov")]["spend_upper"] == 2000  # '≤ 2000'
    assert got[("No Disclaimer", None)]["without_disclaimer"]
    assert ("Two Payers", "First Payer\nSecond Payer") in got  # a cell over two lines, as in the UA report
    row = got[("Eldar Abakirov", "Eldar Abakirov")]
    assert row["currency"] is None and row["layout"] == "spending_to_date" and row["report_range"] == "lifelong"
    assert (row["window_start"], row["window_end"]) == (None, date(2020, 12, 1))


def test_currency_given_at_import(workspace):
    load_into(workspace, OLD, options={"currency": "usd"})
    assert {r["currency"] for r in rows(workspace).values()} == {"USD"}


def test_reimport_and_a_new_copy_never_double(workspace, tmp_path):
    load_into(workspace, ADVERTISERS)
    again = load_into(workspace, ADVERTISERS)
    assert again.seen_before and again.imported == 0
    copy = tmp_path / ADVERTISERS.name  # a re-download: same report, other bytes
    copy.write_bytes(ADVERTISERS.read_bytes().replace(b"2,170", b"2,171"))
    newer = load_into(workspace, copy)
    assert newer.updated == 6 and any("replaced" in w for w in newer.warnings)
    assert workspace.con.execute("SELECT count(*), max(spend_upper) FROM ad_spend").fetchall() == [(6, 2171)]


@pytest.mark.parametrize("name, expected", [
    ("FacebookAdLibraryReport_2021-01-16_KG_last_90_days_locations.csv", "spending per location"),
    ("FacebookAdLibraryReport_custom.csv", "not an Ad Library report layout shailoo knows"),
])
def test_other_layouts_are_one_sentence(workspace, name, expected):
    with pytest.raises(WrongFormat) as exc:
        load_into(workspace, FIXTURES / name)
    assert expected in str(exc.value) and "\n" not in str(exc.value)
    assert workspace.con.execute("SELECT count(*) FROM imports").fetchall()[0][0] == 0


def test_shailoo_import_loads_an_ad_library_report(workspace, runner):
    """`shailoo import FILE` detected the format but could not load it (it pointed to `ads import`)."""
    result = import_file(workspace, ADVERTISERS)
    assert result.format == "meta_ad_library_report"
    assert result.records == result.imported + result.updated + result.unchanged + result.quarantined + result.skipped
    assert len(rows(workspace)) == result.imported + result.updated > 0
    again = import_file(workspace, ADVERTISERS)
    assert again.seen_before and len(rows(workspace)) == result.imported + result.updated


def test_renamed_file_has_no_window(workspace, tmp_path):
    plain = tmp_path / "kg-report.csv"
    shutil.copy(ADVERTISERS, plain)
    load_into(workspace, plain)
    row = next(iter(rows(workspace).values()))
    assert row["country"] is None and row["report_date"] is None and row["window_end"] is None


REAL_FILES = {"FacebookAdLibraryReportUA2019-05-04SpendingToDate.csv": (2516, None, "lifelong"),
              "FacebookAdLibraryReport_2022-11-18_TH_yesterday_advertisers.csv": (97, "THB", "yesterday")}


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_reports(workspace, real, name):
    rows_expected, currency, window = REAL_FILES[name]
    started = time.perf_counter()
    result = load_into(workspace, real / "meta_ad_library" / name)
    assert time.perf_counter() - started < 5
    assert result.imported == rows_expected and result.quarantined == 0
    got = workspace.con.execute("""SELECT count(*), any_value(currency), any_value(report_range),
                                          count(*) FILTER (WHERE spend_lower = 0 AND spend_upper = 100),
                                          count(*) FILTER (WHERE without_disclaimer) FROM ad_spend""").fetchall()[0]
    assert got[:3] == (rows_expected, currency, window)
    assert got[3] > 0 and got[4] > 0  # '≤100' rows and ads without a disclaimer are there
    if "UA" in name:
        zelensky = workspace.con.execute("SELECT spend_lower, spend_upper, ads FROM ad_spend "
                                         "WHERE page_name = 'Команда Зеленського' AND disclaimer LIKE 'ГО%'").fetchall()
        assert zelensky == [(79324, 79324, 1877)]
