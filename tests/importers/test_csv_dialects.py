"""Every CSV export read as its author meant (issue #8): Excel re-saves (semicolons, cp1251, UTF-16,
a BOM), missing count columns that make a figure unknown rather than zero, CrowdTangle's own Total
Interactions checked against its parts, and times written without a zone."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from shailoo.cli.main import app
from shailoo.importers import crowdtangle, detect, meta_content_library
from shailoo.store import parallel
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace
from tests.conftest import DATA
from tests.importers.helpers import balanced

MALFORMED = DATA / "crowdtangle" / "2021-01-05-10-00-00-KGT-Historical-Report-malformed.csv"
# (encoding, delimiter, what the import says it read)
RESAVES = [
    ("cp1251", ";", "Windows-1251 (Cyrillic), semicolon-separated"),
    ("utf-16", "\t", "UTF-16, tab-separated"),  # Excel's "Unicode text"
    ("utf-8-sig", ";", "UTF-8 (with BOM), semicolon-separated"),
]


def _table(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _resave(rows: list[list[str]], path: Path, encoding: str, delimiter: str) -> Path:
    """The table as a spreadsheet program writes it; cp1251 keeps what it can hold (Excel writes '?')."""
    if encoding == "cp1251":
        rows = [[c.encode("cp1251", errors="replace").decode("cp1251") for c in r] for r in rows]
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def _stored(ws) -> list[tuple]:
    return ws.con.execute(
        """SELECT p.platform_post_id, p.created_at, p.created_utc_offset_minutes, p.account_id, p.text, e.reactions,
                  e.likes, e.love, e.care, e.comments, e.shares, e.views, p.overperforming_score
           FROM posts p JOIN engagement_snapshots e USING (post_id) ORDER BY 1""").fetchall()


def _counts(r) -> tuple:
    return r.records, r.lines, r.imported, r.updated, r.quarantined, r.skipped


def _compare_resaves(tmp_path, original: Path) -> None:
    rows = _table(original)
    base_ws = init_workspace(tmp_path / "base")
    base = import_file(base_ws, original)
    expected = _stored(base_ws)
    assert base.dialect == "UTF-8 (with BOM), comma-separated" or base.dialect == "UTF-8, comma-separated"
    for encoding, delimiter, said in RESAVES:
        path = _resave(rows, tmp_path / f"{encoding}-{original.name}", encoding, delimiter)
        assert detect(path) is crowdtangle, encoding
        ws = init_workspace(tmp_path / f"ws-{encoding}")
        result = import_file(ws, path)
        assert _counts(result) == _counts(base), encoding
        assert balanced(result)
        assert result.dialect == said
        got = _stored(ws)
        if encoding == "cp1251":  # texts hold what cp1251 can; everything else is the same
            fold = [tuple(c.encode("cp1251", "replace").decode("cp1251") if isinstance(c, str) else c for c in row)
                    for row in expected]
            assert got == fold
        else:
            assert got == expected, encoding
        assert ws.con.execute("SELECT dialect FROM imports").fetchone()[0] == said
        ws.close()
    base_ws.close()


@pytest.mark.shared
def test_real_crowdtangle_export_resaved_by_excel_imports_the_same(tmp_path, real):
    _compare_resaves(tmp_path, next((real / "crowdtangle").glob("*.csv")))


def test_cyrillic_crowdtangle_export_resaved_by_excel_imports_the_same(tmp_path):
    _compare_resaves(tmp_path, MALFORMED)


def test_semicolon_export_is_not_refused_for_want_of_its_columns(workspace, tmp_path):
    path = _resave(_table(MALFORMED), tmp_path / "export.csv", "cp1251", ";")
    result = import_file(workspace, path, "crowdtangle")  # forced format: read with the detected delimiter
    assert result.imported == 6


@pytest.mark.parametrize("encoding, delimiter, said", RESAVES[:2])
def test_two_process_reading_of_resaves(tmp_path, monkeypatch, encoding, delimiter, said):
    """Large files are read by two processes, which split at byte offsets: UTF-16 cannot be split at a
    b'\\n' (it is half a character) and is read in one pass; cp1251 splits like UTF-8."""
    rows = [["Page Name", "Facebook Id", "Post Created", "Likes", "Comments", "Shares", "Love", "Wow", "Haha",
             "Sad", "Angry", "Care", "Total Interactions", "URL", "Message"]]
    for i in range(400):
        total = i + 1 + 2 + (5 if i in (30, 350) else 0)  # two rows whose total disagrees with its parts
        rows.append(["Барак", "55", "2026-01-05 10:00:00 KGT", str(i), "1", "2", "0", "0", "0", "0", "0", "0",
                     str(total), f"https://www.facebook.com/55/posts/{i}", f"Шайлоо\n{i}" if i % 7 else "пост"])
    path = _resave(rows, tmp_path / f"2026-01-09-10-00-00-KGT-{encoding}.csv", encoding, delimiter)
    serial_ws = init_workspace(tmp_path / "serial")
    serial = import_file(serial_ws, path)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    both_ws = init_workspace(tmp_path / "both")
    both = import_file(both_ws, path)
    assert _counts(both) == _counts(serial) and both.imported == 400
    assert _stored(both_ws) == _stored(serial_ws)
    assert both.dialect == serial.dialect == said
    assert both.warnings == serial.warnings
    assert any("Total Interactions" in w and "2 rows" in w and "31, 351" in w for w in both.warnings), both.warnings


def _without(rows: list[list[str]], *columns: str) -> list[list[str]]:
    keep = [i for i, h in enumerate(rows[0]) if h not in columns]
    return [[r[i] for i in keep if i < len(r)] for r in rows]


@pytest.mark.shared
def test_real_export_without_likes_has_unknown_reactions_and_says_so(workspace, tmp_path, real):
    rows = _table(next((real / "crowdtangle").glob("*.csv")))
    path = _resave(_without(rows, "Likes"), tmp_path / "no-likes.csv", "utf-8", ",")
    result = import_file(workspace, path)
    assert result.imported == 10
    assert workspace.con.execute("SELECT count(*) FROM engagement_snapshots WHERE reactions IS NOT NULL"
                                 ).fetchone()[0] == 0
    assert "no 'Likes' column: reactions are unknown for this file's 10 posts" in result.warnings
    stored = workspace.con.execute("SELECT warnings FROM imports").fetchone()[0]
    assert "no 'Likes' column: reactions are unknown for this file's 10 posts" in stored


def test_missing_reaction_column_makes_reactions_unknown_not_the_rest(workspace, tmp_path):
    path = _resave(_without(_table(MALFORMED), "Care"), tmp_path / "no-care.csv", "utf-8", ",")
    result = import_file(workspace, path)
    reactions = workspace.con.execute("SELECT DISTINCT reactions FROM engagement_snapshots").fetchall()
    assert reactions == [(None,)]
    assert f"no 'Care' column: reactions are unknown for this file's {result.imported} posts" in result.warnings
    # the parts that are there stay known
    assert workspace.con.execute("SELECT count(likes) FROM engagement_snapshots").fetchone()[0] > 0


def test_missing_comments_column_is_a_warning(workspace, tmp_path):
    path = _resave(_without(_table(DATA / "crowdtangle" / "instagram.csv"), "Comments"), tmp_path / "ig.csv",
                   "utf-8", ",")
    result = import_file(workspace, path)
    assert "no 'Comments' column: comments are unknown for this file's 2 posts" in result.warnings
    assert workspace.con.execute("SELECT count(comments), count(reactions) FROM engagement_snapshots"
                                 ).fetchone() == (0, 2)


@pytest.mark.shared
def test_real_total_interactions_agree_with_their_parts(workspace, real):
    result = import_file(workspace, next((real / "crowdtangle").glob("*.csv")))
    assert not [w for w in result.warnings if "Total Interactions" in w]


def test_total_interactions_that_disagree_are_reported_not_quarantined(workspace, tmp_path):
    rows = _table(DATA / "crowdtangle" / "instagram.csv")
    at = rows[0].index("Total Interactions")
    rows[2][at] = "999"  # Instagram: likes + comments
    path = _resave(rows, tmp_path / "ig.csv", "utf-8", ",")
    result = import_file(workspace, path)
    assert (result.imported, result.quarantined) == (2, 0)
    assert ("'Total Interactions' differs from the sum of its parts (likes + comments) in 1 row: record 2"
            in result.warnings), result.warnings


# ---- times without a zone ---------------------------------------------------------------------------

def _generic(tmp_path, mapping_extra: str = "") -> tuple[Path, Path]:
    data = tmp_path / "ok.csv"
    data.write_text("ID;Дата;Классы;Текст\n1;2024-03-01 14:05;5;а\n2;2024-03-01T10:00:00+03:00;6;б\n"
                    "3;2024-03-02 09:00;7;в\n", encoding="cp1251")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("platform: ok\ncolumns:\n  platform_post_id: ID\n  created_at: Дата\n  reactions: Классы\n"
                       "  text: Текст\n" + mapping_extra, encoding="utf-8")
    return data, mapping


def test_generic_times_without_a_zone_are_the_workspaces(workspace, tmp_path):
    data, mapping = _generic(tmp_path)
    result = import_file(workspace, data, "generic", {"mapping": mapping})
    assert result.dialect == "Windows-1251 (Cyrillic), semicolon-separated"
    rows = dict(workspace.con.execute(
        "SELECT platform_post_id, (created_at, created_utc_offset_minutes) FROM posts").fetchall())
    assert rows["1"] == (datetime(2024, 3, 1, 8, 5, tzinfo=timezone.utc), 360)  # 14:05 in Bishkek
    assert rows["2"] == (datetime(2024, 3, 1, 7, 0, tzinfo=timezone.utc), 180)  # its own zone
    assert "times without a zone were taken in Asia/Bishkek for 2 rows" in result.warnings
    assert "Asia/Bishkek" in workspace.con.execute("SELECT warnings FROM imports").fetchone()[0][0]


def test_timezone_given_at_import_overrides_the_workspaces(workspace, tmp_path):
    data, mapping = _generic(tmp_path)
    result = import_file(workspace, data, "generic", {"mapping": mapping, "timezone": "Asia/Tashkent"})
    offset = workspace.con.execute("SELECT created_utc_offset_minutes FROM posts WHERE platform_post_id = '1'"
                                   ).fetchone()[0]
    assert offset == 300
    assert "times without a zone were taken in Asia/Tashkent for 2 rows" in result.warnings


def test_mapping_zone_is_the_files_own(workspace, tmp_path):
    data, mapping = _generic(tmp_path, "timezone: Asia/Almaty\n")
    result = import_file(workspace, data, "generic", {"mapping": mapping})
    offset = workspace.con.execute("SELECT created_utc_offset_minutes FROM posts WHERE platform_post_id = '1'"
                                   ).fetchone()[0]
    assert offset in (300, 360)  # Almaty moved from +6 to +5 in March 2024
    assert not [w for w in result.warnings if "without a zone" in w]


def test_cli_timezone_option_and_summary(tmp_path, runner):
    ws_path = tmp_path / "ws"
    init_workspace(ws_path).close()
    data, mapping = _generic(tmp_path)
    result = runner.invoke(app, ["import", "-w", str(ws_path), str(data), "--format", "generic", "--mapping",
                                 str(mapping), "--timezone", "Asia/Tashkent", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dialect"] == "Windows-1251 (Cyrillic), semicolon-separated"
    assert payload["warnings"] == ["times without a zone were taken in Asia/Tashkent for 2 rows"]
    assert payload["records"] == payload["imported"] + payload["updated"] + payload["quarantined"] + payload["skipped"]
    bad = runner.invoke(app, ["import", "-w", str(ws_path), str(data), "--format", "generic", "--mapping",
                              str(mapping), "--timezone", "Mars/Olympus"])
    assert bad.exit_code != 0 and "Mars/Olympus" in bad.output
    table = runner.invoke(app, ["import", "-w", str(ws_path), str(data), "--format", "generic", "--mapping",
                                str(mapping), "--reread"])
    assert table.exit_code == 0, table.output
    assert "Windows-1251 (Cyrillic), semicolon-separated" in table.output
    assert "times without a zone were taken in Asia/Bishkek for 2 rows" in table.output


def test_generic_mapped_count_column_absent_from_the_file_is_a_warning(workspace, tmp_path):
    data, mapping = _generic(tmp_path, "")
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("  text: Текст\n", "  text: Текст\n  comments: Комментарии\n"),
                       encoding="utf-8")
    result = import_file(workspace, data, "generic", {"mapping": mapping})
    assert result.imported == 3
    assert "no 'Комментарии' column: comments are unknown for this file's 3 posts" in result.warnings
    assert workspace.con.execute("SELECT count(comments), count(reactions) FROM engagement_snapshots"
                                 ).fetchone() == (0, 3)


def test_mcl_times_without_a_zone_are_utc_as_meta_writes_them(workspace, tmp_path):
    path = DATA / "meta_content_library" / "instagram-posts.csv"
    result = import_file(workspace, path)
    offsets = {r[0] for r in workspace.con.execute("SELECT created_utc_offset_minutes FROM posts").fetchall()}
    assert offsets == {0}
    assert any(w.startswith("times without a zone were taken in UTC") for w in result.warnings), result.warnings
    ws2 = init_workspace(tmp_path / "ws2")
    given = import_file(ws2, path, None, {"timezone": "Asia/Bishkek"})
    assert {r[0] for r in ws2.con.execute("SELECT created_utc_offset_minutes FROM posts").fetchall()} == {360}
    assert any("Asia/Bishkek" in w for w in given.warnings)
    ws2.close()


def test_mcl_missing_reaction_breakdown_makes_reactions_unknown(workspace, tmp_path):
    rows = _table(DATA / "meta_content_library" / "facebook-posts.csv")
    rows = _without(rows, "statistics.reaction_count", "statistics.care_count")
    path = _resave(rows, tmp_path / "facebook-mcl.csv", "utf-8-sig", ";")
    assert detect(path) is meta_content_library
    result = import_file(workspace, path)
    assert result.dialect == "UTF-8 (with BOM), semicolon-separated"
    assert workspace.con.execute("SELECT count(reactions), count(likes) FROM engagement_snapshots"
                                 ).fetchone() == (0, result.imported)
    assert (f"no 'statistics.care_count' column: reactions are unknown for this file's {result.imported} posts"
            in result.warnings), result.warnings
