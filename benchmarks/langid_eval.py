"""Evaluate language identification on held-out short texts (15-140 characters).

    .venv/bin/python benchmarks/langid_eval.py [--shared ../shared] [--mirror /work/.mirror]
                                               [--no-others] [--errors N] [--raw] [--speed]
                                               [--model FILE]

Test texts: the 20% of *documents* that `scripts/train_langid.py` never trains or tunes on
(shailoo's shared real texts, the held-out part of the public corpora it trains on, and the
derived Kazakh/Karakalpak copies of those held-out documents), plus the evaluation-only
corpora of `EVAL_ONLY` (UD test splits, Mongolian NER news, a Turkmen story). Prints, as
markdown: per-code precision and recall of shailoo, langid.py and lingua on the same
texts, the share of foreign texts each rejects (does not take for ru/ky/kk/uz/en), recall
per source, how shailoo handles two-language texts, and the run's date. `--speed` times
shailoo on 200,000 distinct short texts instead.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

from train_langid import documents, eval_only, load_splits, mixtures, short_texts

import shailoo.text.langid as langid_mod
from shailoo.text.langid import OURS, languages_of, text_words


def detect_languages(texts):
    return MODEL[0].detect(texts)


MODEL = [None]  # the model evaluated: the shipped one unless --model names another file

NAMED = ["uk", "be", "bg", "mk", "sr", "mn", "tt", "ba", "kaa", "tr", "az", "tk", "tg"]
CODES = list(OURS) + NAMED + ["other"]
PER_SOURCE = 600


def gold_code(cls: str) -> str:
    c = {"uz_cyrl": "uz", "uz_latn": "uz", "kk_latn": "kk", "kk_fold": "kk"}.get(cls, cls)
    return c if c in CODES else "other"


SPECIFIC = {"kk": set("әғқңөұүһі"), "uz": set("ўқғҳ"), "ky": set("ңөү")}


def label_check(splits) -> callable:
    """Labels are per source (SOURCE.md): review sources hold pure-Russian rows and the
    English articles quote Kyrgyz and Russian. This check, independent of the model,
    flags a test text of shailoo's real sources whose label is doubtful: English with
    Cyrillic letters, or a ky/kk/uz text in Cyrillic without its language's own letters
    whose words are mostly found in the Russian training texts."""
    ru_vocab = {w for _, c, t in splits["train"] if c == "ru" for w in text_words(t)}

    def ok(src: str, gold: str, text: str) -> bool:
        if "[" in src or src.startswith(("UD ", "UDHR")):  # derived copies and treebanks: labels are sure
            return True
        cyr = any("\u0400" <= ch <= "\u04ff" for ch in text)
        if gold == "en":
            return not cyr
        if gold in SPECIFIC and cyr and not SPECIFIC[gold] & set(text.lower()):
            ws = text_words(text)
            return not ws or sum(w in ru_vocab for w in ws) / len(ws) < 0.6
        return True

    return ok


def test_set(shared: Path, mirror: Path, checked: bool):
    rng = random.Random(7)
    by_src: dict[str, list] = {}
    splits = load_splits(shared, mirror)
    ok = label_check(splits) if checked else (lambda s, g, t: True)
    rows = splits["test"] + [(f"{s} (eval only)", c, t) for s, c, t in eval_only(mirror)]
    for src, cls, text in rows:
        if ok(src, gold_code(cls), text):
            by_src.setdefault(src, []).append((src, gold_code(cls), text))
    out = []
    for src in sorted(by_src):
        items = by_src[src]
        rng.shuffle(items)
        out += items[:PER_SOURCE]
    return out, splits


def run_langid(texts):
    import langid

    return [c if c in CODES else "other" for c, _ in (langid.classify(t) for t in texts)]


def run_lingua(texts):
    from lingua import LanguageDetectorBuilder

    det = LanguageDetectorBuilder.from_all_languages().build()
    out = []
    for r in det.detect_languages_in_parallel_of(texts):
        code = r.iso_code_639_1.name.lower() if r is not None else "other"
        out.append(code if code in CODES else "other")
    return out


def rejected(pred: str) -> bool:
    return not set(languages_of(pred)) & set(OURS)


def table(gold, pred, code):
    tp = sum(g == code and p == code for g, p in zip(gold, pred))
    n_pred = sum(p == code for p in pred)
    n_gold = sum(g == code for g in gold)
    prec = f"{tp / n_pred:.3f}" if n_pred else "–"
    rec = f"{tp / n_gold:.3f}" if n_gold else "–"
    return prec, rec, n_gold


def speed_texts(shared: Path, n: int = 200_000, seed: int = 3) -> list[str]:
    """n distinct short texts of 6-16 words, each two word windows of real sentences of one source."""
    by: dict[str, list[list[str]]] = {}
    for src, _, _, text in documents(shared):
        by.setdefault(src, []).extend(s.split() for s in short_texts(text))
    rng = random.Random(seed)
    srcs = sorted(by)
    out: set[str] = set()
    while len(out) < n:
        s = by[srcs[len(out) % len(srcs)]]
        a, b = rng.choice(s), rng.choice(s)
        i, j = rng.randrange(max(1, len(a) - 4)), rng.randrange(max(1, len(b) - 4))
        out.add(" ".join(a[i : i + rng.randint(3, 8)] + b[j : j + rng.randint(3, 8)]))
    return sorted(out)


def speed(shared: Path) -> None:
    texts = speed_texts(shared)
    load = MODEL[1]
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        detect_languages(texts)
        runs.append(time.perf_counter() - t0)
    print(f"{len(texts):,} distinct short texts: model load {load:.2f} s; detect_languages "
          f"best {min(runs):.2f} s of {len(runs)} runs ({min(runs) / len(texts) * 1e6:.1f} µs a text)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--no-others", action="store_true", help="evaluate shailoo only")
    ap.add_argument("--errors", type=int, default=0, help="print N misclassified texts")
    ap.add_argument("--raw", action="store_true", help="skip the label check (keep every test text)")
    ap.add_argument("--speed", action="store_true", help="time shailoo on 200,000 distinct short texts")
    ap.add_argument("--model", type=Path, help="a model file to evaluate instead of the shipped one")
    a = ap.parse_args()
    t0 = time.perf_counter()
    MODEL[:] = [langid_mod.load_model(a.model.read_bytes()) if a.model else langid_mod.default_model(),
                time.perf_counter() - t0]
    if a.speed:
        speed(a.shared)
        return
    rows, splits = test_set(a.shared, a.mirror, checked=not a.raw)
    texts = [t for _, _, t in rows]
    gold = [g for _, g, _ in rows]
    t0 = time.perf_counter()
    ours = [c for c, _ in detect_languages(texts)]
    dt = time.perf_counter() - t0
    preds = {"shailoo": ours}
    if not a.no_others:
        preds["langid.py"] = run_langid(texts)
        preds["lingua"] = run_lingua(texts)
    kind = "all" if a.raw else "label-checked"
    print(f"Run {datetime.date.today()}: {len(texts)} held-out short texts ({kind}, 15-140 characters); "
          f"shailoo took {dt:.2f} s\n")
    names = list(preds)
    print("| lang | n | " + " | ".join(f"{n} P | {n} R" for n in names) + " |")
    print("|---|---:|" + "---:|---:|" * len(names))
    for c in CODES:
        cells = [table(gold, preds[n], c) for n in names]
        print(f"| {c} | {cells[0][2]} | " + " | ".join(f"{p} | {r}" for p, r, _ in cells) + " |")
    foreign = [i for i, g in enumerate(gold) if g not in OURS]
    print(f"\nForeign texts (gold not ru/ky/kk/uz/en: {len(foreign)}) rejected, i.e. not taken for one of "
          "ours: " + ", ".join(f"{n} {sum(rejected(preds[n][i]) for i in foreign) / len(foreign):.3f}"
                               for n in names))
    pure_mixed = sum("+" in p for p in ours) / len(ours)
    print(f"\nshailoo called {pure_mixed:.4f} of these single-language texts mixed (`A+B`).")
    mix = mixtures(splits["test"], n=1000, seed=11)
    got = [p for p, _ in detect_languages([t for _, t in mix])]
    both = sum(set(languages_of(p)) == set(ab) for (ab, _), p in zip(mix, got)) / len(mix)
    first = sum(languages_of(p)[:1] == (ab[0],) or set(languages_of(p)) == set(ab) for (ab, _), p in zip(mix, got))
    print(f"Two-language texts (a held-out text of one of ours followed by one of another, 1,000): "
          f"named with both languages {both:.3f}; first or both named {first / len(mix):.3f}.")
    print("\nRecall per source (foreign sources: share rejected in brackets):\n")
    print("| source | gold | n | " + " | ".join(names) + " |")
    print("|---|---|---:|" + "---:|" * len(names))
    for src in sorted({s for s, _, _ in rows}):
        idx = [i for i, r in enumerate(rows) if r[0] == src]
        g = gold[idx[0]]
        cells = []
        for n in names:
            rec = sum(preds[n][i] == g for i in idx) / len(idx)
            rej = f" ({sum(rejected(preds[n][i]) for i in idx) / len(idx):.2f})" if g not in OURS else ""
            cells.append(f"{rec:.3f}{rej}")
        print(f"| {src} | {g} | {len(idx)} | " + " | ".join(cells) + " |")
    if a.errors:
        errs = [(r, p) for r, p in zip(rows, ours) if r[1] != p]
        print("\nErrors:", Counter((r[1], p) for r, p in errs).most_common(40))
        for r, p in random.Random(1).sample(errs, min(a.errors, len(errs))):
            print(f"{r[1]}->{p} [{r[0]}] {r[2]}")


if __name__ == "__main__":
    main()
