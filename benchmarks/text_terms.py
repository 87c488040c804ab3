"""Benchmark the term table and n-grams on a generated 1,000,000-post Russian/Kyrgyz corpus.

    .venv/bin/python benchmarks/text_terms.py [--posts 1000000] [--skip-sklearn]

Generates posts from the vocabulary of real Russian (RIA Telegram) and Kyrgyz (24.kg)
texts in ../shared (or a small built-in list when absent), Zipf-distributed, 5-30 words,
with sentence punctuation, into a DuckDB file. Each measured step runs in its own process
so its peak memory (ru_maxrss) is its own. Steps:
  terms-ru    shailoo's stemmed, stopword-filtered term table (count, support), every post as ru
  sklearn-ru  scikit-learn CountVectorizer with a PyStemmer analyzer that caches stems, same table
  terms-lang  shailoo's term table with each post's own language (ru Snowball, ky suffix stemmer)
  ngrams      shailoo's frequent bigrams within sentences (count, support)
  langid      identifying the language of every post (the post_language cache)

Whole command as the user sees it (`--whole N`, default 200,000 posts): the same generated
texts are written as a CrowdTangle CSV and imported into a fresh workspace with `shailoo
import` (which tokenises and identifies the language of the new posts); then `shailoo terms
--all` runs as a subprocess twice (first run: stems not yet cached; second run: everything
cached), beside scikit-learn's
CountVectorizer with a caching PyStemmer analyzer timed inside Python on the same texts
already in memory. Prints both times and the ratios.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
WORK = Path("/tmp/shailoo_bench_text")
DB = WORK / "bench.duckdb"
SHARED = ROOT.parent / "shared" / "data" / "real"


def vocabulary() -> dict[str, list[str]]:
    word = re.compile(r"[а-яёңөү]+")
    ru, ky = [], []
    try:
        for m in json.loads((SHARED / "telegram_ru_news" / "1001101170442_messages.json").read_text("utf-8")):
            ru += word.findall((m.get("text") or "").lower())
        import csv

        csv.field_size_limit(10**9)
        with open(SHARED / "kyrgyz_kazakh_text" / "24kg_qad-train_1000.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                ky += word.findall(r["text"].lower())
    except OSError:
        ru = ["работа", "выборы", "президент", "страна", "люди", "партия", "москва", "кыргызы", "деньги", "закон"] * 10
        ky = ["шайлоо", "кыргыздар", "жумуш", "мыйзам", "бийлик", "элибиз", "депутаттар", "шаарда", "жана", "менен"] * 10
    return {"ru": ru, "ky": ky}


def generated_texts(n_posts: int) -> tuple[list[str], list[str]]:
    """(languages, texts): Zipf-drawn words of real ru/ky texts with sentence punctuation."""
    import numpy as np

    rng = np.random.default_rng(42)
    langs, texts = [], []
    for lang, words in vocabulary().items():
        uniq, counts = np.unique(np.array(words), return_counts=True)
        p = counts / counts.sum()
        m = n_posts // 2
        lengths = rng.integers(5, 31, size=m)
        idx = rng.choice(len(uniq), size=int(lengths.sum()), p=p)
        punct = rng.choice(np.array([" ", " ", " ", " ", " ", " ", ". ", ", ", "! "]), size=len(idx))
        toks = np.char.add(uniq[idx], punct)
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        texts += ["".join(toks[a:b]).capitalize() for a, b in zip(bounds[:-1], bounds[1:])]
        langs += [lang] * m
    return langs, texts


def generate(n_posts: int) -> None:
    import duckdb
    import numpy as np

    WORK.mkdir(exist_ok=True)
    DB.unlink(missing_ok=True)
    langs, texts = generated_texts(n_posts)
    import pyarrow as pa

    t = pa.table({"post_id": np.arange(1, len(texts) + 1), "grp": ["all"] * len(texts), "lang": langs,
                  "text": texts})
    con = duckdb.connect(str(DB))
    con.register("t", t)
    con.execute("CREATE TABLE bench_posts AS SELECT * FROM t ORDER BY random()")
    con.execute("CREATE TABLE posts AS SELECT post_id, text, text AS text_norm FROM bench_posts")
    con.close()


def step(name: str) -> dict:
    import duckdb

    from shailoo.text.pipeline import Corpus, TextOptions

    con = duckdb.connect(str(DB))
    t0 = time.perf_counter()
    out: dict = {}
    if name in ("terms-ru", "terms-lang"):
        from shailoo.analysis.text_terms import term_table

        opts = TextOptions(language="ru") if name == "terms-ru" else TextOptions()
        corpus = Corpus.from_table(con, "bench_posts", opts)
        table = term_table(corpus, top=0, grouped=False, with_key=True)
        out["rows"] = table.num_rows
        if name == "terms-ru":
            rows = sorted(zip(table.column("key").to_pylist(), table.column("count").to_pylist(),
                              table.column("support").to_pylist()))
            (WORK / "shailoo_terms.json").write_text(json.dumps(rows, ensure_ascii=False))
    elif name == "ngrams":
        from shailoo.analysis.text_ngrams import ngram_table

        corpus = Corpus.from_table(con, "bench_posts", TextOptions())
        out["rows"] = ngram_table(corpus, n=2, top=100).num_rows
    elif name == "langid":
        from shailoo.text.post_language import ensure_post_language

        con.execute("DROP TABLE IF EXISTS post_language")
        out["rows"] = ensure_post_language(con, "posts")
        agree = con.execute("""SELECT avg((b.lang = l.lang)::INT) FROM bench_posts b JOIN post_language l
                               USING (post_id)""").fetchall()[0][0]
        out["agreement_with_generated_language"] = round(agree, 4)
    elif name == "sklearn-ru":
        out.update(sklearn_terms(con))
    elif name == "sklearn-whole":
        return sklearn_whole()
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)
    return out


def sklearn_terms(con, compare: bool = True) -> dict:
    """The same table with scikit-learn: CountVectorizer and a caching PyStemmer analyzer."""
    import numpy as np
    import Stemmer
    from sklearn.feature_extraction.text import CountVectorizer

    from shailoo.text.script import fold_word
    from shailoo.text.stopwords import shipped_stopwords

    texts = [r[0] for r in con.execute("SELECT text FROM bench_posts ORDER BY post_id").fetchall()]
    t0 = time.perf_counter()
    stemmer = Stemmer.Stemmer("russian")
    stops = shipped_stopwords("ru")
    word = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
    cache: dict[str, str | None] = {}

    def analyzer(doc: str) -> list[str]:
        out = []
        for w in word.findall(doc.lower()):
            s = cache.get(w, 0)
            if s == 0:
                f = fold_word(w)
                s = None if (len(f) < 2 or f in stops) else stemmer.stemWord(f)
                cache[w] = s
            if s is not None:
                out.append(s)
        return out

    cv = CountVectorizer(analyzer=analyzer)
    x = cv.fit_transform(texts)
    count = np.asarray(x.sum(axis=0)).ravel()
    support = np.diff(x.tocsc().indptr)
    rows = sorted(zip(cv.get_feature_names_out().tolist(), count.tolist(), support.tolist()))
    secs = time.perf_counter() - t0
    if not compare:
        return {"rows": len(rows), "seconds_excluding_fetch": round(secs, 2)}
    mine = [tuple(r) for r in json.loads((WORK / "shailoo_terms.json").read_text())]
    return {"rows": len(rows), "same_table_as_shailoo": rows == mine, "seconds_excluding_fetch": round(secs, 2)}


WHOLE = WORK / "whole"
SHAILOO = [str(Path(sys.executable).parent / "shailoo")]


def write_crowdtangle(n_posts: int, out: Path) -> None:
    """The generated texts as a CrowdTangle CSV (one Facebook page per 1,000 posts)."""
    import csv
    from datetime import datetime, timedelta

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate_crowdtangle import HEADER

    _, texts = generated_texts(n_posts)
    start = datetime(2026, 1, 1)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for n, text in enumerate(texts):
            page = 100000000000 + n % 200
            t = start + timedelta(seconds=n * 7)
            w.writerow([f"Page {n % 200}", f"page{n % 200}", page, "POLITICIAN", "KG", "", "2015-01-01 00:00:00",
                        "12000", "15000", t.strftime("%Y-%m-%d %H:%M:%S") + " KGT", t.strftime("%Y-%m-%d"),
                        t.strftime("%H:%M:%S"), "Status", "10", 5, 3, 2, 0, 0, 0, 0, 0, 0, "", "-", 0, 0, 0, "N/A",
                        f"https://www.facebook.com/{page}/posts/{5000000000 + n}", text, "", "", "", "", "",
                        "", "", "", "10", "1,00"])


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env={**__import__("os").environ,
                                                                    "PYTHONPATH": str(ROOT / "src")})
    return time.perf_counter() - t0


def sklearn_whole() -> dict:
    """The baseline on the workspace's texts, already in memory: vectorising time only."""
    import duckdb

    con = duckdb.connect(str(WHOLE / "ws" / "shailoo.duckdb"), read_only=True)
    con.execute("CREATE TEMP TABLE bench_posts AS SELECT post_id, coalesce(text_norm, text) AS text FROM posts")
    out = sklearn_terms(con, compare=False)
    return {"seconds": out["seconds_excluding_fetch"], "rows": out["rows"]}


