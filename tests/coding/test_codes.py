"""Codes: CSV import (bad rows quarantined), export → import round trip, record_code, adjudication, final codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from shailoo.cli.main import app
from shailoo.coding.codebook import import_codebook
from shailoo.coding.codes import (
    adjudicate,
    codes_table,
    current_codes,
    final_codes,
    record_code,
)
from shailoo.coding.codes_csv import import_codes
from shailoo.errors import CodingError, UsageError, WrongFormat
from shailoo.store.workspace import init_workspace

DATA = Path(__file__).resolve().parents[1] / "data" / "coding"
POSTS = [  # post_id, platform, platform_post_id, url
    (1, "facebook", "111", "https://www.facebook.com/page/posts/111"),
    (2, "telegram", "kloop/5", "https://t.me/kloop/5"),
    (3, "facebook", "222", None),
]


def make_workspace(path: Path):
    ws = init_workspace(path, project="codes")
    con = ws.con
    con.execute("INSERT INTO actors (actor_id, name, category, aliases) VALUES "
                "(1, 'Садыр Жапаров', 'candidate', ['Japarov', 'Жапаров', 'Sadyr']), "
                "(2, 'Адахан Мадумаров', 'candidate', ['Madumarov', 'Sadyr'])")
    con.executemany("INSERT INTO posts (post_id, platform, platform_post_id, created_at, url) "
                    "VALUES (?, ?, ?, TIMESTAMPTZ '2021-01-05 10:00:00+00', ?)", POSTS)
    con.execute("INSERT INTO samples VALUES ('s1', '{}', now(), 1, 'coding')")
    con.execute("INSERT INTO sample_posts VALUES ('s1', 1, NULL)")
    import_codebook(con, DATA / "tone.yaml")
    return ws


@pytest.fixture
def ws(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    yield ws
    ws.close()


def current(con) -> set[tuple]:
    return set(zip(*(c.to_pylist() for c in current_codes(con).columns)))


def test_good_rows_load_as_acts(ws):
    r = import_codes(ws.con, DATA / "codes_good.csv")
    assert (r.records, r.acts, r.quarantined, r.unchanged) == (9, 7, 0, 0)
    assert current(ws.con) == {
        (1, 1, "tone", "ann", "-1"), (1, 1, "tone", "bob", "1"),
        (1, None, "topic", "ann", "economy"), (1, None, "topic", "ann", "elections"),
        (1, None, "topic", "bob", "economy"), (1, None, "topic", "bob", "elections"),
        (2, None, "flag", "ann", "no"), (2, None, "flag", "bob", "no"), (2, None, "topic", "ann", None)}
    # one act per coder, unit and variable; every act with the codebook version and origin 'import'
    assert ws.con.execute("SELECT count(DISTINCT act_id), min(codebook_version), any_value(origin) FROM codes "
                          "WHERE variable = 'topic'").fetchall() == [(3, 1, "import")]
    assert ws.con.execute("SELECT post_id, actor_id, source, added_by FROM mentions").fetchall() == [(1, 1, "coder", "ann")]
    assert ws.con.execute("SELECT format, records, imported, quarantined FROM imports").fetchall() == [("codes", 9, 7, 0)]


def test_reimport_adds_nothing(ws):
    import_codes(ws.con, DATA / "codes_good.csv")
    before = ws.con.execute("SELECT count(*) FROM codes").fetchall()
    r = import_codes(ws.con, DATA / "codes_good.csv")
    assert (r.acts, r.unchanged) == (0, 7)
    assert ws.con.execute("SELECT count(*) FROM codes").fetchall() == before


def test_semicolon_file_with_bom_and_header_case(ws):
    r = import_codes(ws.con, DATA / "codes_semicolon_bom.csv")
    assert r.acts == 1 and "semicolon" in r.dialect
    assert current(ws.con) == {(1, 1, "tone", "ann", "0")}


def quarantined(con) -> dict[int, str]:
    return dict(con.execute("SELECT record_number, reason FROM quarantine ORDER BY record_number").fetchall())


def test_each_bad_row_is_quarantined_with_its_reason(ws):
    r = import_codes(ws.con, DATA / "codes_bad.csv")
    reasons = quarantined(ws.con)
    expected = {
        1: "unknown post: no post in the workspace has the facebook post id '999'",
        2: "unknown value '7' of 'tone'",
        3: "actor 'Nobody' is not a registered actor's name or alias",
        4: "unknown variable 'tonez'",
        5: "'tone' is coded per post and actor: give the actor",
        6: "'flag' is coded per post: leave the actor empty",
        7: "the coder's name is not 1 to 100 printable characters",
        8: "unknown value '=1+1' of 'flag'",
        9: "coder 'ann' gives 'flag' of this unit more than one value in this file (rows 9, 10)",
        10: "coder 'ann' gives 'flag' of this unit more than one value in this file (rows 9, 10)",
        11: "the coder is empty",
        12: "no value for 'flag' (it takes one value per unit)",
        13: "the post is not named: give url, or platform and post_id",
        14: "a quote in this row is not closed where the row ends",
    }
    for n, reason in expected.items():
        assert reason in reasons.get(n, ""), (n, reasons.get(n))
    assert len(reasons) == len(expected)
    # the row the stray quote swallowed is read on its own and loads
    assert r.acts == 1 and current(ws.con) == {(1, None, "flag", "carl", "yes")}
    raw = ws.con.execute("SELECT raw FROM quarantine WHERE record_number = 7").fetchall()[0][0]
    assert raw.startswith('"=HYPERLINK(')  # kept as written; every CSV/XLSX output escapes it
    assert ws.con.execute("SELECT quarantined FROM imports").fetchall() == [(14,)]


def test_sample_restriction(ws):
    r = import_codes(ws.con, DATA / "codes_good.csv", sample="s1")
    assert r.quarantined == 3 and set(quarantined(ws.con).values()) == {"the post is not in the sample 's1'"}
    with pytest.raises(UsageError, match="no sample 'nope'"):
        import_codes(ws.con, DATA / "codes_good.csv", sample="nope")


def test_ambiguous_alias_and_huge_cell(ws, tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("coder,variable,value,platform,post_id,actor\n"
                 "ann,tone,0,facebook,111,sadyr\n"
                 f"ann,tone,0,facebook,111,{'x' * 3000}\n"
                 "ann,tone,0,facebook,111,MADUMAROV\n", "utf-8")
    r = import_codes(ws.con, f)
    reasons = quarantined(ws.con)
    assert "'sadyr' is an alias of several actors" in reasons[1]
    assert "longer than 2,000 characters" in reasons[2]
    assert r.acts == 1 and current(ws.con) == {(1, 2, "tone", "ann", "0")}


@pytest.mark.parametrize("content, message", [
    ("", "is empty"),
    ("coder,variable,url\nann,tone,x\n", "lacks the column(s) value"),
    ("coder,variable,value\nann,tone,1\n", "url, or platform and post_id"),
    ("coder,variable,value,url,Value\n", "more than once"),
])
def test_unusable_files_are_one_sentence(ws, tmp_path, content, message):
    f = tmp_path / "c.csv"
    f.write_text(content, "utf-8")
    with pytest.raises(WrongFormat, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_codes(ws.con, f)
    assert ws.con.execute("SELECT count(*) FROM imports").fetchall() == [(0,)]


def test_binary_garbage_does_not_raise_a_traceback(ws, tmp_path):
    f = tmp_path / "c.csv"
    f.write_bytes(b"coder,variable,value,platform,post_id\n" + bytes(range(256)) * 40 + b"\nann,flag,yes,facebook,111\n")
    try:
        import_codes(ws.con, f)
    except (WrongFormat, UsageError):
        pass


def test_export_import_round_trip(ws, tmp_path):
    import_codes(ws.con, DATA / "codes_good.csv")
    record_code(ws.con, 1, 1, "tone", "0", "ann", origin="web")  # a second act: history has two for ann
    out = tmp_path / "codes.csv"
    hist = tmp_path / "history.csv"
    for args, path in ((["-o", str(out)], out), (["--history", "-o", str(hist)], hist)):
        result = _cli(ws, ["coding", "codes", "export", *args])
        assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {"coder", "variable", "value", "platform", "post_id", "url", "actor", "coded_at"} <= set(rows[0])
    assert any(r["value"] == "'-1" for r in csv.DictReader(hist.open(encoding="utf-8")))  # formula rule applied
    expected = current(ws.con)
    for path in (out, hist):
        other = make_workspace(tmp_path / f"other-{path.stem}")
        r = import_codes(other.con, path)
        assert r.quarantined == 0 and current(other.con) == expected
        if path == hist:
            assert other.con.execute("SELECT count(DISTINCT act_id) FROM codes").fetchall() == [(8,)]
            assert import_codes(other.con, path).acts == 0  # the history again: nothing new
        other.close()


def _cli(ws, args):
    from typer.testing import CliRunner

    folder = str(ws.path)
    ws.con.execute("CHECKPOINT")
    ws.close()
    try:
        return CliRunner().invoke(app, [*args, "-w", folder])
    finally:
        from shailoo.store.workspace import open_workspace

        reopened = open_workspace(Path(folder))
        ws.con, ws.read_only = reopened.con, False


def test_record_code(ws):
    con = ws.con
    act = record_code(con, 1, 1, "tone", "1", "ann", origin="web")
    assert record_code(con, 1, 1, "tone", ["1"], "ann", origin="web") == act  # same value: no new act
    assert record_code(con, 1, 1, "tone", "-1", "ann", origin="web") > act
    none = record_code(con, 2, None, "topic", [], "ann", origin="cli")
    assert con.execute("SELECT value FROM codes WHERE act_id = ?", [none]).fetchall() == [(None,)]
    multi = record_code(con, 2, None, "topic", ["other", "elections", "other"], "ann")
    assert con.execute("SELECT list(value ORDER BY value) FROM codes WHERE act_id = ?", [multi]).fetchall() == [
        (["elections", "other"],)]
    for args, message in [
        ((1, None, "tone", "1", "ann"), "give the actor"),
        ((1, 1, "flag", "yes", "ann"), "leave the actor empty"),
        ((1, None, "flag", ["yes", "no"], "ann"), "takes one value per unit, but 2 were given"),
        ((1, None, "flag", "maybe", "ann"), "Unknown value 'maybe'"),
        ((1, None, "nope", "1", "ann"), "Unknown variable 'nope'"),
        ((99, None, "flag", "yes", "ann"), "no post 99"),
        ((1, 42, "tone", "1", "ann"), "no actor 42"),
        ((1, None, "flag", "yes", "=cmd|' /C calc'!A0"), "A coder's name"),
        ((1, None, "flag", "yes", ""), "A coder's name"),
    ]:
        with pytest.raises(CodingError, match=message):
            record_code(con, *args, origin="web")
    with pytest.raises(CodingError, match="Origin"):
        record_code(con, 1, None, "flag", "yes", "ann", origin="robot")


def _acts(con, rows):
    """rows: (act_id, post_id, actor_id, variable, value, coder)."""
    con.executemany("INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, now(), 1, 'import')", rows)


def final(con) -> set[tuple]:
    return set(zip(*(c.to_pylist() for c in final_codes(con).columns)))


def test_final_codes_basis(ws):
    con = ws.con
    _acts(con, [
        (1, 1, None, "flag", "yes", "ann"), (2, 1, None, "flag", "yes", "bob"),       # agreed
        (3, 2, None, "flag", "yes", "ann"), (4, 2, None, "flag", "no", "bob"),        # disagree, undecided
        (5, 3, None, "flag", "no", "ann"), (6, 3, None, "flag", "yes", "bob"),        # disagree, adjudicated
        (7, 1, 1, "tone", "1", "ann"),                                                # single coder
        (8, 1, 2, "tone", "0", "ann"), (9, 1, 2, "tone", "1", "ann"),                 # ann changed her mind
        (10, 1, 2, "tone", "1", "bob"),                                               # -> agreed on 1
        (11, 1, None, "topic", "economy", "ann"), (11, 1, None, "topic", "other", "ann"),
        (12, 1, None, "topic", "other", "bob"), (12, 1, None, "topic", "economy", "bob"),  # multi: agreed set
        (13, 2, None, "topic", "economy", "ann"), (14, 2, None, "topic", "economy", "bob"),
        (14, 2, None, "topic", "other", "bob"),                                       # multi: different sets
    ])
    adjudicate(con, 3, None, "flag", "no", "rev", note="checked")
    assert final(con) == {
        (1, None, "flag", "yes", "agreed", None),
        (3, None, "flag", "no", "adjudicated", "rev"),
        (1, 1, "tone", "1", "single coder", None),
        (1, 2, "tone", "1", "agreed", None),
        (1, None, "topic", "economy", "agreed", None), (1, None, "topic", "other", "agreed", None),
    }
    # a later decision overrides an earlier one, also over agreement
    adjudicate(con, 1, None, "flag", "no", "rev2")
    assert (1, None, "flag", "no", "adjudicated", "rev2") in final(con)


def test_final_codes_multi_label_none_is_a_value_set(ws):
    """One coder chose none of the topics, another chose one: that is a disagreement, not agreement."""
    con = ws.con
    _acts(con, [(1, 1, None, "topic", None, "ann"), (2, 1, None, "topic", "economy", "bob"),
                (3, 2, None, "topic", None, "ann"), (4, 2, None, "topic", None, "bob")])
    assert final(con) == set()  # unit 2: both chose none: agreed, and no value to report


def test_adjudicate_cli_and_final_cli(ws, tmp_path):
    _acts(ws.con, [(1, 1, 1, "tone", "1", "ann"), (2, 1, 1, "tone", "-1", "bob")])
    result = _cli(ws, ["coding", "adjudicate", "--variable", "tone", "--url", "http://facebook.com/page/posts/111/",
                       "--actor", "japarov", "--value", "-1", "--reviewer", "Aida", "--note", "sarcasm"])
    assert result.exit_code == 0, result.output
    assert ws.con.execute("SELECT post_id, actor_id, value, reviewer, note FROM adjudications").fetchall() == [
        (1, 1, "-1", "Aida", "sarcasm")]
    result = _cli(ws, ["coding", "final", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert "facebook,111,https://www.facebook.com/page/posts/111,Садыр Жапаров,tone,'-1,negative,adjudicated,Aida" \
        in result.output
    result = _cli(ws, ["coding", "adjudicate", "--variable", "tone", "--platform", "facebook", "--post-id", "999",
                       "--actor", "japarov", "--value", "-1", "--reviewer", "Aida"])
    assert result.exit_code == 1 and "No post in the workspace" in result.output


def test_codes_table_current_and_history(ws):
    _acts(ws.con, [(1, 1, None, "flag", "yes", "ann"), (2, 1, None, "flag", "no", "ann")])
    assert codes_table(ws.con).column("value").to_pylist() == ["no"]
    assert codes_table(ws.con, history=True).column("value").to_pylist() == ["yes", "no"]
