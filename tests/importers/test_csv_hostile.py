"""Hostile CSV in the three CSV formats: stray and unclosed quotes, short and cut rows, duplicated
columns, physical line counts, and private authors in quarantined rows."""

from __future__ import annotations

import json

import pytest

from shailoo.errors import WrongFormat
from shailoo.importers import crowdtangle, generic, meta_content_library
from shailoo.importers.base import Source
from shailoo.records import PostRecord, RowError
from shailoo.store.loader import import_file
from tests.importers.helpers import balanced

# One small layout per format: (header, row maker, format id, options)
CT_HEADER = "Page Name,Facebook Id,Post Created,Likes,Comments,URL,Message"
MCL_HEADER = "id,creation_time,text,post_owner.type,post_owner.id,post_owner.name,post_owner.username," \
             "statistics.like_count,statistics.comment_count,url"
GEN_HEADER = "ID,Date,Author,Likes,Text,Link"


def _ct(i: int, message: str = "") -> str:
    return f"Барак,55,2026-01-0{1 + i % 9} 10:00:00 KGT,{i},1,https://www.facebook.com/55/posts/{1000 + i},{message or f'пост {i}'}"


def _mcl(i: int, message: str = "") -> str:
    return (f"{7000 + i},2026-01-0{1 + i % 9}T10:00:00,{message or f'пост {i}'},profile,{900 + i},Айгүл Асанова{i},"
            f"aigul{i},{i},1,https://www.facebook.com/{7000 + i}")


def _gen(i: int, message: str = "") -> str:
    return f"{5000 + i},2026-01-0{1 + i % 9} 10:00,user{i},{i},{message or f'пост {i}'},https://ok.ru/p/{5000 + i}"


FORMATS = {
    "crowdtangle": (CT_HEADER, _ct, "crowdtangle"),
    "meta_content_library": (MCL_HEADER, _mcl, "meta_content_library"),
    "generic": (GEN_HEADER, _gen, "generic"),
}


