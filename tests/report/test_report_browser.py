"""The report in a real browser: headless Chromium lays out every chart (non-empty SVG boxes)
and reads every "download data" link (data: URI) back as the CSV of the table above it.

Chromium comes from Debian's `chromium` package; `make test` installs it before pytest."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import tempfile
from html import unescape
from pathlib import Path

import pytest

from shailoo.report.build import write_report
from tests.report.fixture_workspace import build_fixture
from tests.report.test_report import check_figures, decode_csv

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Injected into a copy of the report (the report itself has no script): records what the browser
# rendered, so that --dump-dom shows it.
PROBE = """<script>
document.querySelectorAll('svg.chart').forEach(function (svg) {
  var box = svg.getBoundingClientRect(), marks = 0;
  svg.querySelectorAll('rect, circle, polyline').forEach(function (m) {
    var b = m.getBBox(); if (b.width > 0 || b.height > 0) { marks++; } });
  svg.setAttribute('data-rendered', Math.round(box.width) + 'x' + Math.round(box.height) + ':' + marks);
});
document.querySelectorAll('a[download]').forEach(function (a) {
  var x = new XMLHttpRequest(); x.open('GET', a.href, false); x.send();
  a.setAttribute('data-fetched', x.status === 200 || x.status === 0 ? x.responseText.length : -1);
  var pre = document.createElement('pre'); pre.className = 'fetched'; pre.textContent = x.responseText;
  a.parentNode.appendChild(pre);
});
document.body.setAttribute('data-probe', 'done');
</script>"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser") or \
        ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        pytest.fail("Chromium is not installed: run `make test` (it installs Debian's chromium package) "
                    "or `apt-get install -y chromium`.")
    return path


def without_csp(html: str) -> str:
    out = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html, count=1)
    assert out != html
    return out


def dump_dom(browser: str, page: Path) -> subprocess.CompletedProcess:
    """The DOM of `page` after Chromium loaded it (and ran whatever scripts it allowed)."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                               page.as_uri()], capture_output=True, text=True, timeout=120)


@pytest.mark.browser
def test_report_renders_in_chromium(tmp_path):
    browser = chromium()
    ws = build_fixture(tmp_path / "ws", results=True)
    report = write_report(ws, tmp_path / "report.html")
    ws.close()
    probed = tmp_path / "probed.html"
    # The report's policy forbids scripts, so the probe runs in a copy without it.
    probed.write_text(without_csp(report.read_text(encoding="utf-8")).replace("</body>", PROBE + "</body>"),
                      encoding="utf-8")
    run = dump_dom(browser, probed)
    dom = run.stdout
    assert 'data-probe="done"' in dom, f"Chromium did not run the page: {run.stderr[-2000:]}"

    rendered = re.findall(r'<svg[^>]*data-rendered="(\d+)x(\d+):(\d+)"', dom)
    assert len(rendered) == report.read_text(encoding="utf-8").count('<svg ') >= 10
    for width, height, marks in rendered:
        assert int(width) > 100 and int(height) > 10 and int(marks) > 0, (width, height, marks)

    # Every link was readable in the browser and is the CSV of the table shown above it.
    fetched = re.findall(r'<a [^>]*download="[^"]+"[^>]*data-fetched="(-?\d+)"', dom)
    assert fetched and all(int(n) > 0 for n in fetched)
    texts = [unescape(t) for t in re.findall(r'<pre class="fetched">(.*?)</pre>', dom, re.DOTALL)]
    hrefs = re.findall(r'<a [^>]*download="[^"]+" href="([^"]+)"', dom)
    assert len(texts) == len(hrefs) == len(fetched)
    for text, href in zip(texts, hrefs):
        assert list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")))) == decode_csv(unescape(href))
    check_figures(dom)


@pytest.mark.browser
def test_no_script_from_data_runs_in_chromium(tmp_path):
    """Hostile text in every field: nothing runs, with the report's policy and (escaping alone)
    without it; and the policy alone stops a script that escaping had missed."""
    from tests.report.hostile_workspace import build_hostile
    from tests.report.test_report_safety import parse

    browser = chromium()
    ws = build_hostile(tmp_path / "ws")
    html = write_report(ws, tmp_path / "report.html").read_text(encoding="utf-8")
    ws.close()
    pages = {"as written": html, "without its policy": without_csp(html)}
    # What a missed escape would look like: the policy must still stop it.
    missed = "<img src=x onerror=\"document.documentElement.setAttribute('data-xss-missed','ran')\">" \
             "<script>document.documentElement.setAttribute('data-xss-missed','ran')</script>"
    pages["with a script slipped in"] = html.replace("<main>", "<main>" + missed, 1)
    control = without_csp(pages["with a script slipped in"])  # shows that the probe script would be seen
    for name, page in {**pages, "control": control}.items():
        path = tmp_path / f"{name.replace(' ', '-')}.html"
        path.write_text(page, encoding="utf-8")
        run = dump_dom(browser, path)
        assert "</html>" in run.stdout, f"Chromium did not load the page: {run.stderr[-2000:]}"
        ran = {k for _, attrs in parse(run.stdout).elements for k in attrs if k.startswith("data-xss-")}
        if name == "control":
            assert ran == {"data-xss-missed"}, ran
        else:
            assert not ran, (name, ran)


# Lays the printed report out at the width of an A4 page's print area (210 mm − 2 × 11 mm margins)
# and records, for every table, whether it is wider than that area.
WIDTH_PROBE = """<script>
var page = document.documentElement.clientWidth, wide = [];
document.querySelectorAll('table.data').forEach(function (t) {
  var fig = t.closest('figure');
  if (t.getBoundingClientRect().right > page + 1 || t.scrollWidth > t.parentNode.clientWidth + 1) {
    wide.push(fig ? fig.getAttribute('data-table') : '?'); } });
document.body.setAttribute('data-tables', document.querySelectorAll('table.data').length);
document.body.setAttribute('data-wide', wide.join(' ') || 'none');
</script>"""


@pytest.mark.browser
def test_pdf_has_every_section_and_no_table_wider_than_the_page(tmp_path):
    from shailoo.report.build import build_report, render_html, write_pdf

    browser = chromium()
    ws = build_fixture(tmp_path / "ws", results=True)
    report = build_report(ws, lang="ru")
    pdf = write_pdf(ws, tmp_path / "report.pdf", report=report)
    printed = render_html(ws, report, print_mode=True)
    ws.close()
    assert pdf.read_bytes().startswith(b"%PDF-")

    # In the browser: the print stylesheet applied at the A4 print area's width, no table wider.
    page = tmp_path / "print.html"
    page.write_text(without_csp(printed).replace("@media print {", "@media all {")
                    .replace("</body>", WIDTH_PROBE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=710,1000",
                              "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    tables = re.search(r'data-tables="(\d+)"', run.stdout)
    assert tables and int(tables.group(1)) > 10, run.stderr[-2000:]
    assert 'data-wide="none"' in run.stdout, re.search(r'data-wide="([^"]*)"', run.stdout).group(1)

    # In the PDF: every section's title, the key column's names, and no word beyond the page's edge.
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is not installed: run `make test` (it installs poppler-utils) "
                    "or `apt-get install -y poppler-utils`.")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", " ", text)
    for section in report.sections:
        assert section["title"] in flat, section["title"]
    assert "Садыр Жапаров" in flat and "Канатбек Исаев" in flat
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes))
    assert right <= width, (right, width)
