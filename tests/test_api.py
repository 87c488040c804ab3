"""The Python API (issue #10): read-only by default so the CLI works beside a notebook, typed
functions returning Arrow tables for every analysis, docs/api.md generated from their docstrings,
and the README's snippet runs with the declared dependencies."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pyarrow as pa
import pytest

import shailoo
import shailoo.metrics
import shailoo.texts
from shailoo.cli.main import app
from shailoo.errors import WorkspaceReadOnly
from tests.analysis.unknown_fixture import build_unknown_fixture
from tests.conftest import REPO


@pytest.fixture(scope="module")
def wsdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "kg2026"
    build_unknown_fixture(path).close()
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from shailoo.cli.main import main; sys.argv = ['shailoo', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, COLUMNS="100"))


def test_cli_reads_beside_a_notebook_holding_the_workspace(wsdir):
    """shailoo.open(DIR) held in a notebook blocked every command, even status."""
    ws = shailoo.open(wsdir)
    try:
        assert ws.read_only
        status = _cli("status", "-w", str(wsdir), "--json")
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["posts"] > 0
        terms = _cli("terms", "-w", str(wsdir), "-f", "json", "--all")  # caches in memory instead
        assert terms.returncode == 0, terms.stderr
    finally:
        ws.close()


def test_open_reads_by_default_and_writes_when_asked(wsdir):
    from datetime import date

    with shailoo.open(wsdir) as ws:
        with pytest.raises(WorkspaceReadOnly):
            ws.add_period("x", date(2021, 1, 1), date(2021, 1, 2))
        with pytest.raises(Exception):
            ws.sql("DELETE FROM posts").fetchall()
    with shailoo.open(wsdir, write=True) as ws:
        ws.add_period("x", date(2021, 1, 1), date(2021, 1, 2))
        ws.remove_period("x")


def test_every_analysis_returns_an_arrow_table_like_the_cli(wsdir, runner):
    with shailoo.open(wsdir) as ws:
        tables = {
            "posts": shailoo.metrics.posts(ws, by="actor"),
            "interactions": shailoo.metrics.interactions(ws, by="platform", all_posts=True),
            "top": shailoo.metrics.top_posts(ws, n=2, by="platform", platform=["facebook"]),
            "periods": shailoo.metrics.compare_periods(ws),
            "terms": shailoo.texts.terms(ws, top=5, all_posts=True),
            "ngrams": shailoo.texts.ngrams(ws, n=2, top=5, all_posts=True),
            "kwic": shailoo.texts.kwic(ws, "шайлоо", all_posts=True),
            "assoc": shailoo.texts.assoc(ws, "шайлоо", min_cor=0.0, all_posts=True),
            "clusters": shailoo.texts.clusters(ws, k=2, all_posts=True),
            "topics": shailoo.texts.topics(ws, by="platform", all_posts=True),
        }
        for name, table in tables.items():
            assert isinstance(table, pa.Table), name
        assert set(tables["top"].column("platform").to_pylist()) <= {"facebook"}
        posts = tables["posts"].to_pylist()
    cli = json.loads(runner.invoke(app, ["metrics", "posts", "-w", str(wsdir), "-f", "json"]).stdout)
    assert [r["posts"] for r in cli] == [r["posts"] for r in posts]


def test_api_docs_are_generated_from_the_docstrings_and_cover_every_function():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import make_api_docs
    finally:
        sys.path.pop(0)
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    assert text == make_api_docs.render(), "docs/api.md is stale: run scripts/make_api_docs.py"
    for module in (shailoo.metrics, shailoo.texts):
        for name in module.__all__:
            function = getattr(module, name)
            assert (function.__doc__ or "").strip(), f"{module.__name__}.{name} has no docstring"
            assert f"`{module.__name__}.{name}(" in text, f"{module.__name__}.{name} is not in docs/api.md"


def test_readme_python_snippet_runs_with_the_declared_dependencies(wsdir):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    assert ".df()" not in snippet  # pandas is an extra, not a dependency
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    dependencies = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert "pandas" not in dependencies  # scikit-learn is one (assisted coding); pandas stays an extra
    with shailoo.open(wsdir, write=True) as ws:  # the snippet filters on a period named campaign
        if not any(p.name == "campaign" for p in ws.config.periods):
            from datetime import date

            ws.add_period("campaign", date(2020, 12, 15), date(2021, 1, 10))
    exec(compile(snippet.replace('"kg2026"', repr(str(wsdir))), "README.md", "exec"), {})