@pytest.fixture
def mapping(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("platform: ok\nauthor_is_public: false\ncolumns:\n  platform_post_id: ID\n  created_at: Date\n"
                    "  account_id: Author\n  likes: Likes\n  text: Text\n  url: Link\n", encoding="utf-8")
    return path


def _file(tmp_path, fmt, lines: list[str]):
    path = tmp_path / f"{fmt}-export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _options(fmt, mapping):
    return {"mapping": mapping} if fmt == "generic" else {}


def _quarantine(ws):
    return ws.con.execute("SELECT record_number, reason, raw FROM quarantine ORDER BY 1").fetchall()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_stray_quote_that_closes_in_the_next_row_does_not_hide_that_row(workspace, tmp_path, mapping, fmt):
    header, row, fmt_id = FORMATS[fmt]
    lines = [header] + [row(i) for i in range(1, 10)]
    # row 3's text opens a quote that is never closed; the quote that opens row 4's text closes it
    lines[3] = row(3, '"Цитата без конца')
    lines[4] = row(4, '"четвёртый пост"')
    path = _file(tmp_path, fmt, lines)
    result = import_file(workspace, path, fmt_id, _options(fmt, mapping))
    assert balanced(result)
    assert result.lines == 10
    assert (result.records, result.imported, result.quarantined) == (9, 8, 1)
    (number, reason, _raw), = _quarantine(workspace)
    assert number == 3
    assert "lines 4-5" in reason and "stray quote" in reason
    texts = [t for (t,) in workspace.con.execute("SELECT text FROM posts").fetchall()]
    assert "четвёртый пост" in texts  # row 4 is imported on its own


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unclosed_quote_loses_only_its_own_row(workspace, tmp_path, mapping, fmt):
    header, row, fmt_id = FORMATS[fmt]
    lines = [header] + [row(i) for i in range(1, 18)]
    lines[5] = row(5, '"не закрыта')
    path = _file(tmp_path, fmt, lines)
    result = import_file(workspace, path, fmt_id, _options(fmt, mapping))
    assert balanced(result)
    assert result.lines == 18
    assert (result.records, result.imported, result.quarantined) == (17, 16, 1)
    (number, reason, _raw), = _quarantine(workspace)
    assert number == 5 and "lines 6-18" in reason and "stray quote" in reason


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_row_cut_short_is_quarantined(workspace, tmp_path, mapping, fmt):
    header, row, fmt_id = FORMATS[fmt]
    lines = [header] + [row(i) for i in range(1, 4)]
    cut = row(4)
    lines.append(cut[: cut.rindex(",") - 3])  # the file ends mid-row: the last fields are missing
    path = tmp_path / "cut.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = import_file(workspace, path, fmt_id, _options(fmt, mapping))
    assert balanced(result)
    assert (result.records, result.imported, result.quarantined) == (4, 3, 1)
    (number, reason, _raw), = _quarantine(workspace)
    assert number == 4 and "fields where the header has" in reason


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_that_ends_inside_a_quoted_cell_is_quarantined(workspace, tmp_path, mapping, fmt):
    header, row, fmt_id = FORMATS[fmt]
    lines = [header] + [row(i) for i in range(1, 4)]
    # the last row's fields are all there, but its last cell opens a quote the file never closes
    last = row(4)
    head, tail = last.rsplit(",", 1)
    lines.append(f'{head},"{tail}\nещё текст')
    path = _file(tmp_path, fmt, lines)
    result = import_file(workspace, path, fmt_id, _options(fmt, mapping))
    assert balanced(result)
    assert (result.records, result.imported, result.quarantined) == (4, 3, 1)
    (number, reason, _raw), = _quarantine(workspace)
    assert number == 4 and "ends inside a quoted cell" in reason and "line 5" in reason


@pytest.mark.parametrize("fmt", FORMATS)
def test_physical_lines_are_counted_beside_records(workspace, tmp_path, mapping, fmt):
    header, row, fmt_id = FORMATS[fmt]
    lines = [header, row(1, '"две\nстроки"'), row(2)]
    path = _file(tmp_path, fmt, lines)
    result = import_file(workspace, path, fmt_id, _options(fmt, mapping))
    assert (result.records, result.lines, result.imported) == (2, 4, 2)


def test_genuine_multiline_cells_are_not_taken_for_merged_rows(workspace, tmp_path):
    text = '"строка один\nhttps://www.facebook.com/55/posts/1,2026-01-01\n""в кавычках"", и запятые, ещё"'
    path = _file(tmp_path, "ct", [CT_HEADER, _ct(1, text), _ct(2)])
    result = import_file(workspace, path, "crowdtangle")
    assert (result.records, result.imported, result.quarantined, result.lines) == (2, 2, 0, 5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_duplicated_column_is_refused_naming_it(workspace, tmp_path, mapping, fmt):
    header, row, fmt_id = FORMATS[fmt]
    column = {"crowdtangle": "Comments", "meta_content_library": "statistics.comment_count", "generic": "Likes"}[fmt]
    path = _file(tmp_path, fmt, [header + "," + column, row(1) + ",7"])
    with pytest.raises(WrongFormat, match=f"'{column}'.*more than once"):
        import_file(workspace, path, fmt_id, _options(fmt, mapping))


def test_a_duplicated_column_the_format_does_not_read_is_accepted(workspace, tmp_path):
    path = _file(tmp_path, "ct", [CT_HEADER + ",Note,Note", _ct(1) + ",a,b"])
    assert import_file(workspace, path, "crowdtangle").imported == 1


@pytest.mark.parametrize("fmt", ["meta_content_library", "generic"])
def test_quarantined_rows_of_private_authors_name_their_identifying_values(workspace, tmp_path, mapping, fmt):
    header, row, fmt_id = FORMATS[fmt]
    bad = row(2).replace("2026-01-03", "вчера")
    path = _file(tmp_path, fmt, [header, row(1), bad, row(3, '"стрэй')])
    module = {"meta_content_library": meta_content_library, "generic": generic}[fmt]
    records = list(module.read(Source(path, _options(fmt, mapping))))
    errors = [r for r in records if isinstance(r, RowError)]
    assert len(errors) == 2
    for error, i in zip(errors, (2, 3)):
        expected = {"meta_content_library": {str(900 + i), f"Айгүл Асанова{i}", f"aigul{i}"},
                    "generic": {f"user{i}"}}[fmt]
        assert expected <= set(error.private), error
        assert error.platform == ("ok" if fmt == "generic" else "facebook")
    assert all(not r.author_is_public for r in records if isinstance(r, PostRecord))
    import_file(workspace, path, fmt_id, _options(fmt, mapping))
    raws = " ".join(raw for _n, _r, raw in _quarantine(workspace))
    assert "Айгүл" not in raws and "aigul2" not in raws and "user2" not in raws


def test_crowdtangle_counts_go_through_parse_count(monkeypatch, tmp_path):
    seen = []
    real = crowdtangle.parse_count

    def spy(value, column="count"):
        seen.append(column)
        return real(value, column)

    monkeypatch.setattr(crowdtangle, "parse_count", spy)
    path = _file(tmp_path, "ct", [CT_HEADER, _ct(1)])
    list(crowdtangle.read(Source(path)))
    assert {"Likes", "Comments"} <= set(seen)


def test_quarantined_raw_is_json_of_the_broken_row(workspace, tmp_path):
    lines = [CT_HEADER] + [_ct(i) for i in range(1, 4)]
    lines[2] = _ct(2, '"оборвано')
    import_file(workspace, _file(tmp_path, "ct", lines), "crowdtangle")
    (_n, _reason, raw), = _quarantine(workspace)
    assert json.loads(raw)["URL"] == "https://www.facebook.com/55/posts/1002"
