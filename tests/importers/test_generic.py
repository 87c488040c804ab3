"""Generic CSV/XLSX through a column-mapping YAML: Odnoklassniki example, time zones, XLSX, bad mappings and rows."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone

import pytest

from shailoo.cli.main import app
from shailoo.errors import UsageError, WrongFormat
from shailoo.importers import generic
from shailoo.importers.base import Source
from shailoo.store.loader import import_file
from tests.conftest import DATA

GEN = DATA / "generic"
OK_CSV = GEN / "ok-posts.csv"
OK_MAPPING = GEN / "ok-mapping.yaml"


def _rows(path, delimiter=";") -> int:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh, delimiter=delimiter)) - 1


def test_odnoklassniki_csv(workspace):
    result = import_file(workspace, OK_CSV, "generic", {"mapping": OK_MAPPING})
    assert result.format == "generic"
    assert result.records == _rows(OK_CSV) == 10
    assert result.imported + result.updated + result.quarantined + result.skipped == result.records
    assert (result.imported, result.quarantined, result.skipped) == (3, 6, 1)
    rows = {r[0]: r[1:] for r in workspace.con.execute(
        """SELECT p.platform_post_id, p.platform, p.created_at, p.created_utc_offset_minutes, p.account_id, p.text,
                  p.url, p.post_type, e.reactions, e.comments, e.shares, e.views
           FROM posts p JOIN engagement_snapshots e USING (post_id)""").fetchall()}
    assert rows["154879632145"] == ("ok", datetime(2024, 3, 1, 8, 5, tzinfo=timezone.utc), 360, "5412369874",
                                    "Сегодня начались дебаты", "https://ok.ru/group/5412369874/topic/154879632145",
                                    "post", 120, 14, 9, 3400)
    assert rows["154879632146"][4] == "Многострочный\nтекст поста" and rows["154879632146"][10] is None
    assert rows["154879632147"][6] == "comment"
    assert dict(workspace.con.execute("SELECT account_id, name FROM accounts").fetchall()) == {
        "5412369874": "Шайлоо-2024 Кыргызстан", "5412369999": "Бишкек онлайн"}


def test_malformed_rows(workspace):
    import_file(workspace, OK_CSV, "generic", {"mapping": OK_MAPPING})
    reasons = dict(workspace.con.execute("SELECT record_number, reason FROM quarantine").fetchall())
    assert set(reasons) == {4, 5, 6, 7, 8, 9}
    assert "no post id" in reasons[4]
    assert "'2 марта'" in reasons[5] and "%d.%m.%Y %H:%M" in reasons[5]
    assert "Классы is 'many'" in reasons[6]
    assert "Комментарии" in reasons[7] and "-5" in reasons[7]
    assert "'3.7.1'" in reasons[8] and "'1e999999'" in reasons[9]
    raw = json.loads(workspace.con.execute("SELECT raw FROM quarantine WHERE record_number = 6").fetchone()[0])
    assert raw["Классы"] == "many"


def test_reimport_changes_nothing(workspace):
    import_file(workspace, OK_CSV, "generic", {"mapping": OK_MAPPING})
    again = import_file(workspace, OK_CSV, "generic", {"mapping": OK_MAPPING})
    assert again.imported == 0 and again.updated == 0
    assert again.imported + again.updated + again.quarantined + again.skipped == again.records
    assert workspace.con.execute("SELECT count(*) FROM posts").fetchone()[0] == 3


def test_xlsx_with_sheet_platform_column_and_private_authors(workspace, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "notes"
    sheet = book.create_sheet("posts")
    sheet.append(["post", "when", "network", "author", "likes", "body"])
    sheet.append([987654321.0, datetime(2024, 3, 5, 12, 0), "OK", 42, 5, "из таблицы"])
    sheet.append(["vk-1_55", "2024-03-05 13:00", "vk", "-1", 7.0, "строка"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["x1", "2024-03-05 13:00", "myspace", "1", 1, "unknown platform"])
    path = tmp_path / "posts.xlsx"
    book.save(path)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("platform: {column: network}\nsheet: posts\ntimezone: Asia/Almaty\nauthor_is_public: false\n"
                       "columns:\n  platform_post_id: post\n  created_at: when\n  account_id: author\n"
                       "  likes: likes\n  text: body\n", encoding="utf-8")
    records = list(generic.read(Source(path, {"mapping": mapping})))
    assert [type(r).__name__ for r in records] == ["PostRecord", "PostRecord", "Skipped", "RowError"]
    first, second = records[0], records[1]
    assert (first.platform, first.platform_post_id, first.account_id, first.likes, first.author_is_public) == (
        "ok", "987654321", "42", 5, False)
    assert first.created_at.astimezone(timezone.utc) == datetime(2024, 3, 5, 7, 0, tzinfo=timezone.utc)  # Almaty +5
    assert (second.platform, second.likes) == ("vk", 7)
    assert "'myspace'" in records[3].reason
    result = import_file(workspace, path, "generic", {"mapping": mapping})
    assert (result.records, result.imported, result.quarantined, result.skipped) == (4, 2, 1, 1)
    assert workspace.con.execute("SELECT bool_and(is_pseudonymised) FROM accounts").fetchone()[0] is True


def test_no_mapping_is_a_usage_error(workspace, runner):
    with pytest.raises(UsageError, match="--mapping FILE") as exc:
        import_file(workspace, OK_CSV, "generic")
    assert "platform_post_id" in str(exc.value)  # shows an example
    result = runner.invoke(app, ["import", "-w", str(workspace.path), str(OK_CSV), "--format", "generic", "--json"])
    assert result.exit_code == 1 and "--mapping FILE" in result.output


def test_missing_headers_are_named(workspace, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("platform: ok\ncolumns:\n  platform_post_id: ID поста\n  created_at: Created\n  views: Показы\n",
                       encoding="utf-8")
    with pytest.raises(WrongFormat, match="'Created'"):  # the post time's column must be there
        import_file(workspace, OK_CSV, "generic", {"mapping": mapping})
    # a mapped count column the file lacks is a warning, and its figure unknown (not zero)
    mapping.write_text("platform: ok\ntimezone: Asia/Bishkek\ntime_format: \"%d.%m.%Y %H:%M\"\ncolumns:\n"
                       "  platform_post_id: ID поста\n  created_at: Дата\n  views: Показы\n", encoding="utf-8")
    result = import_file(workspace, OK_CSV, "generic", {"mapping": mapping})
    assert result.imported and result.warnings == [
        f"no 'Показы' column: views are unknown for this file's {result.imported} posts"]
    assert workspace.con.execute("SELECT count(views) FROM engagement_snapshots").fetchone()[0] == 0


@pytest.mark.parametrize("text, message", [
    ("platform: ok\n", "'columns:'"),
    ("platform: ok\ncolumns:\n  platform_post_id: a\n", "created_at"),
    ("platform: ok\ncolumns:\n  platform_post_id: a\n  created_at: b\n  likez: c\n", "likez"),
    ("platform: myspace\ncolumns:\n  platform_post_id: a\n  created_at: b\n", "myspace"),
    ("columns:\n  platform_post_id: a\n  created_at: b\n", "which platform"),
    ("platform: ok\ntimezone: Mars/Olympus\ncolumns:\n  platform_post_id: a\n  created_at: b\n", "IANA"),
    ("platform: ok\ncolums: {}\n", "colums"),
    ("platform: [ok\n", "YAML"),
])
def test_bad_mappings(workspace, tmp_path, text, message):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        import_file(workspace, OK_CSV, "generic", {"mapping": mapping})


def test_iso_times_default_utc_and_guessed_delimiter(tmp_path):
    path = tmp_path / "tab.tsv"
    path.write_text("id\tcreated\tviews\n1\t2024-03-01 10:00\t1,200\n2\t2024-03-01T10:00:00+06:00\t\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("platform: telegram\ncolumns: {platform_post_id: id, created_at: created, views: views}\n")
    first, second = generic.read(Source(path, {"mapping": mapping}))
    assert first.created_at == datetime(2024, 3, 1, 10, tzinfo=timezone.utc) and first.views == 1200
    assert second.created_at.astimezone(timezone.utc) == datetime(2024, 3, 1, 4, tzinfo=timezone.utc)
    assert second.views is None


def test_never_detected():
    assert generic.sniff(OK_CSV.read_text(encoding="utf-8"), OK_CSV) is False


def test_documented_example_mapping_works(workspace, tmp_path, runner):
    from tests.conftest import REPO

    doc = (REPO / "docs" / "formats" / "generic.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    mapping = tmp_path / "ok-mapping.yaml"
    mapping.write_text(example, encoding="utf-8")
    result = runner.invoke(app, ["import", "-w", str(workspace.path), str(OK_CSV), "--format", "generic",
                                 "--mapping", str(mapping), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["records"], payload["imported"], payload["quarantined"], payload["skipped"]) == (10, 3, 6, 1)


def test_private_authors_forwards_are_pseudonymised_too(workspace, tmp_path):
    data = tmp_path / "posts.csv"
    data.write_text("id,date,text,author,forwarded\n1,2026-01-05 10:00,Шайлоо,5550001,5550002\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("platform: ok\nauthor_is_public: false\ntime_format: '%Y-%m-%d %H:%M'\ncolumns:\n"
                       "  platform_post_id: id\n  created_at: date\n  text: text\n  account_id: author\n"
                       "  forwarded_from: forwarded\n", encoding="utf-8")
    result = import_file(workspace, data, "generic", {"mapping": mapping})
    assert result.imported == 1
    account, forwarded = workspace.con.execute("SELECT account_id, forwarded_from FROM posts").fetchone()
    assert account.startswith("p_") and forwarded.startswith("p_")
