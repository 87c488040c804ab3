"""Near-duplicate text detection over 1,000,000 generated posts (issue #13: ≤ 60 s).

Posts are 8-30 words drawn Zipf-like from a 20,000-word vocabulary; 2 % belong to 2,000 copypasta
campaigns (each a text pasted 10 times, a third of the copies with one word changed, emoji or a
link added). Timed: tokenising with the one tokeniser (what import caches in `post_tokens`), then
`near_duplicates` on the tokens. Prints the seconds of each step, the clusters found, how many
campaign posts were found, the peak RSS and the load average.

    .venv/bin/python benchmarks/near_duplicates.py [POSTS]
"""

from __future__ import annotations

import os
import resource
import sys
import time

import duckdb
import numpy as np
import pyarrow as pa

from shailoo.analysis.near_duplicates import near_duplicates
from shailoo.text.post_tokens import ensure_post_tokens


def corpus(con, n: int, seed: int = 7) -> int:
    rng = np.random.default_rng(seed)
    vocab = np.array([f"слово{i}" if i % 2 else f"soz{i}" for i in range(20_000)])
    p = 1 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    lengths = rng.integers(8, 31, n)
    words = vocab[rng.choice(len(vocab), size=int(lengths.sum()), p=p)]
    cuts = np.cumsum(lengths)[:-1]
    texts = [" ".join(w) + "." for w in np.split(words, cuts)]
    campaigns = n // 50 // 10  # 2 % of the posts
    for c in range(campaigns):
        base = texts[c * 10].rstrip(".").split()
        for k in range(1, 10):
            copy = list(base)
            if k % 3 == 1:
                copy[-1] = "изменено"
            elif k % 3 == 2:
                copy.append("👍 https://example.kg/?utm_source=x")
            texts[c * 10 + k] = " ".join(copy) + "!"
    con.execute("CREATE TABLE docs (post_id BIGINT, text VARCHAR)")
    con.register("_t", pa.table({"post_id": np.arange(1, n + 1), "text": texts}))
    con.execute("INSERT INTO docs SELECT * FROM _t")
    con.unregister("_t")
    return campaigns * 10


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    con = duckdb.connect()
    t0 = time.perf_counter()
    planted = corpus(con, n)
    t1 = time.perf_counter()
    ensure_post_tokens(con, "docs", "toks", temp=True)
    t2 = time.perf_counter()
    out = near_duplicates(con, "SELECT post_id, toks FROM toks")
    t3 = time.perf_counter()
    ids = out.column("post_id").to_numpy()
    found = int((ids <= planted).sum())
    clusters = len(set(out.column("cluster").to_pylist()))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"posts: {n:,}; generating {t1 - t0:.1f} s (not timed)")
    print(f"tokenising (the import's token cache): {t2 - t1:.1f} s")
    print(f"near duplicates on the tokens: {t3 - t2:.1f} s")
    print(f"total from text: {t3 - t1:.1f} s (target ≤ 60 s)")
    print(f"clusters: {clusters:,}; posts in clusters: {len(ids):,}; planted campaign posts found: {found:,} of {planted:,}")
    print(f"peak RSS: {rss:,.0f} MB; load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
