"""Evaluate language identification on held-out short texts (15-140 characters).

    .venv/bin/python benchmarks/langid_eval.py [--shared ../shared] [--no-others] [--errors N]

The test set is the 20% of *documents* that `scripts/train_langid.py` never trains or
tunes on. Prints per-language precision and recall of shailoo, langid.py and lingua on the
same texts (markdown), recall per source, and the run's date.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

from train_langid import load_splits  # noqa: E402

from shailoo.text.langid import detect_languages  # noqa: E402

CODES = ["ru", "ky", "kk", "uz", "en", "other"]
PER_SOURCE = 600


def gold_code(cls: str) -> str:
    return {"uz_cyrl": "uz", "uz_latn": "uz", "tg": "other"}.get(cls, cls)


SPECIFIC = {"kk": set("әғқңөұүһі"), "uz": set("ўқғҳ"), "ky": set("ңөү")}


def label_check(splits) -> callable:
    """Labels are per source (SOURCE.md): review sources hold pure-Russian rows and the
    English articles quote Kyrgyz and Russian. This check, independent of the model,
    flags a test text whose label is doubtful: English with Cyrillic letters, or a ky/kk/uz
    text in Cyrillic without its language's own letters whose words are mostly found in
    the Russian training texts."""
    from shailoo.text.langid import text_words

    ru_vocab = {w for _, c, t in splits["train"] if c == "ru" for w in text_words(t)}

    def ok(gold: str, text: str) -> bool:
        cyr = any("\u0400" <= ch <= "\u04ff" for ch in text)
        if gold == "en":
            return not cyr
        if gold in SPECIFIC and cyr and not SPECIFIC[gold] & set(text.lower()):
            ws = text_words(text)
            return not ws or sum(w in ru_vocab for w in ws) / len(ws) < 0.6
        return True

    return ok


def test_set(shared: Path, checked: bool) -> list[tuple[str, str, str]]:
    rng = random.Random(7)
    by_src: dict[str, list] = {}
    splits = load_splits(shared)
    ok = label_check(splits) if checked else (lambda g, t: True)
    for src, cls, text in splits["test"]:
        if not ok(gold_code(cls), text):
            continue
        by_src.setdefault(src, []).append((src, gold_code(cls), text))
    out = []
    for src in sorted(by_src):
        rows = by_src[src]
        rng.shuffle(rows)
        out += rows[:PER_SOURCE]
    return out


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


def table(gold, pred) -> list[str]:
    lines = []
    for c in CODES:
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        np_ = sum(p == c for p in pred)
        ng = sum(g == c for g in gold)
        prec = f"{tp / np_:.3f}" if np_ else "–"
        rec = f"{tp / ng:.3f}" if ng else "–"
        lines.append((c, prec, rec, ng))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--no-others", action="store_true", help="evaluate shailoo only")
    ap.add_argument("--errors", type=int, default=0, help="print N misclassified texts")
    ap.add_argument("--raw", action="store_true", help="skip the label check (keep every test text)")
    a = ap.parse_args()
    rows = test_set(a.shared, checked=not a.raw)
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
    print(f"Held-out short texts ({kind}): {len(texts)} (15-140 characters); shailoo took {dt:.2f} s\n")
    names = list(preds)
    print("| lang | n | " + " | ".join(f"{n} P | {n} R" for n in names) + " |")
    print("|---|---:|" + "---:|---:|" * len(names))
    tabs = {n: table(gold, p) for n, p in preds.items()}
    for i, c in enumerate(CODES):
        cells = " | ".join(f"{tabs[n][i][1]} | {tabs[n][i][2]}" for n in names)
        print(f"| {c} | {tabs[names[0]][i][3]} | {cells} |")
    print("\nRecall per source:\n")
    print("| source | gold | n | " + " | ".join(names) + " |")
    print("|---|---|---:|" + "---:|" * len(names))
    for src in sorted({s for s, _, _ in rows}):
        idx = [i for i, r in enumerate(rows) if r[0] == src]
        g = gold[idx[0]]
        cells = " | ".join(f"{sum(preds[n][i] == g for i in idx) / len(idx):.3f}" for n in names)
        print(f"| {src} | {g} | {len(idx)} | {cells} |")
    if a.errors:
        errs = [(r, p) for r, p in zip(rows, ours) if r[1] != p]
        print("\nErrors:", Counter((r[1], p) for r, p in errs).most_common())
        for r, p in random.Random(1).sample(errs, min(a.errors, len(errs))):
            print(f"{r[1]}->{p} [{r[0]}] {r[2]}")


if __name__ == "__main__":
    main()
