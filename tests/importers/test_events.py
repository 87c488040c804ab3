"""Events import (issue #14): the Mass Mobilization file as it is, shailoo's layout, a mapping for
other layouts, participants as bounds, bad rows quarantined with a reason, re-imports adding nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from shailoo.cli.main import app
from shailoo.errors import UsageError
from shailoo.events import add_event, claimed_vs_reported, events_by_year_size, import_events, list_events
from shailoo.importers.events import Bounds, parse_participants
from shailoo.importers.parse import BadValue

HEADER = "date,end_date,name,place,country,type,claimed_participants,reported_participants,arrests,source_url\n"


def _adds_up(r) -> bool:
    return r.imported + r.updated + r.quarantined + r.skipped == r.records


@pytest.mark.parametrize("text, bounds", [
    ("1200", (1200, 1200)), ("1,200", (1200, 1200)), ("50-99", (50, 99)), ("5000–10000", (5000, 10000)),
    (">10000", (10001, None)), (">= 100", (100, None)), ("5000+", (5000, None)), ("<50", (None, 49)),
    ("hundreds", (100, 999)), ("Thousands", (1000, 9999)), ("dozens", (24, 99)), ("10s", (10, 99)),
    ("100s", (100, 999)), ("a few hundred ", (100, 999)), ("сотни", (100, 999)), (300, (300, 300)), ("", (None, None)),
])
def test_participants_become_bounds_not_guesses(text, bounds):
    b = parse_participants(text)
    assert (b.low, b.high) == bounds


@pytest.mark.parametrize("text", ["-5", "many", "12.5", "99-50", "4000 arrested", "1" * 60])
def test_participants_that_are_no_number_are_refused(text):
    with pytest.raises(BadValue):
        parse_participants(text)


@pytest.mark.shared
def test_mass_mobilization_imports_as_it_is(workspace, real):
    path = real / "protest_events" / "mm_kazakhstan_kyrgyzstan_1990-2020.csv"
    r = import_events(workspace, path)
    assert r.records == 252 and _adds_up(r)
    assert r.imported == 252 and r.quarantined == 0 and r.layout == "Mass Mobilization"
    rows = {e["event_id"]: e for e in list_events(workspace).to_pylist()}
    by_text = {}
    for e in rows.values():
        by_text.setdefault(e["reported_text"], e)
    over_50 = {(e["reported_low"], e["reported_high"]) for e in rows.values() if e["reported_text"] == ">50"}
    assert over_50 == {(51, 99), (51, None)}  # with the category 50-99, and without a category
    assert (by_text["100s"]["reported_low"], by_text["100s"]["reported_high"]) == (100, 999)
    arrested = by_text["4000 arrested"]  # no figure: the category's bounds, the text kept as written
    assert (arrested["reported_low"], arrested["reported_high"]) == (5000, 10000)
    assert arrested["start_date"] == date(2019, 6, 9) and arrested["had_arrests"] is True
    assert by_text["1000"]["reported"] == "1,000"
    sizes = {(s["year"], s["type"]): s for s in events_by_year_size(workspace).to_pylist()}
    s2019 = sizes[("2019", "protest")]
    assert s2019["events"] == s2019["under_100"] + s2019["from_100_to_999"] + s2019["from_1000"] + s2019["size_unknown"]
    again = import_events(workspace, path)
    assert again.imported == 0 and again.updated == 0 and again.skipped == 252 and _adds_up(again)
    assert workspace.con.execute("SELECT count(*) FROM events").fetchall()[0][0] == 252


def test_bad_rows_are_quarantined_with_a_reason(workspace, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "\n".join([
        "2020-10-05,2020-10-06,Rally,Bishkek,Kyrgyzstan,protest,10000,2000-3000,12,https://example.org/a",
        "2020-10-09,2020-10-07,Ends before it starts,Bishkek,Kyrgyzstan,protest,,500,,",
        "yesterday,,No date,Osh,Kyrgyzstan,protest,,100,,",
        "2020-11-01,,Negative,Osh,Kyrgyzstan,protest,,-40,,",
        "2020-11-02,,Not a number,Osh,Kyrgyzstan,protest,,lots,,",
        "1066-10-14,,Too old,Hastings,England,battle,,7000,,",
        "2020-11-03,,Bad arrests,Osh,Kyrgyzstan,protest,,100,-3,",
        ",,,,,,,,,",
    ]) + "\n", encoding="utf-8")
    r = import_events(workspace, path)
    assert r.records == 8 and r.imported == 1 and r.quarantined == 6 and r.skipped == 1 and _adds_up(r)
    reasons = [x[0] for x in workspace.con.execute(
        "SELECT reason FROM quarantine WHERE import_id = ? ORDER BY record_number", [r.import_id]).fetchall()]
    assert "ends (2020-10-07) before it starts (2020-10-09)" in reasons[0]
    assert "'yesterday', not a date" in reasons[1]
    assert "negative" in reasons[2]
    assert "'lots', not a number" in reasons[3]
    assert "outside 1900" in reasons[4]
    assert "arrests is '-3', not a non-negative" in reasons[5]
    rally = list_events(workspace).to_pylist()[0]
    assert (rally["claimed"], rally["reported"], rally["arrests"]) == ("10,000", "2,000–3,000", 12)
    claimed = claimed_vs_reported(workspace).to_pylist()
    assert claimed[0]["claimed_over_reported_at_least"] == pytest.approx(3.33, abs=0.01)


def test_reimport_adds_nothing_and_a_changed_row_is_updated(workspace, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "2020-10-05,,Rally,Bishkek,Kyrgyzstan,protest,,500,,\n"
                    "2021-04-29,,Border clash,Batken,Kyrgyzstan,crisis,,,,\n", encoding="utf-8")
    first = import_events(workspace, path)
    assert first.imported == 2
    path.write_text(HEADER + "2020-10-05,,Rally,Bishkek,Kyrgyzstan,protest,,600,,\n"
                    "2021-04-29,,Border clash,Batken,Kyrgyzstan,crisis,,,,\n"
                    "2021-04-29,,Border clash,Batken,Kyrgyzstan,crisis,,,,\n", encoding="utf-8")
    second = import_events(workspace, path)
    assert (second.imported, second.updated, second.skipped) == (0, 1, 2) and _adds_up(second)
    assert workspace.con.execute("SELECT count(*) FROM events").fetchall()[0][0] == 2


def test_a_mapping_reads_another_layout_from_xlsx(workspace, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Акции"
    sheet.append(["Дата", "Город", "Участники", "Заявлено"])
    sheet.append(["05.10.2020", "Бишкек", "сотни", "10 000"])
    sheet.append(["32.10.2020", "Ош", "50", None])
    book.save(tmp_path / "events.xlsx")
    mapping = tmp_path / "m.yaml"
    mapping.write_text('columns:\n  date: "Дата"\n  place: "Город"\n  reported_participants: "Участники"\n'
                       '  claimed_participants: "Заявлено"\ndate_format: "%d.%m.%Y"\ntype: protest\nsheet: "Акции"\n',
                       encoding="utf-8")
    r = import_events(workspace, tmp_path / "events.xlsx", mapping)
    assert (r.records, r.imported, r.quarantined) == (2, 1, 1)
    e = list_events(workspace).to_pylist()[0]
    assert (e["place"], e["type"], e["reported_low"], e["reported_high"], e["claimed_low"]) == \
        ("Бишкек", "protest", 100, 999, 10000)


def test_a_file_without_a_date_column_is_refused(workspace, tmp_path):
    from shailoo.errors import WrongFormat

    path = tmp_path / "x.csv"
    path.write_text("when,where\n2020-01-01,Osh\n", encoding="utf-8")
    with pytest.raises(WrongFormat, match="no date column"):
        import_events(workspace, path)


def test_add_checks_like_an_import(workspace):
    assert add_event(workspace, "2019-06-09", "Election day protests", place="Almaty", claimed="thousands",
                     reported="a few hundred") == 1
    with pytest.raises(UsageError, match="before it starts"):
        add_event(workspace, "2019-06-09", end="2019-06-01")
    with pytest.raises(UsageError, match="negative"):
        add_event(workspace, "2019-06-09", reported="-5")
    with pytest.raises(UsageError, match="already event 1"):
        add_event(workspace, "2019-06-09", "Election day protests", place="Almaty")
    row = claimed_vs_reported(workspace).to_pylist()[0]
    assert (row["claimed"], row["reported"]) == ("1,000–9,999", "100–999")


def test_cli_import_json_adds_up(workspace, tmp_path, runner):
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "2020-10-05,,Rally,Bishkek,Kyrgyzstan,protest,,500,,\n2020-13-01,,Bad,,,,,,,\n",
                    encoding="utf-8")
    ws_path = str(workspace.path)
    workspace.close()
    result = runner.invoke(app, ["events", "import", str(path), "-w", ws_path, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["imported"] + data["updated"] + data["quarantined"] + data["skipped"] == data["records"] == 2
    listed = runner.invoke(app, ["events", "list", "-w", ws_path, "-f", "json"])
    assert listed.exit_code == 0 and json.loads(listed.output)[0]["reported"] == "500"
    bad = runner.invoke(app, ["events", "add", "2020-01-02", "--reported", "lots", "-w", ws_path])
    assert bad.exit_code == 1 and "not a number" in bad.output


def test_bounds_exact():
    assert Bounds(5, 5).exact == 5 and Bounds(5, 6).exact is None


def test_a_date_with_an_impossible_time_is_not_a_date():
    """Review: '2026-02-15T25:99' was taken as 15 February (the time was cut off unread)."""
    from datetime import date

    import pytest

    from shailoo.importers.events import parse_date
    from shailoo.importers.parse import BadValue

    assert parse_date("2026-02-15T10:30:00+06:00") == date(2026, 2, 15)
    with pytest.raises(BadValue, match="not a date"):
        parse_date("2026-02-15T25:99")


def test_a_formula_without_its_value_is_quarantined_not_read_as_empty(workspace, tmp_path):
    """Review: an openpyxl- or pandas-written workbook holds formulas without computed values; the cell
    read as empty and the row imported with a blank name and an unknown count, without a word."""
    from openpyxl import Workbook

    from shailoo.events import import_events

    book = Workbook()
    sheet = book.active
    sheet.append(["date", "name", "claimed participants"])
    sheet.append(["2026-02-15", '=HYPERLINK("http://evil","click")', "=1000*1000"])
    sheet.append(["2026-02-16", "Rally", 500])
    path = tmp_path / "events.xlsx"
    book.save(path)
    result = import_events(workspace, path)
    assert result.imported == 1 and result.quarantined == 1
    (reason,) = [r for (r,) in workspace.con.execute("SELECT reason FROM quarantine").fetchall()]
    assert "formula without its computed value" in reason
