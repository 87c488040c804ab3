"""The analyses on Apache Spark, over a Parquet export of a workspace (`shailoo export parquet`).

>>> from shailoo.engines.spark import open_export
>>> import shailoo.metrics
>>> ws = open_export("kg2026-parquet", spark=spark)          # spark: your SparkSession (or None: local)
>>> shailoo.metrics.posts(ws, by="actor")                      # the same Arrow table as on DuckDB

`SparkWorkspace` stands in for `Workspace` in the analyses that only read. Every table of the export
is a Spark temporary view, and so are the workspace's views (posts_v), made from the same SQL text.
Its `.con` takes the DuckDB SQL the analyses are written in and runs it on Spark (`engines.sql`
compiles it), with results as Arrow tables of the same column names and types as DuckDB's: each
statement is also bound, but not run over data, by an in-memory DuckDB holding the export's tables
empty (the "shadow"), whose result schema is the one the Spark result is cast to.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import pyarrow as pa
import sqlglot
from sqlglot import exp

from shailoo.engines.sql import READ, Macros, bind, transform
from shailoo.errors import ShailooError, UsageError, printable

# What runs on Spark; every other command says it does not (cli/main.py).
SPARK_COMMANDS = ("metrics posts", "metrics interactions", "metrics top", "terms", "ngrams", "coordination",
                  "coordination run")


class SparkUnavailable(ShailooError):
    """Spark cannot start here (no Java, no pyspark) or the command does not run on it."""


LOG4J = """# shailoo: Spark's own messages, errors only (a failed query is raised in Python anyway)
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.sqlctx.name = SQLQueryContextLogger
logger.sqlctx.level = off
"""


def _quiet_log4j() -> str:
    """The path of a log4j2 configuration printing Spark's errors only (the SQL analyser's log of a
    failed query, stack trace and all, not at all: the error reaches Python)."""
    import hashlib
    import tempfile

    path = Path(tempfile.gettempdir()) / f"shailoo-log4j2-{hashlib.sha1(LOG4J.encode()).hexdigest()[:8]}.properties"
    if not path.is_file():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(LOG4J, encoding="utf-8")
        os.replace(tmp, path)
    return str(path)


def session(master: str | None = None, app_name: str = "shailoo"):
    """A SparkSession: the active one (a notebook's, spark-submit's) if any, else a new one on `master`
    (default: $MASTER, else local[*] on this machine). Session time zone UTC (times are instants);
    in local mode few shuffle partitions (the default 200 is for clusters); no UI; quiet logs."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("The Spark engine needs pyspark; install it with `pip install pyspark` "
                               "(and Java 17).") from None
    if importlib.util.find_spec("pandas") is None:  # PySpark's Arrow batches (tokenising on the workers)
        raise SparkUnavailable("The Spark engine needs pandas beside pyspark; install both with "
                               "`pip install 'shailoo[spark]'`.")
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active  # the user's: open_export configures a session of its own on it
    if not os.environ.get("PYSPARK_GATEWAY_PORT") and not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkUnavailable("The Spark engine needs Java 17 or later; install it (on Debian: "
                               "`apt-get install openjdk-17-jre-headless`) or set JAVA_HOME.")
    builder = SparkSession.builder.appName(app_name)
    submitted = bool(os.environ.get("PYSPARK_GATEWAY_PORT"))  # spark-submit or pyspark: its settings apply
    url = master or (None if submitted else os.environ.get("MASTER") or "local[*]")
    if url:
        builder = builder.master(url)
    local = (url or "").startswith("local")
    builder = (builder.config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    if local:
        # Workers run this Python (its shailoo, pyarrow, duckdb), not whatever `python3` is on PATH
        # (pyspark reads the variable when the context starts).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # Local mode has one JVM for everything: Spark's 1 GB default is too little to broadcast the
        # selected posts' ids of a 10-million-post term table; take half the memory, at most 8 GB.
        memory = os.environ.get("SHAILOO_SPARK_MEMORY") or f"{_half_memory_gb()}g"
        builder = builder.config("spark.driver.memory", memory)
        # no `spark-warehouse` folder in the user's current folder: shailoo keeps no Spark tables
        builder = builder.config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="shailoo-spark-"))
        builder = (builder.config("spark.sql.shuffle.partitions", str(max(2, os.cpu_count() or 2)))
                   .config("spark.default.parallelism", str(max(2, os.cpu_count() or 2)))
                   .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{_quiet_log4j()}"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark's notice about pandas versions: no pandas is used here
        spark = builder.getOrCreate()
    _quiet(spark)
    return spark


def _half_memory_gb() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2
    return max(1, min(8, int(total / 2 ** 31)))


def _configure(spark) -> None:
    """A workspace's own session: times are instants (UTC), partition folders are text (a month
    `2026-01` stays a string; `platform` too)."""
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")


def _quiet(spark) -> None:
    spark.sparkContext.setLogLevel("ERROR")
    try:  # the SQL analyser logs each failed query with its stack trace; the error reaches Python anyway
        jvm = spark.sparkContext._jvm
        level = jvm.org.apache.logging.log4j.Level.OFF
        for name in ("SQLQueryContextLogger", "org.apache.spark.sql.catalyst.util.SQLQueryContextLogger"):
            jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(name, level)
    except Exception:  # a remote (Spark Connect) session has no JVM here: its logs are the server's
        pass


class SparkResult:
    """A query's result with the parts of DuckDB's result API the analyses use."""

    def __init__(self, df, schema: pa.Schema) -> None:
        self._df = df
        self._schema = schema
        self._table: pa.Table | None = None

    def to_arrow_table(self) -> pa.Table:
        if self._table is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = self._df.toArrow()
            self._table = _as_schema(got, self._schema)
        return self._table

    arrow = to_arrow_table

    @property
    def description(self) -> list[tuple]:
        return [(f.name, str(f.type), None, None, None, None, None) for f in self._schema]

    def fetchall(self) -> list[tuple]:
        t = self.to_arrow_table()
        cols = [c.to_pylist() for c in t.columns]
        return list(zip(*cols)) if cols else []

    def fetchone(self) -> tuple | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def fetchnumpy(self) -> dict:
        import numpy as np

        t = self.to_arrow_table()
        return {n: np.asarray(c.to_numpy()) for n, c in zip(t.column_names, t.columns)}


class _Empty(SparkResult):
    def __init__(self) -> None:
        super().__init__(None, pa.schema([("Count", pa.int64())]))
        self._table = pa.table({"Count": pa.array([0], pa.int64())})


def _as_schema(got: pa.Table, schema: pa.Schema) -> pa.Table:
    """Spark's result under DuckDB's column names and types (Spark says INT where DuckDB says BIGINT,
    DECIMAL for DuckDB's DOUBLE, names unaliased expressions differently)."""
    if got.num_columns != len(schema):
        raise RuntimeError(f"Spark returned {got.num_columns} columns where DuckDB's plan has {len(schema)}")
    got = got.rename_columns(schema.names)
    cols = []
    for col, field in zip(got.columns, schema):
        if col.type != field.type:
            if pa.types.is_timestamp(col.type) and pa.types.is_timestamp(field.type) and col.type.tz and not field.type.tz:
                col = col.cast(pa.timestamp(col.type.unit))  # wall-clock values Spark holds as UTC instants
            col = col.cast(field.type)
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=schema)


