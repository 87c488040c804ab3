"""Benchmark: metrics and the HTML report on a generated 1,000,000-post workspace.

Generates actors, accounts, posts (with two engagement snapshots each for a third of them) and
follower counts directly with SQL inserts (much faster than the importer), then times:
  1. every metric table of the report (build_sections without text analyses),
  2. the whole HTML report (write_report, without text analyses),
  3. the per-actor-per-week table in shailoo vs pandas on the same data (ratio),
  4. the whole report WITH its text sections as a user runs it (`shailoo report --quiet`, its own
     process, wall time and peak memory): first run (languages identified and tokens cached in the
     workspace by the text pipeline) and second run (caches in place).
With --texts the posts carry the text benchmark's generated Russian/Kyrgyz texts (Zipf-drawn words
of real texts, benchmarks/text_terms.py) instead of one short sentence each.
Peak memory is the process's max RSS.
Usage: .venv/bin/python benchmarks/metrics_report.py [N] [DIR] [--texts]
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from shailoo.store.workspace import init_workspace


def generate(ws, n_posts: int) -> None:
    con = ws.con
    cats = ["candidate"] * 18 + ["politician"] * 9 + ["party"] * 5 + ["authority"] * 3 + ["media"] * 15 + \
        ["influencer"] * 8 + ["public_group"] * 9
    con.execute("INSERT INTO actors (actor_id, name, category) SELECT i + 1, 'Актор ' || (i + 1), c "
                "FROM (SELECT unnest(?) AS c, generate_subscripts(?, 1) - 1 AS i)", [cats, cats])
    n_actors = len(cats)
    con.execute("""INSERT INTO actor_accounts SELECT actor_id, p, CAST(actor_id * 10 + (p = 'instagram')::INT AS VARCHAR),
                    NULL, NULL FROM actors, (SELECT unnest(['facebook', 'instagram']) AS p)
                    WHERE NOT (category = 'public_group' AND p = 'instagram')""")
    con.execute("""INSERT INTO accounts (platform, account_id, name, actor_id)
                   SELECT platform, account_id, 'Page ' || account_id, actor_id FROM actor_accounts""")
    con.execute(f"""INSERT INTO posts (post_id, platform, platform_post_id, account_id, created_at, url, text)
        SELECT i, a.platform, 'p' || i, a.account_id,
               TIMESTAMPTZ '2020-11-19 00:00:00+00' + to_seconds((hash(i) % (52 * 86400))::BIGINT),
               'https://example.com/p/' || i, 'Пост номер ' || i || ' шайлоо жөнүндө'
        FROM range(1, {n_posts} + 1) t(i)
        JOIN (SELECT row_number() OVER (ORDER BY actor_id, platform) - 1 AS k, platform, account_id FROM actor_accounts) a
          ON a.k = i % (SELECT count(*) FROM actor_accounts)""")
    for offset_h, share in ((24, 3), (96, 1)):  # an early snapshot for a third of posts, a mature one for all
        con.execute(f"""INSERT INTO engagement_snapshots (post_id, measured_at, reactions, likes, comments, shares, views)
            SELECT post_id, created_at + to_hours({offset_h}), h % 900, h % 800, h % 90, h % 40, h % 20000
            FROM (SELECT post_id, created_at, (hash(post_id) % 100000)::BIGINT AS h FROM posts) WHERE post_id % {share} = 0""")
    con.execute("""INSERT INTO follower_snapshots (platform, account_id, measured_at, followers)
                   SELECT platform, account_id, TIMESTAMPTZ '2020-11-01 00:00:00+00', 1000 + hash(account_id) % 500000
                   FROM accounts""")
    ws.add_period("pre-campaign", date(2020, 11, 19), date(2020, 12, 14))
    ws.add_period("campaign", date(2020, 12, 15), date(2021, 1, 9))
    print(f"generated {n_posts:,} posts of {n_actors} actors")


def real_vocabulary_texts(ws, n_posts: int) -> None:
    import pyarrow as pa

    sys.path.insert(0, str(Path(__file__).parent))
    from text_terms import generated_texts

    _, texts = generated_texts(n_posts)
    ws.con.register("_texts", pa.table({"post_id": pa.array(range(1, len(texts) + 1), pa.int64()), "t": texts}))
    ws.con.execute("UPDATE posts SET text = _texts.t, text_norm = NULL FROM _texts WHERE posts.post_id = _texts.post_id")
    ws.con.unregister("_texts")


def main() -> None:
    texts = "--texts" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--texts"]
    n = int(args[0]) if args else 1_000_000
    folder = Path(args[1]) if len(args) > 1 else Path(tempfile.mkdtemp(prefix="shailoo-bench-"))
    if (folder / "ws").exists():
        shutil.rmtree(folder / "ws")
    ws = init_workspace(folder / "ws", project="bench")
    t = time.perf_counter()
    generate(ws, n)
    if texts:
        real_vocabulary_texts(ws, n)
    print(f"generation: {time.perf_counter() - t:.1f} s")

    from shailoo.analysis import metrics
    from shailoo.analysis.filters import PostFilter
    from shailoo.analysis.snapshot import post_engagement_sql
    from shailoo.report.build import build_sections, write_report

    t = time.perf_counter()
    sections = build_sections(ws, include_text=False)
    metrics_s = time.perf_counter() - t
    tables = sum(len(s["blocks"]) for s in sections)
    print(f"all metric tables of the report ({tables} tables): {metrics_s:.2f} s")

    t = time.perf_counter()
    out = write_report(ws, folder / "report.html", include_text=False)
    report_s = time.perf_counter() - t
    print(f"whole HTML report: {report_s:.2f} s ({out.stat().st_size / 1e6:.1f} MB)")

    t = time.perf_counter()
    ours = metrics.activity(ws, PostFilter(), "actor,week")
    ours_s = time.perf_counter() - t

    t0 = time.perf_counter()
    # pandas gets the same per-post rows (snapshot chosen by the same rule) and groups them itself
    frame = ws.con.execute(f"SELECT actor, category, week, interactions, reactions, comments, shares, views "
                           f"FROM ({post_engagement_sql(ws)}) WHERE actor IS NOT NULL").df()
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    grouped = frame.groupby(["actor", "category", "week"], as_index=False).agg(
        posts=("interactions", "size"), interactions=("interactions", "sum"), reactions=("reactions", "sum"),
        comments=("comments", "sum"), shares=("shares", "sum"), views=("views", "sum"))
    pandas_s = time.perf_counter() - t1
    assert len(grouped) == ours.num_rows and int(grouped["posts"].sum()) == sum(ours["posts"].to_pylist())
    print(f"per-actor-per-week: shailoo {ours_s:.3f} s; pandas groupby {pandas_s:.3f} s "
          f"(+ {load_s:.2f} s to load the rows into a DataFrame); "
          f"ratio pandas(total)/shailoo = {(pandas_s + load_s) / ours_s:.1f}, groupby only = {pandas_s / ours_s:.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB")
    ws.close()
    for run in ("first (caches built)", "second (caches in place)"):
        seconds, mb = whole_report(folder)
        print(f"whole report with text sections, {run}: {seconds:.1f} s, peak {mb:.0f} MB")


# Runs the CLI in a child that reports its own child's peak memory (each run measured alone).
_CHILD = ("import resource, subprocess, sys, time; t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True); "
          "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")


def whole_report(folder: Path) -> tuple[float, float]:
    import subprocess

    shailoo = Path(sys.executable).with_name("shailoo")
    out = subprocess.run([sys.executable, "-c", _CHILD, str(shailoo), "report", "-w", str(folder / "ws"), "--quiet",
                          "--out", str(folder / "report-text.html")], capture_output=True, text=True, check=True)
    seconds, mb = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(mb)


if __name__ == "__main__":
    main()
