"""Time the same analyses on DuckDB and on local Spark over one Parquet export of N posts (issue #15).

    python benchmarks/spark_scale.py [POSTS]          (default 10,000,000)
    python benchmarks/spark_scale.py 1000000 --keep /tmp/export-1m

Generates the export directly (DuckDB, no import): an empty workspace's export gives the layout
and manifest (store/parquet.py), then posts (hive-partitioned by platform and month), 1.5 engagement
snapshots per post (one before the 72 h rule, half of the posts one after it), weekly follower
counts, and the text caches (post_tokens by the one tokeniser, post_language) are written beside
it. Then, each engine in turn: `metrics.posts` by actor and by week, and the term table (`terms`,
stemmed, stopwords removed), timed after opening; DuckDB reads the export through `open_parquet`,
Spark through `engines.spark.open_export` in local mode on this machine's cores. Prints the
export's size and the load average, so that figures from a shared machine can be judged.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

PLATFORMS = ("facebook", "telegram", "vk", "instagram")
CATEGORIES = ("candidate", "politician", "party", "authority", "media", "influencer", "public_group", "other")
ACCOUNTS = 400
WORDS = 5000


def build(target: Path, n: int) -> None:
    """Write an export of `n` posts into `target` (a fresh folder)."""
    from shailoo.store.parquet import export_parquet
    from shailoo.store.workspace import init_workspace
    from shailoo.text.langid import model_fingerprint
    from shailoo.text.post_tokens import VERSION
    from shailoo.text.tokens import token_sql

    tmp = Path(tempfile.mkdtemp(prefix="shailoo-spark-bench-"))
    try:
        ws = init_workspace(tmp / "ws", project="bench")
        con = ws.con
        con.execute(f"""INSERT INTO actors SELECT i, 'Actor ' || i, {list(CATEGORIES)}[1 + i % {len(CATEGORIES)}], []
                        FROM range(1, {ACCOUNTS // 2 + 1}) t(i)""")
        con.execute(f"""INSERT INTO accounts (account_key, platform, account_id, handle, name, url, is_pseudonymised, actor_id)
                        SELECT i, {list(PLATFORMS)}[1 + i % 4], 'acc' || i, 'h' || i, 'Account ' || i, NULL, false,
                               CASE WHEN i % 4 <> 3 THEN 1 + i % {ACCOUNTS // 2} END
                        FROM range({ACCOUNTS}) t(i)""")
        ws.add_period("campaign", __import__("datetime").date(2026, 1, 1), __import__("datetime").date(2026, 3, 31))
        con.execute("CREATE TABLE IF NOT EXISTS post_tokens (post_id BIGINT PRIMARY KEY, text_hash UBIGINT, toks VARCHAR[])")
        con.execute("CREATE TABLE IF NOT EXISTS post_tokens_version (version VARCHAR)")
        con.execute("INSERT INTO post_tokens_version VALUES (?)", [VERSION])
        con.execute("CREATE TABLE IF NOT EXISTS post_language (post_id BIGINT PRIMARY KEY, lang VARCHAR, confidence DOUBLE)")
        con.execute("CREATE TABLE IF NOT EXISTS post_language_model (fingerprint VARCHAR)")
        con.execute("INSERT INTO post_language_model VALUES (?)", [model_fingerprint()])
        manifest = export_parquet(ws, target)
        con.execute("SET preserve_insertion_order = false")
        # posts: the workspace's columns in their order, most of them NULL
        cols = con.execute("DESCRIBE posts").fetchall()
        words = "list_transform(range(5 + (hash(i) % 20)::BIGINT), lambda k: 'слово' || (hash(i * 31 + k) % " \
                f"{WORDS})::VARCHAR)"
        values = {
            "post_id": "i", "platform": f"{list(PLATFORMS)}[1 + (a % 4)::BIGINT]", "platform_post_id": "i::VARCHAR",
            "account_id": "'acc' || a", "post_type": "'post'",
            "created_at": f"TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds((i * 7776000 // {n})::BIGINT)",
            "text": f"array_to_string({words}, ' ') || '. Выборы #шайлоо'", "url": "'https://example.org/p/' || i",
            "media_type": "'status'",
        }
        select = ", ".join(f"CAST({values.get(c, 'NULL')} AS {t}) AS \"{c}\"" for c, t, *_ in cols)
        con.execute(f"""CREATE TEMP TABLE _p AS SELECT {select} FROM (
                          SELECT i, (hash(i) % {ACCOUNTS})::BIGINT AS a FROM range({n}) t(i))""")
        con.execute("UPDATE _p SET text_norm = text")
        con.execute(f"""COPY (SELECT * EXCLUDE (platform), platform,
                               strftime(timezone('UTC', created_at), '%Y-%m') AS month FROM _p)
                        TO '{target / 'posts'}' (FORMAT parquet, PARTITION_BY (platform, month), COMPRESSION zstd,
                                                 OVERWRITE_OR_IGNORE)""")
        snap = """SELECT post_id, created_at + INTERVAL {h} HOUR AS measured_at, NULL::INTEGER AS import_id,
                         r AS reactions, NULL::BIGINT AS likes, NULL::BIGINT AS love, NULL::BIGINT AS wow,
                         NULL::BIGINT AS haha, NULL::BIGINT AS sad, NULL::BIGINT AS angry, NULL::BIGINT AS care,
                         NULL::MAP(VARCHAR, BIGINT) AS reaction_breakdown, r // 7 AS comments, r // 11 AS shares,
                         r * 9 AS views
                  FROM (SELECT post_id, created_at, (hash(post_id * {h}) % 500)::BIGINT + {h} AS r FROM _p {where})"""
        _copy(con, f"{snap.format(h=24, where='')} UNION ALL {snap.format(h=96, where='WHERE post_id % 2 = 0')}",
              target / "engagement_snapshots")
        _copy(con, """SELECT platform, account_id, TIMESTAMPTZ '2025-12-25 00:00:00+00' + to_days(w * 7) AS measured_at,
                              (1000 + hash(account_key) % 50000 + w * 10)::BIGINT AS followers, NULL::BIGINT AS total_views,
                              NULL::BIGINT AS total_posts, NULL::INTEGER AS import_id
                       FROM accounts, range(14) t(w)""", target / "follower_snapshots")
        _copy(con, f"SELECT post_id, hash(coalesce(text_norm, text, '')) AS text_hash, "
                   f"{token_sql('coalesce(text_norm, text, {q}{q})'.format(q=chr(39)))} AS toks FROM _p",
              target / "post_tokens")
        _copy(con, "SELECT post_id, 'ru' AS lang, 1.0::DOUBLE AS confidence FROM _p", target / "post_language")
        counts = {"posts": n, "engagement_snapshots": n + (n + 1) // 2, "follower_snapshots": ACCOUNTS * 14,
                  "post_tokens": n, "post_language": n}
        for name, rows in counts.items():
            manifest["tables"][name]["rows"] = rows
        (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")
        ws.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _copy(con, sql: str, folder: Path) -> None:
    for old in folder.glob("*.parquet"):
        old.unlink()
    con.execute(f"COPY ({sql}) TO '{folder / 'data_0.parquet'}' (FORMAT parquet, COMPRESSION zstd)")


def timed(label: str, fn, results: dict) -> None:
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    rows = getattr(out, "num_rows", None) or getattr(getattr(out, "table", None), "num_rows", None)
    results[label] = round(seconds, 2)
    print(f"  {label:<32} {seconds:8.2f} s  ({rows} rows)", flush=True)


def run_engine(name: str, ws, results: dict) -> None:
    from shailoo.analysis import metrics
    from shailoo.analysis.text_terms import terms

    print(f"{name}:", flush=True)
    timed(f"{name} posts by actor", lambda: metrics.posts(ws, None, "actor"), results)
    timed(f"{name} posts by week", lambda: metrics.posts(ws, None, "week"), results)
    timed(f"{name} terms", lambda: terms(ws, None), results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("posts", nargs="?", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, help="Write the export here and keep it (default: a temporary folder).")
    parser.add_argument("--engines", default="duckdb,spark")
    args = parser.parse_args()
    target = args.keep or Path(tempfile.mkdtemp(prefix="shailoo-spark-export-")) / "export"
    results: dict = {"posts": args.posts, "cores": os.cpu_count(), "load_before": os.getloadavg()}
    try:
        if not (target / "manifest.json").is_file():
            start = time.perf_counter()
            build(target, args.posts)
            results["generate_s"] = round(time.perf_counter() - start, 1)
        size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
        results["export_mb"] = round(size / 1e6, 1)
        results["posts_mb"] = round(sum(f.stat().st_size for f in (target / "posts").rglob("*.parquet")) / 1e6, 1)
        print(f"Export of {args.posts:,} posts: {size / 1e6:,.0f} MB ({results['posts_mb']:,} MB posts) in {target}")
        if "duckdb" in args.engines:
            from shailoo.store.parquet import open_parquet

            start = time.perf_counter()
            ws = open_parquet(target)
            results["duckdb open"] = round(time.perf_counter() - start, 2)
            run_engine("duckdb", ws, results)
            ws.close()
        if "spark" in args.engines:
            from shailoo.engines.spark import open_export, session

            start = time.perf_counter()
            spark = session()
            ws = open_export(target, spark=spark)
            results["spark start+open"] = round(time.perf_counter() - start, 2)
            run_engine("spark", ws, results)
            ws.close()
            spark.stop()
    finally:
        if args.keep is None:
            shutil.rmtree(target.parent, ignore_errors=True)
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    sys.exit(main())