def _is_catalog_query(tree: exp.Expression) -> bool:
    """DuckDB's catalog functions (duckdb_tables() ...): answered by the shadow, which mirrors every
    table and temporary table of the session."""
    return any(f.name.lower().startswith("duckdb_") or f.name.lower() in ("current_database", "current_schema")
               for f in tree.find_all(exp.Anonymous, exp.Func) if f.name)


class SparkConnection:
    """DuckDB's connection API (execute, sql, register, unregister) over a Spark session."""

    def __init__(self, spark, shadow) -> None:
        self.spark = spark
        self.shadow = shadow  # duckdb.DuckDBPyConnection: the export's tables, empty
        self.macros = Macros()
        self._cached: dict[str, object] = {}

    # -- the API -----------------------------------------------------------------------------------
    def execute(self, sql: str, params=None):
        result = _Empty()
        for tree in sqlglot.parse(bind(sql, params), read=READ):
            if tree is not None:
                result = self._one(tree)
        return result

    def sql(self, sql: str, params=None):
        return self.execute(sql, params)

    def register(self, name: str, table: pa.Table) -> None:
        self.shadow.register(name, table.slice(0, 0))
        self._view(name, self.spark.createDataFrame(table) if table.num_rows else self._empty_df(table.schema))

    def unregister(self, name: str) -> None:
        self.shadow.unregister(name)
        self._drop(name)

    def close(self) -> None:
        for name in list(self._cached):
            self._drop(name)
        self.shadow.close()

    # -- statements --------------------------------------------------------------------------------
    def _one(self, tree: exp.Expression):
        duck = tree.sql(READ)
        if _is_catalog_query(tree):
            return self.shadow.execute(duck)
        if isinstance(tree, exp.Create):
            return self._create(tree, duck)
        if isinstance(tree, exp.Drop):
            try:
                self.shadow.execute(duck)
            except Exception:  # DROP TABLE of what the session made a view (or the reverse): both are names here
                other = tree.copy()
                other.set("kind", "VIEW" if (tree.args.get("kind") or "").upper() == "TABLE" else "TABLE")
                self.shadow.execute(other.sql(READ))
            for table in tree.args.get("tables") or [tree.this]:
                self._drop(table.name)
            return _Empty()
        if isinstance(tree, exp.Query):
            schema = self._shadow_schema(duck)
            return SparkResult(self.spark.sql(self._spark_sql(tree)), schema)
        raise UsageError(f"A Parquet export is read-only on Spark: {tree.key.upper()} statements do not run there.")

    def _shadow_schema(self, query: str) -> pa.Schema:
        """DuckDB's result schema of `query` (run on the empty tables: no data is read)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "extra copy": of no rows
            return self.shadow.execute(query).to_arrow_table().schema

    def _spark_sql(self, tree: exp.Expression) -> str:
        return transform(tree, self.macros).sql("spark")

    def _create(self, tree: exp.Create, duck: str):
        kind = (tree.args.get("kind") or "").upper()
        if kind == "MACRO":
            self.shadow.execute(duck)
            self.macros.define(tree)
            return _Empty()
        name = tree.this.this.name if isinstance(tree.this, exp.Schema) else tree.this.name
        exists = self.spark.catalog.tableExists(name)
        if tree.args.get("exists") and exists:
            return _Empty()
        if not tree.args.get("exists"):  # Spark's temporary views replace; so does the shadow
            tree = tree.copy()
            tree.set("replace", True)
            duck = tree.sql(READ)
        self.shadow.execute(duck)
        query = tree.expression
        if query is None:  # CREATE TABLE x (columns): an empty table of that shape
            df = self._empty_df(self._shadow_schema(f"SELECT * FROM {name}"))
        else:
            df = self.spark.sql(self._spark_sql(query))
            if kind == "TABLE":  # DuckDB computes a table once; a view is a name for a query
                df = df.cache()
        self._view(name, df)
        return _Empty()

    def _empty_df(self, schema: pa.Schema):
        return self.spark.createDataFrame(pa.Table.from_batches([], schema=schema))

    def _view(self, name: str, df) -> None:
        self._drop(name)
        df.createOrReplaceTempView(name)
        self._cached[name.lower()] = df

    def _drop(self, name: str) -> None:
        df = self._cached.pop(name.lower(), None)
        if df is not None and df.is_cached:
            df.unpersist()
        self.spark.catalog.dropTempView(name)


class SparkWorkspace:
    """A read-only workspace whose tables live in a Parquet export and whose queries run on Spark."""

    read_only = True
    engagement_table = None
    engine = "spark"

    def __init__(self, path: Path | str, config, con: SparkConnection, manifest: dict) -> None:
        self.path = path  # a local folder, or the URI of an export Spark reads through Hadoop's filesystem
        self.config = config
        self.con = con
        self.manifest = manifest

    @property
    def spark(self):
        return self.con.spark

    @property
    def pseudonym_key(self) -> bytes:
        from shailoo.errors import PseudonymKeyError

        raise PseudonymKeyError(f"{printable(self.path)} is a Parquet export, which holds no pseudonym key; "
                                "run this command on the workspace it was exported from.")

    def prepare_text(self, post_ids: str, languages: bool = True) -> int:
        """Tokens (and languages) of the posts `post_ids` for the text analyses; see engines.spark_text."""
        from shailoo.engines.spark_text import prepare_text

        return prepare_text(self, post_ids, languages)

    def table(self, name: str):
        """A Spark DataFrame of one table or view."""
        return self.spark.table(name)

    def sql(self, query: str, params: list | None = None):
        return self.con.execute(query, params)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "SparkWorkspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SparkWorkspace({str(self.path)!r})"


def open_export(dir: str | os.PathLike, spark=None, master: str | None = None) -> SparkWorkspace:
    """A SparkWorkspace over the Parquet export in `dir`: a local folder, or a URI Spark reads through
    Hadoop's filesystem (hdfs://, s3a://, file://: engines.spark_remote), on `spark` (default:
    `session(master)`)."""
    import duckdb

    from shailoo.engines import spark_remote
    from shailoo.store.parquet import _q, read_manifest, typed_select
    from shailoo.store.views import create_views

    remote = spark_remote.is_uri(dir)
    uri = spark_remote.normal_uri(dir) if remote else None
    folder = Path(uri if remote else dir)
    manifest = None if remote else read_manifest(folder)  # a local folder's is checked before Spark starts
    # Its own session on the same SparkContext: the export's tables and the analyses' working tables
    # are temporary views of this workspace alone (another workspace, or the user's, never sees them).
    spark = (spark or session(master)).newSession()
    _configure(spark)
    if remote:
        manifest = spark_remote.read_manifest(spark, uri)
    shadow = duckdb.connect(":memory:")
    try:
        shadow.execute("SET TimeZone = 'UTC'")
        con = SparkConnection(spark, shadow)
        for name, entry in manifest["tables"].items():
            cols = ", ".join(f"CAST(NULL AS {t}) AS {_q(c)}" for c, t in entry["columns"])
            if name == "periods" and not remote:  # a few rows the configuration reads
                shadow.execute(f'CREATE TABLE "{name}" AS {typed_select(folder, name, entry, shadow)}')
            else:
                shadow.execute(f'CREATE TABLE "{name}" AS SELECT {cols} WHERE false')
            if remote:
                df = spark_remote.read_table(spark, uri, name, entry)
                if name == "periods":  # through Spark too, into the shadow
                    spark_remote.fill_shadow(shadow, df, name, entry, uri)
                con._view(name, df if df is not None else con._empty_df(con._shadow_schema(f'SELECT * FROM "{name}"')))
            else:
                con._view(name, _read_table(spark, con, folder, name, entry))
        config = _config(manifest, shadow, folder, printable(uri if remote else folder))
        create_views(con, config.timezone)
        return SparkWorkspace(uri if remote else folder, config, con, manifest)
    except BaseException:
        shadow.close()
        raise


def _config(manifest: dict, shadow, folder: Path, shown: str):
    """The workspace settings an export carries (time zone, the snapshot rule, periods)."""
    from shailoo.config import Config
    from shailoo.errors import ConfigError, ParquetExportError

    w = manifest["workspace"]
    periods = [{"name": n, "start": s, "end": e} for n, s, e in
               shadow.execute("SELECT name, start_date, end_date FROM periods ORDER BY start_date, name").fetchall()]
    project = {k: w[k] for k in ("timezone", "languages") if k in w}
    if "project" in w:
        project["name"] = w["project"]
    data = {"project": project, "privacy": {"pseudonymise": w.get("pseudonymise", True)},
            "metrics": {"snapshot_min_hours": w.get("snapshot_min_hours", 72.0)}, "periods": periods}
    try:
        return Config.from_dict(data, folder)
    except ConfigError as exc:
        raise ParquetExportError(f"The manifest of {shown} has a workspace setting shailoo cannot use "
                                 f"({exc}).") from None


def _read_table(spark, con: SparkConnection, folder: Path, name: str, entry: dict):
    """One table of the export as a DataFrame with the manifest's columns, in its order."""
    from shailoo.engines.spark_remote import quote_spark
    from shailoo.store.parquet import table_files

    where = folder / entry["path"]
    # the checked list (no symbolic link, nothing outside the export, only the partition values shailoo
    # writes), each path escaped: Spark reads every path it is given as a glob pattern
    files = [_glob_literal(str(f)) for f in table_files(folder, entry)]
    if not files:
        return con._empty_df(con._shadow_schema(f'SELECT * FROM "{name}"'))
    reader = spark.read
    if entry["partitioned_by"]:
        reader = reader.option("basePath", _glob_literal(str(where)))
    df = reader.parquet(*files)
    return df.select(*[quote_spark(c) for c, _ in entry["columns"]])


def _glob_literal(path: str) -> str:
    """A path Hadoop's glob reads as itself: its pattern characters escaped with a backslash."""
    return re.sub(r"([\\\[\]{}*?])", r"\\\1", path)
