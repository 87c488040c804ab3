"""The report never runs what the data says: every field from data is escaped, links from data are
http(s) only, a Content-Security-Policy forbids scripts, and CSV/XLSX cells never start a formula."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from shailoo.outputs import safe_url, spreadsheet_text
from shailoo.report.build import write_report, write_xlsx
from tests.report.hostile_workspace import FIELDS, build_hostile
from tests.report.test_report import Figures, decode_csv

# What the template and the chart code write; anything else came from data.
TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "div", "span", "main", "nav", "strong",
        "ol", "li", "a", "section", "h2", "p", "figure", "figcaption", "svg", "rect", "text", "line", "polyline",
        "circle", "g", "table", "thead", "tbody", "tr", "th", "td",
        # folded rows, lists, the methodology's commands; the charting library's drawing elements
        "details", "summary", "ul", "pre", "h3", "caption", "path", "defs", "clippath", "tspan"}
# Fields shown in the report (the others are in the data but the report does not print them).
SHOWN = {"project", "message", "hashtag", "url", "actor", "alias", "period", "file", "candidate"}


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Elements:
    p = Elements()
    p.feed(html)
    p.close()
    return p


def assert_inert(html: str) -> None:
    """No element or attribute of the page came from data; every link is safe."""
    p = parse(html)
    tags = {t for t, _ in p.elements}
    assert tags <= TAGS, tags - TAGS
    for tag, attrs in p.elements:
        for name, value in attrs.items():
            assert not name.startswith("on") and "xss" not in name and name not in ("autofocus", "src"), (tag, name)
            if name == "href":
                assert value.startswith(("#", "data:text/csv;charset=utf-8;base64,")) or safe_url(value) == value, value
    assert not re.search(r"<(script|img|iframe|object|embed)\b", html, re.IGNORECASE)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    ws = build_hostile(tmp_path_factory.mktemp("hostile") / "ws")
    yield ws
    ws.close()


def test_every_field_from_data_is_escaped(hostile, tmp_path):
    assert SHOWN <= set(FIELDS)
    html = write_report(hostile, tmp_path / "r.html").read_text(encoding="utf-8")
    assert_inert(html)
    text = "".join(parse(html).text)
    for field in SHOWN:  # the payload reached the report, as text
        assert f"data-xss-{field}" in text, field


def test_report_carries_a_policy_that_forbids_scripts(hostile, tmp_path):
    html = write_report(hostile, tmp_path / "r.html").read_text(encoding="utf-8")
    metas = [a for t, a in parse(html).elements if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(metas) == 1
    policy = {d.split()[0]: d.split()[1:] for d in metas[0]["content"].split(";") if d.strip()}
    assert policy["default-src"] == ["'none'"] and policy.get("script-src", ["'none'"]) == ["'none'"]
    assert policy["img-src"] == ["data:"] and policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'none'"]
    # before anything from data: the first meta elements of <head>
    assert html.index("Content-Security-Policy") < html.index("<title>")


@pytest.mark.parametrize("url", [
    "https://kloop.kg/x", "http://a.kg", "HTTPS://www.facebook.com/111/posts/1001?a=1&b=<2>#c",
])
def test_safe_url_keeps_plain_http_links(url):
    assert safe_url(url) == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
    " javascript:alert(1)", "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "//evil.example/x", "/\\evil.example", "https:/evil.example", "https:///evil.example",
    "https://\\evil.example", "http://a.kg/ x", "https://a.kg/\u200bx", "https://a.kg/\u202ex", "ftp://a.kg/x",
    "https://a.kg\x00", "", None, 5, "https://" + "a" * 5000,
])
def test_safe_url_refuses_everything_else(url):
    assert safe_url(url) is None


@pytest.mark.parametrize("text,safe", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("\n=1", "'\n=1"), ("  =1+1", "'  =1+1"), ("\u3000=1", "'\u3000=1"), ("＝1+1", "'＝1+1"),
    ("＋1", "'＋1"), ("－1", "'－1"), ("＠A1", "'＠A1"), ("Шайлоо = 1", "Шайлоо = 1"), ("", ""), ("a-b", "a-b"),
])
def test_one_rule_for_spreadsheet_cells(text, safe):
    assert spreadsheet_text(text) == safe


FORMULA = re.compile(r"^\s*[=+\-@\t\r\n＝＋－＠]")


def test_csv_links_never_start_a_formula(hostile, tmp_path):
    html = write_report(hostile, tmp_path / "r.html").read_text(encoding="utf-8")
    parser = Figures()
    parser.feed(html)
    cells = [v for f in parser.figures for row in decode_csv(f["href"]) for v in row.values()]
    assert any(v.startswith("'\t=cmd") for v in cells) and any(v.startswith("'\r-2+3") for v in cells)
    assert any(v.startswith("'＝1+1") for v in cells)
    assert not [v for v in cells if FORMULA.match(v)]
    # numbers stay numbers
    overview = next(f for f in parser.figures if f["name"] == "overview")
    assert all(re.fullmatch(r"\d+", r["posts"]) for r in decode_csv(overview["href"]))


def test_xlsx_cells_never_start_a_formula(hostile, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(write_xlsx(hostile, tmp_path / "r.xlsx"))
    texts, numbers = [], 0
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                elif isinstance(cell.value, (int, float)):
                    numbers += 1
    assert any(v.startswith("'\t=cmd") for v in texts) and any("data-xss-actor" in v for v in texts)
    assert not [v for v in texts if FORMULA.match(v)] and numbers > 50


def test_xlsx_survives_characters_xml_cannot_carry(tmp_path):
    import pyarrow as pa
    from openpyxl import load_workbook

    from shailoo.report.blocks import Block
    from shailoo.report.xlsx import write_workbook

    table = pa.table({"excerpt": ["a\x00b\x1bc", "x" * 40_000, "-5"], "n": [-5, 0, 1]})
    path = write_workbook([Block("T", table, name="t'[bad]:name'")], tmp_path / "t.xlsx")
    wb = load_workbook(path)
    sheet = wb.worksheets[1]
    assert [c.value for c in sheet["A"]][1:] == ["a\ufffdb\ufffdc", "x" * 32_766 + "…", "'-5"]
    assert [c.value for c in sheet["B"]][1:] == [-5, 0, 1]
    assert not sheet.title.startswith("'") and not sheet.title.endswith("'")
