"""Language identification for short posts: ru, ky, kk, uz (Cyrillic or Latin), en, other.

Method (see docs/text.md): a multinomial naive Bayes model over character 1-4-grams of
words (padded with spaces), trained on real text by `scripts/train_langid.py`, plus two
kinds of evidence added per word: marker letters (ң ө ү; ә ғ қ ұ һ і; ў ҳ; oʻ gʻ) and
function words (the shipped stopword lists). Because every feature lives inside one word,
a text's score is the sum of its words' scores: words are scored once per *distinct*
word and summed per text (in numpy here, in SQL over the workspace).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from shailoo.text.script import fold_word

MODEL_FILE = "langid.json.gz"
NGRAM_ORDERS = (1, 2, 3, 4)

# Letters that point to a language whatever the n-gram model says.
MARKERS = {
    "kk": "әұіһ",
    "kyk": "ңөү",  # Kyrgyz or Kazakh (Kazakh is told apart by its own letters)
    "uz_cyrl": "ў",
    "uzk": "ҳқғ",  # Uzbek, Kazakh or Tajik
    "tg": "ӣӯҷ",
}
_URL = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+", re.I)
# Words: letters with internal apostrophes (Uzbek oʻ gʻ) or hyphens.
WORD_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|['’ʻʼ‘`][^\W\d_]|-[^\W\d_])*")


def text_words(text: str) -> list[str]:
    """Lower-cased, script-folded words of a text, without URLs, hashtags and mentions."""
    return [fold_word(w) for w in WORD_RE.findall(_URL.sub(" ", text.lower()))]


def word_ngrams(word: str) -> list[str]:
    """Character n-grams of a word padded with a space each side."""
    s = f" {_apos(word)} "
    return [s[i : i + n] for n in NGRAM_ORDERS for i in range(len(s) - n + 1)]


def _apos(word: str) -> str:
    # All the apostrophes Uzbek writers use for oʻ/gʻ become one.
    return re.sub("[’ʻʼ‘`]", "'", word)


@dataclass
class LangModel:
    """A trained model: classes, n-gram log-probability deltas and decision settings."""

    classes: list[str]
    index: dict[str, int]
    weights: np.ndarray  # (n_ngrams, n_classes): log P(g|c) minus the class's unseen log-prob
    unseen: np.ndarray  # (n_classes,) log-prob of an unseen n-gram
    function_words: dict[str, list[str]]
    params: dict

    @property
    def output_codes(self) -> list[str]:
        """The user-facing code of each class (uz_cyrl and uz_latn are both uz, tg is other)."""
        return [{"uz_cyrl": "uz", "uz_latn": "uz", "tg": "other"}.get(c, c) for c in self.classes]

    def score_words(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Score distinct words: (len(words), n_classes) scores and each word's n-gram count."""
        rows: list[int] = []
        cols: list[int] = []
        counts = np.zeros(len(words), dtype=np.float64)
        get = self.index.get
        for r, w in enumerate(words):
            grams = word_ngrams(w)
            counts[r] = len(grams)
            for g in grams:
                j = get(g)
                if j is not None:
                    rows.append(r)
                    cols.append(j)
        scores = np.outer(counts, self.unseen)
        if rows:
            np.add.at(scores, np.asarray(rows), self.weights[np.asarray(cols)])
        scores += self._word_evidence(words)
        return scores, counts

    def _word_evidence(self, words: list[str]) -> np.ndarray:
        p = self.params
        ci = {c: i for i, c in enumerate(self.classes)}
        ev = np.zeros((len(words), len(self.classes)))
        fw = self._fw_table()
        for r, w in enumerate(words):
            for c, share in fw.get(w, ()):
                ev[r, c] += p["function_word_bonus"] * share
            if any(ch in w for ch in MARKERS["kk"]):
                ev[r, ci["kk"]] += p["marker_bonus"]
            elif any(ch in w for ch in MARKERS["kyk"]) and not any(ch in w for ch in MARKERS["uzk"]):
                ev[r, ci["ky"]] += p["marker_bonus"] / 2
                ev[r, ci["kk"]] += p["marker_bonus"] / 2
            if any(ch in w for ch in MARKERS["uz_cyrl"]):
                ev[r, ci["uz_cyrl"]] += p["marker_bonus"]
            if any(ch in w for ch in MARKERS["tg"]):
                ev[r, ci["tg"]] += p["marker_bonus"]
            if "o'" in _apos(w) or "g'" in _apos(w):
                ev[r, ci["uz_latn"]] += p["marker_bonus"]
        return ev

    def _fw_table(self) -> dict[str, list[tuple[int, float]]]:
        if not hasattr(self, "_fw"):
            ci = {c: i for i, c in enumerate(self.classes)}
            owners: dict[str, list[int]] = {}
            for lang, ws in self.function_words.items():
                for c in [k for k in self.classes if k == lang or k.startswith(lang + "_")]:
                    for w in ws:
                        owners.setdefault(w, []).append(ci[c])
            self._fw = {w: [(c, 1.0 / len(cs)) for c in cs] for w, cs in owners.items()}
        return self._fw

    def decide(self, scores: np.ndarray, counts: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Turn summed text scores and n-gram counts into (codes, confidences)."""
        p = self.params
        codes = np.asarray(self.output_codes, dtype=object)
        best = scores.argmax(axis=1)
        z = scores * p["temperature"]
        z = z - z.max(axis=1, keepdims=True)
        prob = np.exp(z)
        prob /= prob.sum(axis=1, keepdims=True)
        # Confidence of the user-facing code: uz_cyrl and uz_latn add up.
        conf = np.zeros(len(scores))
        for code in set(self.output_codes):
            mask = codes == code
            hit = mask[best]
            conf[hit] = prob[hit][:, mask].sum(axis=1)
        out = codes[best].copy()
        avg = scores[np.arange(len(scores)), best] / np.maximum(counts, 1)
        unknown = (counts == 0) | (avg < p["reject_below"])
        out[unknown] = "other"
        conf[counts == 0] = 0.0
        return out.tolist(), np.round(conf, 4)

    def detect(self, texts: list[str]) -> list[tuple[str, float]]:
        """Identify the language of each text: a list of (code, confidence)."""
        from scipy.sparse import csr_matrix

        vocab: dict[str, int] = {}
        indptr, idx = [0], []
        for t in texts:
            for w in text_words(t or ""):
                idx.append(vocab.setdefault(w, len(vocab)))
            indptr.append(len(idx))
        if not vocab:
            return [("other", 0.0)] * len(texts)
        s, n = self.score_words(list(vocab))
        m = csr_matrix((np.ones(len(idx)), idx, indptr), shape=(len(texts), len(vocab)))
        codes, conf = self.decide(np.asarray(m @ s), np.asarray(m @ n).ravel())
        return list(zip(codes, conf.tolist()))


def dump_model(model: LangModel) -> bytes:
    """Serialise a model to gzip-compressed JSON (float16 weights)."""
    order = sorted(model.index, key=model.index.get)
    blob = base64.b64encode(model.weights.astype(np.float16).tobytes()).decode()
    doc = {"version": 1, "classes": model.classes, "ngrams": order, "weights": blob,
           "unseen": model.unseen.tolist(), "params": model.params}
    return gzip.compress(json.dumps(doc, ensure_ascii=False).encode(), 9, mtime=0)  # byte-identical rebuilds


def load_model(data: bytes) -> LangModel:
    """Read a model written by `dump_model`."""
    from shailoo.text.stopwords import shipped_stopwords

    doc = json.loads(gzip.decompress(data))
    k = len(doc["classes"])
    w = np.frombuffer(base64.b64decode(doc["weights"]), dtype=np.float16).astype(np.float64)
    fw = {lang: sorted(shipped_stopwords(lang)) for lang in ("ru", "ky", "kk", "uz", "en")}
    return LangModel(doc["classes"], {g: i for i, g in enumerate(doc["ngrams"])},
                     w.reshape(-1, k), np.asarray(doc["unseen"]), fw, doc["params"])


@lru_cache(maxsize=1)
def default_model() -> LangModel:
    """The model shipped inside the package."""
    data = resources.files("shailoo.text").joinpath("data", MODEL_FILE).read_bytes()
    return load_model(data)


def detect_languages(texts: list[str]) -> list[tuple[str, float]]:
    """Identify the language of each text with the shipped model."""
    return default_model().detect(texts)
