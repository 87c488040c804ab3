"""One demo workspace, its Parquet export and one local Spark session for every engine test."""

from __future__ import annotations

import os
import shutil

import pytest
from rich.console import Console


@pytest.fixture(scope="session")
def spark():
    """A local Spark session (two cores, few shuffle partitions), or a skip saying what is missing."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install pyspark)")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip("Java is not installed (make test installs Debian's openjdk-17-jre-headless)")
    from shailoo.engines.spark import session

    s = session("local[2]")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory):
    """(workspace folder, export folder) of the demo (generated data, no report) and its Parquet export."""
    from shailoo.demo import run_demo
    from shailoo.store.parquet import export_parquet
    from shailoo.store.workspace import open_workspace

    base = tmp_path_factory.mktemp("engines")
    run_demo(base / "ws", Console(quiet=True), report=False)
    with open_workspace(base / "ws", read_only=True) as ws:
        export_parquet(ws, base / "export")
    return base / "ws", base / "export"
