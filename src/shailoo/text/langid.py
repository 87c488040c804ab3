"""Language identification for short posts.

Codes (see docs/text.md): shailoo's languages ru, ky, kk, uz, en; neighbouring languages it
can tell apart, so that users can filter them out: uk, be, bg, mk, sr, mn, tt, ba, kaa, tr,
az, tk, tg; `other` for anything else (or nothing to go on); and `A+B` (e.g. `ru+kk`,
the larger share first) for a text written in two languages.

Method: a multinomial naive Bayes model over character 1-4-grams of words (padded with
spaces), trained by `scripts/train_langid.py`, plus a bonus for the function words of
shailoo's languages. Kazakh typed without its letters and Latin-script Kazakh are classes
of their own inside the model that answer `kk`. Every feature lives inside one word, so a
text's score is the sum of its words' scores: words are scored once per *distinct* word
and summed per text (in numpy here, in SQL over the workspace). Besides the class scores,
each word casts a vote for its language when it is clearly of one; a text whose votes
split between two languages (the smaller at least `mixed_share` of them) is `A+B`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from shailoo.text.script import fold_word

MODEL_FILE = "langid.json.gz"
NGRAM_ORDERS = (1, 2, 3, 4)
OURS = ("ru", "ky", "kk", "uz", "en")
OTHER = "other"

_URL = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+", re.IGNORECASE)
# Words: letters with internal apostrophes (Uzbek oʻ gʻ) or hyphens.
WORD_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|['’ʻʼ‘`][^\W\d_]|-[^\W\d_])*")
_APOS = re.compile("[’ʻʼ‘`]")
# Letters only one or two of the neighbouring languages write (Bulgarian: ъ inside a word
# where Russian never has it). Each word carrying one adds `marker_bonus` to those classes.
MARKERS = {"uk": "[єїґ]", "mk": "[ѓќѕљњџј]", "sr": "[ђћљњџј]", "tt": "[җ]", "az": "[ə]",
           "tk": "[ňýž]", "ba": "[ҙҫҡ]", "bg": "ъ(?![еёюя])"}
_ANY_MARKER = re.compile("|".join(MARKERS.values()))


def text_words(text: str) -> list[str]:
    """Lower-cased, script-folded words of a text, without URLs, hashtags and mentions."""
    return [fold_word(w) for w in WORD_RE.findall(_URL.sub(" ", text.lower()))]


def word_ngrams(word: str) -> list[str]:
    """Character n-grams of a word padded with a space each side."""
    s = f" {_APOS.sub(chr(39), word)} "  # all the apostrophes of Uzbek oʻ/gʻ become one
    n = len(s)
    return [s[i : i + k] for k in NGRAM_ORDERS for i in range(n - k + 1)]


def languages_of(code: str) -> tuple[str, ...]:
    """The languages a code names: `ru` → (ru,), `ru+kk` → (ru, kk), `other` → ()."""
    return () if code == OTHER or not code else tuple(code.split("+"))


@dataclass
class LangModel:
    """A trained model: classes, n-gram log-probability deltas and decision settings."""

    classes: list[str]
    index: dict[str, int]
    weights: np.ndarray  # (n_ngrams, n_classes): log P(g|c) minus the class's unseen log-prob
    unseen: np.ndarray  # (n_classes,) log-prob of an unseen n-gram
    function_words: dict[str, list[str]]
    params: dict
    codes: list[str] | None = None  # user-facing code of each class
    _fw: dict = field(default=None, init=False, repr=False)

    @property
    def output_codes(self) -> list[str]:
        """The user-facing code of each class (kk_latn and kk_fold are kk, uz_cyrl and uz_latn uz)."""
        if self.codes is not None:
            return self.codes
        return [{"uz_cyrl": "uz", "uz_latn": "uz", "tg": OTHER}.get(c, c) for c in self.classes]

    @property
    def vote_codes(self) -> list[str]:
        """The codes words vote for, one score column each after the class columns."""
        return list(dict.fromkeys(self.output_codes))

    @property
    def n_columns(self) -> int:
        """Columns of `score_words`: one per class, then one vote column per code."""
        return len(self.classes) + len(self.vote_codes)

    def score_words(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Score distinct words: (len(words), n_columns) scores and each word's n-gram count.

        The first len(classes) columns are log-likelihoods; the others are 0/1 votes of
        words that clearly belong to one code. Both add up over a text's words."""
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
            from scipy.sparse import csr_matrix

            hits = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(words), len(self.index)))
            scores += hits @ self.weights  # far faster than np.add.at over 21 columns
        self._add_function_words(words, scores)
        return np.hstack([scores, self._votes(words, scores)]), counts

    def _add_function_words(self, words: list[str], scores: np.ndarray) -> None:
        bonus = self.params.get("function_word_bonus", 0.0)
        if bonus:
            fw = self._fw_table()
            for r, w in enumerate(words):
                for c, share in fw.get(w, ()):
                    scores[r, c] += bonus * share
        mb = self.params.get("marker_bonus", 0.0)
        if mb:
            marks = [(self.classes.index(c), re.compile(rx)) for c, rx in MARKERS.items() if c in self.classes]
            for r, w in enumerate(words):
                if _ANY_MARKER.search(w):  # rare: only then look for whose letter it is
                    for c, rx in marks:
                        if rx.search(w):
                            scores[r, c] += mb

    def _votes(self, words: list[str], scores: np.ndarray) -> np.ndarray:
        codes = self.vote_codes
        votes = np.zeros((len(words), len(codes)))
        margin = self.params.get("vote_margin", 1e9)
        if len(words) == 0 or margin >= 1e8:
            return votes
        out = np.asarray(self.output_codes)
        by_code = np.column_stack([scores[:, out == c].max(axis=1) for c in codes])
        top2 = np.partition(by_code, -2, axis=1)[:, -2:] if len(codes) > 1 else by_code
        long = np.fromiter(map(len, words), int, len(words)) >= 3
        clear = (top2[:, -1] - top2[:, 0] >= margin) & long
        # A word of unclear language still counts a thousandth, so that between two
        # languages with as many clear words the one with more words comes first.
        votes[np.flatnonzero(long), by_code[long].argmax(axis=1)] = 0.001
        votes[np.flatnonzero(clear), by_code[clear].argmax(axis=1)] = 1.0
        return votes

    def _fw_table(self) -> dict[str, list[tuple[int, float]]]:
        if self._fw is None:
            ci = {c: i for i, c in enumerate(self.classes)}
            owners: dict[str, list[int]] = {}
            for lang, ws in self.function_words.items():
                for c in [k for k, code in zip(self.classes, self.output_codes) if code == lang]:
                    for w in ws:
                        owners.setdefault(w, []).append(ci[c])
            self._fw = {w: [(c, 1.0 / len(cs)) for c in cs] for w, cs in owners.items()}
        return self._fw

    def decide(self, scores: np.ndarray, counts: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Turn summed text scores and n-gram counts into (codes, confidences).

        `scores` has the class columns and, when given, the vote columns of `score_words`;
        without vote columns no text is called mixed."""
        p = self.params
        k = len(self.classes)
        cls_scores = scores[:, :k]
        codes = np.asarray(self.output_codes, dtype=object)
        best = cls_scores.argmax(axis=1) if len(scores) else np.zeros(0, int)
        z = cls_scores * p["temperature"]
        z = z - z.max(axis=1, keepdims=True)
        prob = np.exp(z)
        prob /= prob.sum(axis=1, keepdims=True)
        # Confidence of the user-facing code: the classes of one code add up.
        conf = np.zeros(len(scores))
        for code in set(self.output_codes):
            mask = codes == code
            hit = mask[best]
            conf[hit] = prob[hit][:, mask].sum(axis=1)
        out = codes[best].copy()
        if scores.shape[1] == self.n_columns and len(scores):
            self._mark_mixed(scores[:, k:], out, conf)
        avg = cls_scores[np.arange(len(scores)), best] / np.maximum(counts, 1)
        unknown = (counts == 0) | (avg < p["reject_below"])
        out[unknown] = OTHER
        conf[counts == 0] = 0.0
        return out.tolist(), np.round(conf, 4)

    def _mark_mixed(self, votes: np.ndarray, out: np.ndarray, conf: np.ndarray) -> None:
        p = self.params
        order = np.argsort(-votes, axis=1, kind="stable")[:, :2]
        rows = np.arange(len(votes))
        a, b = votes[rows, order[:, 0]], votes[rows, order[:, 1]]
        mixed = (np.floor(b) >= p.get("mixed_votes", 2)) & (b >= p.get("mixed_share", 1.0) * (a + b))
        vc = np.asarray(self.vote_codes, dtype=object)
        for r in np.flatnonzero(mixed):
            first, second = vc[order[r, 0]], vc[order[r, 1]]
            out[r] = f"{first}+{second}"
            conf[r] = np.floor(a[r] + b[r]) / np.floor(votes[r]).sum()

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
            return [(OTHER, 0.0)] * len(texts)
        s, n = self.score_words(list(vocab))
        m = csr_matrix((np.ones(len(idx)), idx, indptr), shape=(len(texts), len(vocab)))
        codes, conf = self.decide(np.asarray(m @ s), np.asarray(m @ n).ravel())
        return list(zip(codes, conf.tolist()))


def dump_model(model: LangModel) -> bytes:
    """Serialise a model to gzip-compressed JSON (weights quantised to one byte)."""
    order = sorted(model.index, key=model.index.get)
    step = float(model.weights.max()) / 255 or 1.0
    q = np.clip(np.rint(model.weights / step), 0, 255).astype(np.uint8)
    doc = {"version": 2, "classes": model.classes, "codes": model.output_codes, "ngrams": order,
           "step": step, "weights": base64.b64encode(q.tobytes()).decode(),
           "unseen": model.unseen.tolist(), "params": model.params}
    return gzip.compress(json.dumps(doc, ensure_ascii=False).encode(), 9, mtime=0)  # byte-identical rebuilds


def load_model(data: bytes) -> LangModel:
    """Read a model written by `dump_model`."""
    from shailoo.text.stopwords import shipped_stopwords

    doc = json.loads(gzip.decompress(data))
    k = len(doc["classes"])
    raw = base64.b64decode(doc["weights"])
    if doc.get("version", 1) >= 2:
        w = np.frombuffer(raw, dtype=np.uint8).astype(np.float64) * doc["step"]
    else:
        w = np.frombuffer(raw, dtype=np.float16).astype(np.float64)
    fw = {lang: sorted(shipped_stopwords(lang)) for lang in OURS}
    return LangModel(doc["classes"], {g: i for i, g in enumerate(doc["ngrams"])},
                     w.reshape(-1, k), np.asarray(doc["unseen"]), fw, doc["params"], doc.get("codes"))


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """Identifies the shipped model, so that languages cached with another model are identified again."""
    data = resources.files("shailoo.text").joinpath("data", MODEL_FILE).read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


def default_model() -> LangModel:
    """The model shipped inside the package."""
    data = resources.files("shailoo.text").joinpath("data", MODEL_FILE).read_bytes()
    return load_model(data)


def detect_languages(texts: list[str]) -> list[tuple[str, float]]:
    """Identify the language of each text with the shipped model."""
    return default_model().detect(texts)
