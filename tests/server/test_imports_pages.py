"""Imports: an uploaded export is imported as `shailoo import` imports it (same counts, quarantine
reasons, audited), a bad file is one sentence, an oversize body is refused, no upload without CSRF;
and the report downloads as valid HTML / XLSX."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shailoo.cli.main import app as cli
from shailoo.server.app import create_app
from shailoo.store.workspace import open_workspace
from tests.server.conftest import csrf_of, log_in

DATA = Path(__file__).resolve().parents[1] / "data" / "crowdtangle"
MALFORMED = DATA / "2021-01-05-10-00-00-KGT-Historical-Report-malformed.csv"
COUNTS = ("records", "imported", "updated", "unchanged", "quarantined", "skipped")


@pytest.fixture
def staff(copy_workspace):
    client = TestClient(create_app(copy_workspace, wait=1.0))
    assert log_in(client, "coordinator").status_code == 303
    return client, copy_workspace


def _upload(client, path: Path, name: str | None = None, csrf: str | None = "auto", **form):
    data = dict(form)
    if csrf:
        data["csrf_token"] = csrf_of(client) if csrf == "auto" else csrf
    with open(path, "rb") as fh:
        return client.post("/imports", data=data, files={"file": (name or path.name, fh, "text/csv")},
                           follow_redirects=False)


def _finished(client, location: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(location).text
        state = re.search(r'id="job" data-state="(\w+)"', html).group(1)
        if state in ("done", "failed"):
            return html
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def _shown_counts(html: str) -> dict:
    cells = dict(re.findall(r'data-count="(\w+)">([^<]*)<', html))
    return {k: int(cells[k].replace(",", "")) for k in COUNTS}


def test_an_upload_imports_what_shailoo_import_imports(staff, runner, template, tmp_path):
    client, ws_path = staff
    answer = _upload(client, MALFORMED)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/imports/")
    html = _finished(client, answer.headers["location"])
    assert 'id="import-done"' in html, html
    # the same file into another copy of the same workspace, with the CLI
    other = shutil.copytree(template, tmp_path / "cli-ws")
    result = runner.invoke(cli, ["import", str(MALFORMED), "-w", str(other), "--json"])
    assert result.exit_code == 0, result.output
    expected = json.loads(result.stdout)
    assert _shown_counts(html) == {k: expected[k] for k in COUNTS}
    assert expected["quarantined"] > 0
    with open_workspace(ws_path, read_only=True) as ws:
        reasons = {r[0] for r in ws.con.execute("SELECT reason FROM quarantine").fetchall()}
        raws = [r[0] for r in ws.con.execute("SELECT raw FROM quarantine WHERE raw IS NOT NULL").fetchall()]
        entry = ws.con.execute("SELECT actor, action, target, detail FROM audit_log WHERE action = 'import'").fetchall()
    section = html.split('class="quarantine"', 1)[1].split("</table>", 1)[0]
    for reason in reasons:  # every reason shown, with its first record number; never the raw rows
        assert reason.replace("'", "&#39;").replace('"', "&#34;") in section or reason in section
    for raw in raws:
        assert raw[:40] not in html
    assert entry and entry[0][:3] == ("coordinator", "import", MALFORMED.name)
    assert json.loads(entry[0][3])["imported"] == expected["imported"]
    assert not list((ws_path / ".uploads").glob("*/*"))  # the uploaded copy is gone
    # the same file again: nothing changes, as the CLI says for a file seen before
    again = _finished(client, _upload(client, MALFORMED).headers["location"])
    assert _shown_counts(again)["imported"] == 0 and "identical file already imported" in again
    assert MALFORMED.name in client.get("/imports").text  # among the recent imports


def test_a_bad_file_is_one_sentence(staff, tmp_path):
    client, _ = staff
    bad = tmp_path / "notes.txt"
    bad.write_text("just some notes, not an export\n", encoding="utf-8")
    html = _finished(client, _upload(client, bad).headers["location"])
    said = re.search(r'id="import-error">([^<]*)<', html).group(1)
    assert said.startswith("notes.txt was not imported: ") and "Traceback" not in html
    assert said.count(". ") <= 1
    wrong = _finished(client, _upload(client, DATA / "group.csv", format="telegram_desktop").headers["location"])
    assert 'id="import-error"' in wrong
    empty = client.post("/imports", data={"csrf_token": csrf_of(client)}, follow_redirects=True)
    assert 'id="refused"' in empty.text and "Choose an export file" in empty.text
    odd = _upload(client, DATA / "group.csv", format="no-such-format")
    assert odd.headers["location"] == "/imports?refused=format"


def test_uploads_need_csrf_a_session_and_a_staff_role(staff, copy_workspace):
    client, _ = staff
    assert _upload(client, DATA / "group.csv", csrf=None).status_code == 403
    assert _upload(client, DATA / "group.csv", csrf="forged").status_code == 403
    viewer = TestClient(client.app)
    log_in(viewer, "viewer")
    assert _upload(viewer, DATA / "group.csv").status_code == 403
    anonymous = TestClient(client.app)
    assert anonymous.post("/imports", files={"file": ("a.csv", b"x" * (2 << 20))}).status_code == 413


def test_oversize_uploads_are_refused(staff, monkeypatch):
    from shailoo.server import app as app_module

    client, _ = staff
    monkeypatch.setitem(app_module.UPLOAD_LIMITS, "/imports", 4096)
    big = io.BytesIO(b"a,b\n" + b"1,2\n" * 4000)
    answer = client.post("/imports", data={"csrf_token": csrf_of(client)}, files={"file": ("big.csv", big)})
    assert answer.status_code == 413
    # other forms stay at 1 MB
    assert client.post("/account/language", data={"csrf_token": "x", "language": "x" * (2 << 20)}).status_code == 413


def test_the_report_downloads_as_html_and_xlsx(staff):
    client, _ = staff
    viewer = TestClient(client.app)
    log_in(viewer, "viewer")
    assert 'action="/report/download"' in viewer.get("/report").text
    html = viewer.get("/report/download", params={"kind": "html", "text": "false"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "attachment" in html.headers["content-disposition"]
    assert html.text.lstrip().lower().startswith("<!doctype html") and "Садыр Жапаров" in html.text
    xlsx = viewer.get("/report/download", params={"kind": "xlsx", "text": "false", "period": "campaign"})
    assert xlsx.status_code == 200 and xlsx.headers["content-disposition"].endswith('.xlsx"')
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        assert "xl/workbook.xml" in book.namelist()
    assert viewer.get("/report/download", params={"kind": "pdf"}).status_code == 400
    assert viewer.get("/report/download", params={"period": "nope", "text": "false"}).status_code == 400
