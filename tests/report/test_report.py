"""The HTML report and the XLSX workbook built from the fixture workspace."""

from __future__ import annotations

import base64
import csv
import io
import re
from html.parser import HTMLParser

import pytest

from shailoo.cli.main import app
from shailoo.report.build import write_report, write_xlsx
from shailoo.report.charts import abbreviate
from tests.report.fixture_workspace import build_fixture


class Figures(HTMLParser):
    """Collects each figure's table cells (exact values), SVG count and download link."""

    def __init__(self):
        super().__init__()
        self.figures, self.current, self.row = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            self.current = {"name": a.get("data-table"), "svgs": 0, "rows": [], "href": None, "columns": None}
            self.figures.append(self.current)
        elif self.current is None:
            return
        elif tag == "svg":
            self.current["svgs"] += 1
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "a") and "data-value" in a and self.row is not None:
            self.row.append(a["data-value"])
        elif tag == "a" and "download" in a:
            self.current["href"], self.current["columns"] = a["href"], a["data-columns"].split(",")

    def handle_endtag(self, tag):
        if tag == "tr" and self.row:
            self.current["rows"].append(self.row)
            self.row = None
        elif tag == "tr":
            self.row = None
        elif tag == "figure":
            self.current = None


def decode_csv(uri: str) -> list[dict]:
    assert uri.startswith("data:text/csv;charset=utf-8;base64,")
    text = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def check_figures(html: str) -> list[dict]:
    """Every figure has a download link whose CSV holds exactly the rows of its table."""
    parser = Figures()
    parser.feed(html)
    assert parser.figures
    for fig in parser.figures:
        assert fig["href"], fig["name"]
        data = decode_csv(fig["href"])
        assert len(data) == len(fig["rows"]), fig["name"]
        for shown, row in zip(fig["rows"], data):
            assert shown == [row[c] for c in fig["columns"]], fig["name"]
    return parser.figures


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_fixture(tmp_path_factory.mktemp("report") / "ws", results=True)
    yield ws
    ws.close()


def test_abbreviate_like_the_reference():
    assert [abbreviate(v) for v in (445, 1000, 5432, 21_700, 339_600, 3_650_000, 17_230_607)] == \
        ["445", "1.0K", "5.4K", "21.7K", "339.6K", "3.65M", "17.23M"]


def test_html_report_is_self_contained_and_complete(ws, tmp_path):
    path = write_report(ws, tmp_path / "r.html")
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//(?!www\.(facebook|instagram))', html)
    for title in ("Contents", "Overview", "Facebook", "Instagram", "Candidates", "Parties", "Media",
                  "posts per week and category", "Top posts", "Methodology", "Popularity beside election results",
                  "Periods “pre-campaign” and “campaign”", "Канатбек Исаев", "72 hours", "Highlights from the data"):
        assert title in html, title
    figures = check_figures(html)
    charts = [f for f in figures if f["svgs"]]
    assert len(charts) >= 8
    posts = next(f for f in figures if f["name"] == "facebook-posts")
    candidates = [r for r in posts["rows"] if r[0] == "candidate"]
    assert candidates[0][1:3] == ["Садыр Жапаров", "4"] and candidates[-1][1:3] == ["Канатбек Исаев", "0"]


def test_report_for_one_period(ws, tmp_path):
    html = write_report(ws, tmp_path / "p.html", period="pre-campaign").read_text(encoding="utf-8")
    assert "Period “pre-campaign”: December 1, 2020 – December 14, 2020." in html
    check_figures(html)


def test_xlsx_has_every_table(ws, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(write_xlsx(ws, tmp_path / "r.xlsx"))
    name = "Facebook – posts"  # readable: platform and table
    assert wb.sheetnames[0] == "Contents" and name in wb.sheetnames
    rows = list(wb[name].iter_rows(values_only=True))
    assert rows[0][:3] == ("Category", "Actor", "Posts") and rows[1][:3] == ("candidate", "Садыр Жапаров", 4)
    assert len(wb.sheetnames) > 12 and len(set(n.lower() for n in wb.sheetnames)) == len(wb.sheetnames)
    sheet = wb[name]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert sheet["C2"].number_format == "#,##0" and sheet.column_dimensions["B"].width > 10
    index = wb["Contents"]
    linked = {c.value: c.hyperlink.location for c in index["A"][1:]}
    assert linked[name] == f"'{name}'!A1"  # the index links every sheet


def test_cli_report(tmp_path, runner):
    build_fixture(tmp_path / "ws").close()
    out, xlsx = tmp_path / "out.html", tmp_path / "out.xlsx"
    result = runner.invoke(app, ["report", "-w", str(tmp_path / "ws"), "--out", str(out), "--xlsx", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000 and xlsx.exists()
    # -o picks the format by its extension, as everywhere else (it wrote HTML into a .xlsx file)
    only = tmp_path / "only.xlsx"
    result = runner.invoke(app, ["report", "-w", str(tmp_path / "ws"), "-o", str(only), "--no-text"])
    assert result.exit_code == 0, result.output
    assert only.read_bytes()[:2] == b"PK" and not (tmp_path / "report.html").exists()
    both = runner.invoke(app, ["report", "-w", str(tmp_path / "ws"), "-o", str(only), "--xlsx", str(xlsx)])
    assert both.exit_code == 1 and "give one" in both.output


def test_report_covers_the_monitoring_period(tmp_path):
    from datetime import date

    from shailoo.report.build import build_sections

    ws = build_fixture(tmp_path / "w")
    ws.add_period("campaign", date(2020, 12, 15), date(2020, 12, 31))  # Jan 5, 6, 8, 9 now fall outside
    sections = build_sections(ws, include_text=False)
    overview = next(b for s in sections for b in s["blocks"] if b.name == "overview").table
    assert sum(overview["posts"].to_pylist()) == 6
    method = next(s for s in sections if s["id"] == "methodology")
    assert any("December 1, 2020 – December 31, 2020" in p and "4 posts outside" in p for p in method["paragraphs"])
    ws.close()


@pytest.mark.parametrize("value,text", [(999_950, "1.00M"), (999_949, "999.9K"), (999_995_000, "1.00B"),
                                        (1_234, "1.2K"), (3_650_000, "3.65M"), (950, "950")])
def test_abbreviation_picks_the_unit_after_rounding(value, text):
    assert abbreviate(value) == text


def test_monitored_text_never_becomes_a_formula_or_a_broken_link(tmp_path):
    import pyarrow as pa
    from openpyxl import load_workbook

    from shailoo.report.blocks import Block, table_csv
    from shailoo.report.xlsx import write_workbook

    table = pa.table({"excerpt": ["=1+2", "https://kloop.kg/x Сегодня митинг"], "url": ["https://a.kg/1", None]})
    path = write_workbook([Block("Top posts", table, name="top")], tmp_path / "t.xlsx")
    cell = load_workbook(path)["Top posts"]["A2"]
    assert cell.value == "'=1+2" and cell.data_type == "s"  # the CSV's rule (outputs.spreadsheet_text)
    assert table_csv(table).splitlines()[1].startswith("'=1+2")


def test_platform_comparison_columns_name_the_platforms_not_periods(ws, tmp_path):
    """Review of #8: the Instagram/Facebook table was headed 'Posts, first period …'."""
    html = write_report(ws, tmp_path / "p.html").read_text(encoding="utf-8")
    section = html[html.index('platform-comparison'):]
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", section[:section.index("</table>")])
    assert "Posts, Instagram" in headers and "Interactions, Facebook" in headers
    assert not any("period" in h for h in headers)
