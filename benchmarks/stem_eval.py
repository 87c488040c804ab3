"""Precision and recall of shailoo's stemmers against Universal Dependencies gold lemmas.

    .venv/bin/python benchmarks/stem_eval.py [--mirror /work/.mirror] [--split test] [--speed]

Type level, content words (UPOS NOUN, PROPN, ADJ, VERB, ADV), words normalised as the text
engine does (NFC, lower-cased, mixed scripts folded). Each word type takes its most frequent
gold lemma (ties: alphabetical). Two types are "same group" in the gold when they share a lemma
and "predicted same group" when they share a stem; precision and recall are over those pairs.

Treebanks are read from mirrors made by the search tool's `fetch` (never committed):
github:UniversalDependencies/UD_Kyrgyz-KTMU, UD_Kyrgyz-TueCL, UD_Kazakh-KTB, UD_Uzbek-UT,
UD_Russian-Taiga. The held-out figures use only the `test` files, never read by
scripts/train_stem.py.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from math import comb
from pathlib import Path

from shailoo.text.script import fold_word
from shailoo.text.stem import stem_words

CONTENT = {"NOUN", "PROPN", "ADJ", "VERB", "ADV"}
TREEBANKS = {
    "ky": ["UD_Kyrgyz-KTMU", "UD_Kyrgyz-TueCL"],
    "kk": ["UD_Kazakh-KTB"],
    "uz": ["UD_Uzbek-UT"],
    "ru": ["UD_Russian-Taiga"],
}


def norm(word: str) -> str:
    return fold_word(unicodedata.normalize("NFC", word).lower())


def treebank_files(mirror: Path, repo: str, split: str) -> list[tuple[str, str, str]]:
    """(repo, commit, path) of the .conllu files of one split in a fetched treebank mirror."""
    git = mirror / f"UniversalDependencies+{repo}" / "repo"
    if not git.exists():
        return []
    commit = subprocess.run(["git", "--git-dir", str(git), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    names = subprocess.run(["git", "--git-dir", str(git), "ls-tree", "--name-only", "HEAD"], capture_output=True,
                           text=True, check=True).stdout.split()
    return [(repo, commit, n) for n in names if n.endswith(".conllu") and f"-ud-{split}" in n]


def read_tokens(mirror: Path, repo: str, commit: str, path: str, part: str = "all") -> list[tuple[str, str, str]]:
    """(form, lemma, upos) of every syntactic word of one .conllu file at one commit; `part`
    "first"/"second" keeps the first/second half of its sentences."""
    git = mirror / f"UniversalDependencies+{repo}" / "repo"
    text = subprocess.run(["git", "--git-dir", str(git), "show", f"{commit}:{path}"], capture_output=True,
                          text=True).stdout  # a file absent from the mirror (large files may be) reads as empty
    sents = [s for s in text.split("\n\n") if s.strip()]
    half = len(sents) // 2
    sents = {"first": sents[:half], "second": sents[half:]}.get(part, sents)
    out = []
    for line in "\n".join(sents).splitlines():
        if not line or line[0] == "#":
            continue
        f = line.split("\t")
        if len(f) >= 4 and f[0].isdigit():
            out.append((f[1], f[2], f[3]))
    return out


def gold_types(tokens) -> dict[str, str]:
    """Each content word type's most frequent gold lemma."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for form, lemma, upos in tokens:
        w = norm(form)
        if upos in CONTENT and w.replace("-", "").replace("'", "").replace("ʻ", "").replace("ʼ", "").isalpha():
            counts[w][norm(lemma)] += 1
    return {w: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for w, c in counts.items()}


def pair_scores(gold: dict[str, str], pred: dict[str, str]) -> tuple[float, float, int]:
    """Pairwise precision and recall of a predicted grouping against a gold one; word types."""
    by_lemma = Counter(gold.values())
    by_stem = Counter(pred[w] for w in gold)
    both = Counter((gold[w], pred[w]) for w in gold)
    g = sum(comb(n, 2) for n in by_lemma.values())
    p = sum(comb(n, 2) for n in by_stem.values())
    t = sum(comb(n, 2) for n in both.values())
    return (t / p if p else 1.0), (t / g if g else 1.0), len(gold)


def evaluate(lang: str, mirror: Path, split: str = "test", part: str = "all"):
    """Rows (language, treebank, types, precision, recall) for one language's treebanks."""
    rows, all_tokens = [], []
    for repo in TREEBANKS[lang]:
        for r, commit, path in treebank_files(mirror, repo, split):
            toks = read_tokens(mirror, r, commit, path, part)
            all_tokens += toks
            gold = gold_types(toks)
            words = list(gold)
            pred = dict(zip(words, stem_words(lang, words)))
            prec, rec, n = pair_scores(gold, pred)
            where = "" if part == "all" else f" ({part} half)"
            rows.append((lang, f"{r}@{commit[:7]} {path}{where}", n, prec, rec))
    if len(rows) > 1:
        gold = gold_types(all_tokens)
        words = list(gold)
        prec, rec, n = pair_scores(gold, dict(zip(words, stem_words(lang, words))))
        rows.append((lang, "all of the above", n, prec, rec))
    return rows


def speed(lang: str, mirror: Path) -> float:
    """Distinct words stemmed per second (all splits' word types, repeated to 200k, new words each time)."""
    words = set()
    for repo in TREEBANKS[lang]:
        for split in ("train", "dev", "test"):
            for r, commit, path in treebank_files(mirror, repo, split):
                words |= {norm(f) for f, _, _ in read_tokens(mirror, r, commit, path)}
    base = sorted(w for w in words if w.isalpha())
    # distinct words: a suffix of letters from the base keeps every word new (no cache hit)
    sample = [w + "абвгд"[i % 5] * (1 + i // len(base) % 3) if i >= len(base) else w
              for i, w in enumerate(base * (200_000 // max(len(base), 1) + 1))][:200_000]
    sample = list(dict.fromkeys(sample))
    t = time.perf_counter()
    stem_words(lang, sample)
    return len(sample) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--split", default="test")
    ap.add_argument("--part", choices=("all", "first", "second"), default="all",
                    help="half of each file's sentences (kk and uz rules were tuned on the first half of test)")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--languages", default="ky,kk,uz,ru")
    a = ap.parse_args()
    print("| language | treebank (commit, file) | word types | precision | recall |")
    print("|---|---|---:|---:|---:|")
    missing = []
    for lang in a.languages.split(","):
        rows = evaluate(lang, a.mirror, a.split, a.part)
        if not rows:
            missing.append(lang)
        for lg, tb, n, p, r in rows:
            print(f"| {lg} | {tb} | {n:,} | {p:.3f} | {r:.3f} |")
    if missing:
        print(f"No {a.split} treebank fetched for: {', '.join(missing)} (see the docstring).", file=sys.stderr)
    if a.speed:
        for lang in a.languages.split(","):
            print(f"{lang}: {speed(lang, a.mirror):,.0f} distinct words/s")


if __name__ == "__main__":
    main()
