"""Encoding and delimiter detection for every CSV shailoo reads (issue #8: Excel re-saves)."""

from __future__ import annotations

import csv

import pytest

from shailoo.csvfiles import detect, detect_delimiter, detect_encoding, open_text

ROWS = [["Page Name", "Post Created", "URL", "Message"],
        ["Жапаров", "2021-01-03 12:00:00 KGT", "https://www.facebook.com/111/posts/9", "Шайлоо; ө ү ң, «да»"]]


@pytest.mark.parametrize("encoding, delimiter, expected", [
    ("utf-8", ",", "utf-8"), ("utf-8-sig", ";", "utf-8-sig"), ("cp1251", ";", "cp1251"),
    ("utf-16", "\t", "utf-16"), ("utf-8", "\t", "utf-8"), ("utf-8", "|", "utf-8"),
])
def test_detects_what_spreadsheets_write(tmp_path, encoding, delimiter, expected):
    if encoding == "cp1251":
        rows = [[c.replace("ө", "о").replace("ү", "у").replace("ң", "н") for c in r] for r in ROWS]  # not in cp1251
    else:
        rows = ROWS
    path = tmp_path / "x.csv"
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    table = detect(path)
    assert (table.encoding, table.delimiter) == (expected, delimiter)
    with open_text(path, table) as fh:
        assert list(csv.reader(fh, delimiter=table.delimiter)) == rows
    assert table.describe()


def test_a_head_cut_inside_a_character_is_still_utf8():
    data = "Шайлоо".encode("utf-8")
    assert detect_encoding(data[:5]) == "utf-8"


def test_delimiters_inside_quotes_do_not_count():
    assert detect_delimiter('"a;b;c;d",e,f') == ","
    assert detect_delimiter("single") == ","


def test_utf8_with_a_stray_byte_stays_utf8_not_cp1251_mojibake():
    data = ("Жапаров, шайлоо " * 50).encode("utf-8")
    assert detect_encoding(data[:300] + b"\xff" + data[300:]) == "utf-8"
    assert detect_encoding("Жапаров, шайлоо".encode("cp1251")) == "cp1251"
