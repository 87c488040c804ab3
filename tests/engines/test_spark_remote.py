"""An export Spark reads through Hadoop's filesystem (hdfs://, s3a://; file:// here): the manifest, the
tables and the periods all come through Spark, never through local file access (issue #15)."""

from __future__ import annotations

import json
import shutil

import pytest

from shailoo.analysis import metrics
from shailoo.errors import ParquetExportError

# A missing, bad or oversized manifest: the same sentence as a local folder's (read_manifest's checks)
CASES = [
    ("missing", None, "is not a Parquet export (no manifest.json)"),
    ("not json", b"{not json", "is not JSON"),
    ("too large", b" " * ((4 << 20) + 1), "is larger than 4 MB"),
    ("other format", json.dumps({"format": "other"}).encode(), "is not a shailoo Parquet manifest"),
]


def _uri(folder) -> str:
    # as Spark (Hadoop) takes a path: the file's name as it is, not percent-encoded (Path.as_uri encodes)
    return "file://" + str(folder.resolve())


def _copy(export_dir, target):
    shutil.copytree(export_dir, target)
    return target


@pytest.mark.spark
def test_open_export_reads_a_uri_through_spark(spark, demo_export, tmp_path):
    """The export at a URI (here file://, in a folder whose name holds glob characters) gives the tables,
    the periods and the metrics the workspace gives."""
    from shailoo.engines.spark import open_export
    from shailoo.store.workspace import open_workspace

    ws_dir, export_dir = demo_export
    folder = _copy(export_dir, tmp_path / "kg[2026]{a,b}*")
    with open_workspace(ws_dir, read_only=True) as duck, open_export(_uri(folder), spark=spark) as remote:
        assert remote.path == _uri(folder)
        assert remote.config.periods == duck.config.periods and remote.config.periods
        assert remote.config.timezone == duck.config.timezone
        rows = remote.manifest["tables"]["posts"]["rows"]
        assert remote.sql("SELECT count(*) FROM posts").fetchone()[0] == rows > 0
        assert metrics.posts(remote, None, "actor,period") == metrics.posts(duck, None, "actor,period")


@pytest.mark.spark
@pytest.mark.parametrize("case,content,says", CASES, ids=[c[0] for c in CASES])
def test_a_uri_manifest_has_read_manifests_checks(spark, demo_export, tmp_path, case, content, says):
    from shailoo.engines.spark import open_export
    from shailoo.store.parquet import read_manifest

    folder = _copy(demo_export[1], tmp_path / "export")
    if content is None:
        (folder / "manifest.json").unlink()
    else:
        (folder / "manifest.json").write_bytes(content)
    with pytest.raises(ParquetExportError, match=says.replace("(", r"\(").replace(")", r"\)")) as remote:
        open_export(_uri(folder), spark=spark)
    with pytest.raises(ParquetExportError) as local:
        read_manifest(folder)
    # the same sentence, the URI in place of the folder
    assert str(remote.value).replace(_uri(folder), "X") == str(local.value).replace(str(folder), "X")


@pytest.mark.spark
def test_a_uri_export_with_unknown_partitions_or_no_table_folder_is_refused(spark, demo_export, tmp_path):
    from shailoo.engines.spark import open_export

    folder = _copy(demo_export[1], tmp_path / "export")
    month = next((folder / "posts").glob("platform=*/month=*"))
    shutil.copytree(month, folder / "posts" / "platform=evil" / month.name)
    with pytest.raises(ParquetExportError, match="platform=evil"):
        open_export(_uri(folder), spark=spark)
    shutil.rmtree(folder / "posts" / "platform=evil")
    shutil.rmtree(folder / "accounts")
    with pytest.raises(ParquetExportError, match="has no folder accounts"):
        open_export(_uri(folder), spark=spark)


@pytest.mark.spark
def test_a_file_system_spark_cannot_reach_is_one_sentence(spark):
    from shailoo.engines.spark import open_export

    with pytest.raises(ParquetExportError, match=r"^Cannot read nosuchfs://host/kg2026/manifest.json \(.*No"
                                                 r".*FileSystem.*\); the Spark session must reach"):
        open_export("nosuchfs://host/kg2026/", spark=spark)


def test_parse_manifest_checks_bytes_like_read_manifest(demo_export):
    from shailoo.store.parquet import parse_manifest, read_manifest

    export_dir = demo_export[1]
    raw = (export_dir / "manifest.json").read_bytes()
    assert parse_manifest(raw, "m") == read_manifest(export_dir)
    with pytest.raises(ParquetExportError, match="^m is not JSON"):
        parse_manifest(b"\xff", "m")
    bad = json.loads(raw)
    bad["tables"]["posts"]["path"] = "../posts"
    with pytest.raises(ParquetExportError, match="^m puts table posts at"):
        parse_manifest(json.dumps(bad).encode(), "m")


@pytest.mark.spark
def test_cli_reads_a_file_uri_as_it_reads_the_folder(spark, demo_export, runner):
    """`shailoo --engine spark metrics posts --by actor -w file:///abs/export` prints what `-w /abs/export` prints."""
    from shailoo.cli.main import app

    export_dir = demo_export[1].resolve()
    by_path = runner.invoke(app, ["metrics", "posts", "--by", "actor", "-w", str(export_dir)])  # = Spark's
    by_uri = runner.invoke(app, ["--engine", "spark", "metrics", "posts", "--by", "actor", "-w", _uri(export_dir)])
    before = runner.invoke(app, ["--engine", "spark", "-w", "file:" + str(export_dir), "metrics", "posts", "--by",
                                 "actor"])
    assert by_path.exit_code == 0, by_path.output
    assert by_uri.exit_code == 0, by_uri.output
    assert by_uri.output == by_path.output == before.output


def test_cli_says_a_uri_needs_the_spark_engine(demo_export, runner):
    from shailoo.cli.main import app

    uri = _uri(demo_export[1])
    for w in (uri, "hdfs:///shailoo/kg2026", "s3a://bucket/kg2026"):
        r = runner.invoke(app, ["metrics", "posts", "--by", "actor", "-w", w])
        assert r.exit_code == 1, r.output
        assert "needs --engine spark" in r.output, r.output
    ok = runner.invoke(app, ["metrics", "posts", "--by", "actor", "-w", str(demo_export[1])])
    assert ok.exit_code == 0, ok.output


def test_every_command_says_a_uri_needs_the_spark_engine(tmp_path):
    """Commands that open the store directly (import, events, the coding commands) say it too, not
    "there is no folder file:/...": the class of the URI sentence `cli/common.py` gives."""
    from typer.testing import CliRunner

    from shailoo.cli.main import app

    export = tmp_path / "x.csv"
    export.write_text("a,b\n1,2\n", encoding="utf-8")
    for args in (["import", str(export)], ["events", "list"], ["status"]):
        result = CliRunner().invoke(app, ["-w", "hdfs:///shailoo/kg2026", *args])
        assert result.exit_code != 0
        assert "is a URI" in result.output and "no folder" not in result.output, (args, result.output)
