"""An export Spark reads through Hadoop's filesystem: a URI (hdfs://, s3a://, abfss://, file://).

Nothing here touches the export with Python's file functions: the manifest, the tables and the few
rows the configuration needs (periods) all come through the Spark session, so an export on HDFS or
object storage reads as a local folder does. The checks follow the local ones (store/parquet.py):
the manifest's (parse_manifest, bounded to MAX_MANIFEST_BYTES before its content is read), each
table's folder, and the partition folders shailoo writes. What Hadoop's filesystems cannot say the
same way (symbolic links) is checked on local folders only. URIs are Hadoop paths, as Spark takes them:
a name is written as it is, not percent-encoded.
"""

from __future__ import annotations

import re

import pyarrow as pa

from shailoo.errors import ParquetExportError, printable

_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):/")  # two letters or more: never a drive letter (C:/)
_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:(//[^/]*)?")  # scheme and authority: never a glob
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
MAX_SMALL_ROWS = 10_000  # rows of a table the configuration reads (periods): a few in any workspace


def is_uri(dir: object) -> bool:
    """True when `dir` names an export by URI (a text `scheme:/...`), not a local folder."""
    return isinstance(dir, str) and _URI.match(dir) is not None


def normal_uri(uri: str) -> str:
    """`uri` without trailing slashes (`file:/x` as Hadoop writes it becomes `file:///x`)."""
    uri = re.sub(r"(?<=[^/])/+$", "", uri)
    if re.match(r"(?i)file:/(?!/)", uri):
        uri = "file://" + uri[5:]
    return uri


def glob_literal(uri: str) -> str:
    """A URI Hadoop's glob reads as itself: the pattern characters of its path escaped with a backslash."""
    m = _PREFIX.match(uri)
    head, path = (uri[:m.end()], uri[m.end():]) if m else ("", uri)
    return head + re.sub(r"([\\\[\]{}*?])", r"\\\1", path)


def _condition(exc: BaseException) -> str:
    get = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    try:
        return (get() if get else None) or ""
    except Exception:
        return ""


def _said(exc: BaseException) -> str:
    """The first line of a Spark or Java error, for a sentence (no stack trace)."""
    java = getattr(exc, "java_exception", None)  # Py4J's error: its own text says only which call failed
    try:
        text = java.toString() if java is not None else str(exc)
    except Exception:
        text = str(exc)
    lines = text.strip().splitlines()
    first = lines[0] if lines else type(exc).__name__
    name, colon, rest = first.partition(": ")
    if colon and re.fullmatch(r"[\w$.]+", name):  # org.apache.hadoop.fs.SomeException: what -> SomeException: what
        first = f"{name.rsplit('.', 1)[-1]}: {rest}"
    return printable(first)[:160]


def read_manifest(spark, uri: str) -> dict:
    """The checked manifest of the export at `uri`, read through Spark (binaryFile: its length first, then
    its bytes when they are few enough); ParquetExportError in the same sentences as a local folder's."""
    from shailoo.store.parquet import MANIFEST, MAX_MANIFEST_BYTES, parse_manifest

    path = f"{uri}/{MANIFEST}"
    shown = printable(path)
    missing = ParquetExportError(f"{printable(uri)} is not a Parquet export (no {MANIFEST}); give the folder "
                                 "`shailoo export parquet` wrote.")
    try:
        df = spark.read.format("binaryFile").load(glob_literal(path))
        found = df.select("path", "length").limit(2).collect()
    except Exception as exc:  # pyspark's AnalysisException, Py4J's error for a filesystem Spark lacks
        if _condition(exc) == "PATH_NOT_FOUND" or "FileNotFound" in str(exc)[:400]:
            raise missing from None
        raise ParquetExportError(f"Cannot read {shown} ({_said(exc)}); the Spark session must reach that file "
                                 "system (s3a:// needs hadoop-aws and credentials: see docs/scale.md).") from None
    if len(found) != 1 or not found[0]["path"].endswith("/" + MANIFEST):  # none, or a folder of that name
        raise missing
    if found[0]["length"] > MAX_MANIFEST_BYTES:  # never read: the length is the file system's
        raise ParquetExportError(f"{shown} is larger than {MAX_MANIFEST_BYTES >> 20} MB, so it is not a manifest "
                                 "shailoo wrote.")
    try:
        raw = bytes(df.select("content").first()["content"])
    except Exception as exc:
        raise ParquetExportError(f"Cannot read {shown} ({_said(exc)}).") from None
    return parse_manifest(raw, shown)


def read_table(spark, uri: str, name: str, entry: dict):
    """One table of the export at `uri` as a DataFrame with the manifest's columns, in its order; None when
    its folder holds no Parquet file (an empty partitioned table)."""
    where = f"{uri}/{entry['path']}"
    reader = spark.read
    if entry["partitioned_by"]:  # the partition folders are columns from the table's folder down
        reader = reader.option("basePath", where)  # a path, not a pattern: never escaped
    try:
        df = reader.parquet(glob_literal(where))
        files = df.inputFiles()
    except Exception as exc:
        condition = _condition(exc)
        if condition == "PATH_NOT_FOUND":
            raise ParquetExportError(f"The export {printable(uri)} has no folder {entry['path']} for table {name}; "
                                     "copy the whole export folder.") from None
        if condition == "UNABLE_TO_INFER_SCHEMA" and not entry["rows"]:
            return None
        raise ParquetExportError(f"Table {name} of the export {printable(uri)} cannot be read ({_said(exc)}); "
                                 "export the workspace again.") from None
    _check_files(uri, name, entry, files)
    return df.select(*[quote_spark(c) for c, _ in entry["columns"]])


def _check_files(uri: str, name: str, entry: dict, files: list[str]) -> None:
    """Spark's list of the table's files holds only the folders shailoo writes: a table's own folder, and
    for a partitioned one `<key>=<value>` folders of known values (a platform, a YYYY-MM month)."""
    from shailoo.platforms import PLATFORMS
    from shailoo.store.parquet import MAX_TABLE_FILES

    parts = list(entry["partitioned_by"])
    valid = {"platform": lambda v: v in PLATFORMS, "month": lambda v: _MONTH.fullmatch(v) is not None}
    if len(files) > MAX_TABLE_FILES:
        raise ParquetExportError(f"Table {name} of the export {printable(uri)} holds more than {MAX_TABLE_FILES:,} "
                                 "Parquet files, which a shailoo export never holds; export the workspace again.")
    for file in files:
        folders = file.split("/")[:-1]
        if len(folders) < len(parts) + 1 or folders[-len(parts) - 1] != entry["path"] or not all(
                key == p and valid[p](value) for p, (key, _, value) in
                zip(parts, (f.partition("=") for f in folders[len(folders) - len(parts):]))):
            raise ParquetExportError(f"{printable(file)} is a Parquet file where none belongs (table {name}), which "
                                     "a shailoo export never holds; export the workspace again.")


def fill_shadow(shadow, df, name: str, entry: dict, uri: str) -> None:
    """Copy a small table the configuration reads (periods) from Spark into the shadow DuckDB, with the
    manifest's types; bounded to MAX_SMALL_ROWS rows."""
    from shailoo.store.parquet import _q

    got = df.limit(MAX_SMALL_ROWS + 1).toArrow() if df is not None else None
    if got is not None and got.num_rows > MAX_SMALL_ROWS:
        raise ParquetExportError(f"Table {name} of the export {printable(uri)} holds more than {MAX_SMALL_ROWS:,} "
                                 "rows, which a shailoo export never holds; export the workspace again.")
    if got is None:
        got = pa.table({c: pa.nulls(0) for c, _ in entry["columns"]})
    cast = ", ".join(f"CAST({_q(c)} AS {t}) AS {_q(c)}" for c, t in entry["columns"])
    shadow.register("xp_from_spark", got)
    try:
        shadow.execute(f"CREATE OR REPLACE TABLE {_q(name)} AS SELECT {cast} FROM xp_from_spark")
    finally:
        shadow.unregister("xp_from_spark")


def quote_spark(column: str) -> str:
    """A column name in Spark SQL: in backticks, a backtick doubled."""
    return "`" + column.replace("`", "``") + "`"
