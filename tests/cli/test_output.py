"""Readable, scriptable output (issue #10): -w before the command, screen tables without ids or
folded numbers, row limits that say so, -o FILE in every format, --bom, shailoo sql (read-only) and
shailoo export posts (actor and category attached, pseudonyms only, unknown counts empty)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from shailoo.cli.main import app
from shailoo.store.workspace import open_workspace
from tests.analysis.unknown_fixture import build_unknown_fixture
from tests.conftest import DATA


@pytest.fixture(scope="module")
def wsdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("output") / "ws"
    build_unknown_fixture(path).close()
    from shailoo.store.loader import import_file

    with open_workspace(path) as ws:
        import_file(ws, DATA / "telegram_desktop" / "group.json")  # members' messages: pseudonymised authors
        ws.con.execute("UPDATE posts SET text = '=HYPERLINK(\"http://x\")' WHERE post_id = "
                       "(SELECT min(post_id) FROM posts WHERE platform = 'facebook')")
    return str(path)


def run(runner, *args, code=0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def test_workspace_and_quiet_before_the_command(runner, wsdir):
    """`shailoo -w DIR status` was refused (No such option: -w)."""
    assert '"posts"' in run(runner, "-w", wsdir, "status", "--json").stdout
    scoped = run(runner, "-w", wsdir, "metrics", "posts", "-f", "json")
    assert "Scope:" in scoped.stderr
    assert "Scope:" not in run(runner, "-q", "-w", wsdir, "metrics", "posts", "-f", "json").stderr


def test_screen_table_shows_no_internal_ids_no_full_links_and_one_line_per_post(runner, wsdir):
    table = run(runner, "metrics", "top", "-w", wsdir, "--all", "--by", "platform").stdout
    data = json.loads(run(runner, "metrics", "top", "-w", wsdir, "--all", "--by", "platform", "-f", "json").stdout)
    assert "platform_post_id" not in table and "https://" not in table
    assert "Top posts · facebook" in table  # a group per table instead of a column per group
    lines = [ln for ln in table.splitlines() if ln.startswith("│")]
    assert len(lines) == len(data)  # one line per post: no excerpt or number folded onto a second line
    assert all(f"{r['interactions']:,}" in table for r in data if r["interactions"] is not None)
    assert "platform_post_id" in data[0] and data[0]["url"].startswith("http")  # JSON keeps everything


def test_columns_chooses_what_is_printed(runner, wsdir):
    out = run(runner, "metrics", "posts", "-w", wsdir, "--all", "--columns", "actor,views", "-f", "csv").stdout
    assert out.splitlines()[0] == "actor,views"
    bad = run(runner, "metrics", "posts", "-w", wsdir, "--columns", "nope", code=1)
    assert "No column nope" in bad.output and "interactions" in bad.output


def test_row_limit_says_how_many_were_left_out(runner, wsdir):
    shown = run(runner, "sql", "-w", wsdir, "SELECT range AS i FROM range(120)")
    assert "showing 50 of 120 rows — use --limit 0 for all" in shown.stderr
    assert "│ 49 │" in shown.stdout and "│ 50 │" not in shown.stdout
    assert "│ 119 │" in run(runner, "sql", "-w", wsdir, "SELECT range AS i FROM range(120)", "--limit", "0").stdout
    assert len(run(runner, "sql", "-w", wsdir, "SELECT range FROM range(120)", "-f", "csv").stdout.splitlines()) == 121
    assert len(json.loads(run(runner, "sql", "-w", wsdir, "SELECT range FROM range(120)", "-f", "json",
                              "-n", "7").stdout)) == 7


def test_output_file_format_from_its_extension_and_bom(runner, wsdir, tmp_path):
    from openpyxl import load_workbook

    for ext in ("csv", "json", "xlsx"):
        target = tmp_path / f"posts.{ext}"
        r = run(runner, "metrics", "posts", "-w", wsdir, "--all", "-o", str(target))
        assert r.stdout == "" and target.exists() and "Wrote" in r.stderr
    assert json.loads((tmp_path / "posts.json").read_text("utf-8"))[0]["actor"]
    rows = list(load_workbook(tmp_path / "posts.xlsx").active.values)
    assert rows[0][0] == "actor" and len(rows) == len(json.loads((tmp_path / "posts.json").read_text("utf-8"))) + 1
    run(runner, "metrics", "posts", "-w", wsdir, "-o", str(tmp_path / "b.csv"), "--bom")
    assert (tmp_path / "b.csv").read_bytes().startswith(b"\xef\xbb\xbfactor,")
    assert run(runner, "terms", "-w", wsdir, "-f", "csv", "--bom").stdout.startswith("\ufeffterm,")
    bad = run(runner, "metrics", "posts", "-w", wsdir, "-o", str(tmp_path / "x.pdf"), code=1)
    assert "extension" in bad.output


def test_sql_reads_and_never_writes(runner, wsdir, tmp_path):
    rows = json.loads(run(runner, "sql", "-w", wsdir, "SELECT platform, count(*) AS n FROM posts_v GROUP BY 1 "
                          "ORDER BY 1", "-f", "json").stdout)
    assert {r["platform"] for r in rows} >= {"facebook", "telegram"}
    with open_workspace(wsdir, read_only=True) as ws:
        before = ws.con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    for statement in ("DELETE FROM posts", "DROP TABLE posts", "UPDATE posts SET text = 'x'",
                      "INSERT INTO imports (import_id) VALUES (999)", f"COPY (SELECT 1) TO '{tmp_path / 'leak.csv'}'",
                      f"ATTACH '{tmp_path / 'other.duckdb'}'", "SET enable_external_access = true",
                      "SELECT * FROM read_csv('/etc/passwd')"):
        result = run(runner, "sql", "-w", wsdir, statement, code=1)
        assert result.output.startswith("Error:") and "Traceback" not in result.output, statement
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "other.duckdb").exists()
    with open_workspace(wsdir, read_only=True) as ws:
        assert ws.con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == before


def test_export_posts_in_every_format(runner, wsdir, tmp_path):
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    for ext in ("csv", "jsonl", "parquet", "xlsx"):
        run(runner, "export", "posts", "-w", wsdir, "--all", "-o", str(tmp_path / f"posts.{ext}"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "posts.csv").read_text("utf-8"))))
    lines = [json.loads(x) for x in (tmp_path / "posts.jsonl").read_text("utf-8").splitlines()]
    table = pq.read_table(tmp_path / "posts.parquet")
    sheet = list(load_workbook(tmp_path / "posts.xlsx").active.values)
    assert len(rows) == len(lines) == table.num_rows == len(sheet) - 1 > 0
    # actor and category attached
    kabar = [r for r in rows if r["actor"] == "Кабар"]
    assert kabar and kabar[0]["category"] == "media"
    # unknown is not zero: Кабар's post 72 has no counts at all
    no_counts = [r for r in lines if r["actor"] == "Кабар" and r["platform_post_id"].endswith("72")]
    assert no_counts and no_counts[0]["interactions"] is None and no_counts[0]["views"] is None
    assert [r for r in rows if r["platform_post_id"] == no_counts[0]["platform_post_id"]][0]["views"] == ""
    # private authors (group members) only under their pseudonym
    members = [r for r in lines if str(r["account"]).startswith("p_")]
    assert members and all(r["account_name"] is None and r["account_handle"] is None for r in members)
    # no cell starts a formula
    assert any(r["text"].startswith("'=HYPERLINK") for r in rows)
    assert not any(str(c).startswith("=") for row in sheet for c in row if c is not None)


def test_export_posts_takes_the_filters_and_the_default_scope(runner, wsdir, tmp_path):
    run(runner, "export", "posts", "-w", wsdir, "--platform", "telegram", "-o", str(tmp_path / "t.jsonl"))
    lines = [json.loads(x) for x in (tmp_path / "t.jsonl").read_text("utf-8").splitlines()]
    assert lines and {r["platform"] for r in lines} == {"telegram"}
    bad = run(runner, "export", "posts", "-w", wsdir, "-o", str(tmp_path / "t.txt"), code=1)
    assert "extension" in bad.output


def test_import_input_format_is_from_and_the_old_spelling_still_works(runner, tmp_path):
    ws = tmp_path / "ws"
    run(runner, "init", str(ws))
    new = json.loads(run(runner, "import", "-w", str(ws), str(DATA / "crowdtangle" / "group.csv"),
                         "--from", "crowdtangle", "--json").stdout)
    old = json.loads(run(runner, "import", "-w", str(ws), str(DATA / "crowdtangle" / "group.csv"),
                         "--format", "crowdtangle", "--reread", "-f", "json").stdout)
    assert new["imported"] == 2 and old["records"] == 2
    summary = run(runner, "import", "-w", str(ws), str(DATA / "crowdtangle" / "instagram.csv"), "-f", "csv").stdout
    assert summary.splitlines()[0].startswith("file,format,records")