def whole(n_posts: int) -> None:
    """Time the whole `shailoo terms` command, cold and warm, beside scikit-learn."""
    import shutil

    WORK.mkdir(exist_ok=True)
    shutil.rmtree(WHOLE, ignore_errors=True)
    WHOLE.mkdir()
    csv_path = WHOLE / "posts.csv"
    write_crowdtangle(n_posts, csv_path)
    ws = str(WHOLE / "ws")
    subprocess.run(SHAILOO + ["init", ws], check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    t_import = timed(SHAILOO + ["import", "-w", ws, str(csv_path)])
    cmd = SHAILOO + ["terms", "-w", ws, "--all", "--top", "20", "--format", "csv"]
    first, second = timed(cmd), timed(cmd)
    r = subprocess.run([sys.executable, __file__, "--step", "sklearn-whole"], capture_output=True, text=True, check=True)
    base = json.loads(r.stdout.strip().splitlines()[-1])["seconds"]
    print(f"import of {n_posts:,} posts: {t_import:.2f} s")
    print(f"shailoo terms, first run: {first:.2f} s; second run: {second:.2f} s")
    print(f"scikit-learn CountVectorizer + cached PyStemmer (texts in memory): {base:.2f} s")
    print(f"ratio (baseline / shailoo): first run {base / first:.2f}x, second run {base / second:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000, help="posts to generate (0: reuse the last corpus)")
    ap.add_argument("--skip-sklearn", action="store_true")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--whole", type=int, nargs="?", const=200_000,
                    help="time the whole `shailoo terms` command on a fresh workspace of N posts (default 200,000)")
    ap.add_argument("--only", help="comma-separated steps to run (0 --posts reuses the last corpus)")
    a = ap.parse_args()
    if a.step and a.step.startswith("generate:"):
        generate(int(a.step.split(":")[1]))
        return
    if a.step:
        print(json.dumps(step(a.step)))
        return
    if a.whole:
        whole(a.whole)
        return
    if a.step is None and a.posts:
        # Generate in a child process too, so that no measured step inherits its memory.
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--step", f"generate:{a.posts}"], check=True)
        print(f"generated {a.posts:,} posts in {time.perf_counter() - t0:.1f} s", flush=True)
    steps = a.only.split(",") if a.only else ["terms-ru"] + ([] if a.skip_sklearn else ["sklearn-ru"]) + ["terms-lang", "ngrams", "langid"]
    res = {}
    for s in steps:
        r = subprocess.run([sys.executable, __file__, "--step", s], capture_output=True, text=True, check=True)
        res[s] = json.loads(r.stdout.strip().splitlines()[-1])
        print(s, res[s], flush=True)
    if "sklearn-ru" in res:
        print(f"speed-up over scikit-learn: {res['sklearn-ru']['seconds'] / res['terms-ru']['seconds']:.2f}x")


if __name__ == "__main__":
    main()
