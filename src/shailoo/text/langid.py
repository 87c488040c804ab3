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
and summed per text (in numpy here, in SQL over the workspace).

Besides the class scores, each word casts a vote for its language when it is clearly of
one, and for its family (`FAMILIES`: Russian and its Slavic neighbours share so many
n-grams that a word is often clearly Slavic but not clearly Russian rather than Ukrainian).
No single word decides a text: where the summed scores choose one family but more words
clearly vote for another, bounded word scores decide (each word's log-likelihood against
its own best class floored at `-word_cap`), so a few words full of Kazakh letters do not
outvote a Russian sentence; the raw scores still decide what is too unlike every class
(`other`). A text whose language votes split between two languages (the smaller at least
`mixed_share` of them) is `A+B`.
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
# Languages that share so many n-grams that a word is often clearly one of them but not
# clearly which: their votes are pooled when deciding whether a text is mixed.
FAMILIES = {"ru": "slavic", "uk": "slavic", "be": "slavic", "bg": "slavic", "mk": "slavic", "sr": "slavic"}
# A word's log-likelihood against its best class is floored here (models without a
# `word_cap` parameter): the margin that makes a word a clear vote (`vote_margin`).
WORD_CAP = 12.0
# Clear words the families' leader needs beyond those of the class the summed scores chose
# before bounded scores decide instead (if they too choose that family).
LEAD_VOTES = 1


def _clear(by: np.ndarray, margin: float) -> np.ndarray:
    """Rows whose best column leads the second by at least `margin`."""
    if by.shape[1] < 2:
        return np.ones(len(by), dtype=bool)
    top2 = np.partition(by, -2, axis=1)[:, -2:]
    return top2[:, -1] - top2[:, 0] >= margin


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
    def families(self) -> list[str]:
        """The families of `FAMILIES` with a member among the codes, one vote column each."""
        return list(dict.fromkeys(FAMILIES[c] for c in self.vote_codes if c in FAMILIES))

    @property
    def n_columns(self) -> int:
        """Columns of `score_words`: one per class, one vote column per code and per
        family, then one bounded score per class."""
        return 2 * len(self.classes) + len(self.vote_codes) + len(self.families)

    def score_words(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Score distinct words: (len(words), n_columns) scores and each word's n-gram count.

        The first len(classes) columns are log-likelihoods; then 0/1 votes of words that
        clearly belong to one code; then each class's log-likelihood minus the word's best
        one, floored at -word_cap. All add up over a text's words."""
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
        cap = self.params.get("word_cap", WORD_CAP)
        best = scores.max(axis=1, keepdims=True) if len(words) else 0.0
        bounded = np.maximum(scores - best, -cap)
        return np.hstack([scores, self._votes(words, scores), bounded]), counts

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
        codes, fams = self.vote_codes, self.families
        votes = np.zeros((len(words), len(codes) + len(fams)))
        margin = self.params.get("vote_margin", 1e9)
        if len(words) == 0 or margin >= 1e8:
            return votes
        out = np.asarray(self.output_codes)
        by_code = np.column_stack([scores[:, out == c].max(axis=1) for c in codes])
        long = np.fromiter(map(len, words), int, len(words)) >= 3
        best = by_code.argmax(axis=1)
        # A word of unclear language still counts a thousandth, so that between two
        # languages with as many clear words the one with more words comes first.
        votes[np.flatnonzero(long), best[long]] = 0.001
        votes[np.flatnonzero(_clear(by_code, margin) & long), best[_clear(by_code, margin) & long]] = 1.0
        # Family votes: a word clearly of the family, whichever member it is.
        fam = [FAMILIES.get(c, c) for c in codes]
        groups = list(dict.fromkeys(fam))
        by_fam = np.column_stack([by_code[:, [f == g for f in fam]].max(axis=1) for g in groups])
        fam_clear = _clear(by_fam, margin) & long
        top_fam = np.asarray(groups, dtype=object)[by_fam.argmax(axis=1)]
        for j, f in enumerate(fams):
            votes[(top_fam == f) & long, len(codes) + j] = 0.001
            votes[(top_fam == f) & fam_clear, len(codes) + j] = 1.0
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

        `scores` has the class columns and, when given, the vote and bounded columns of
        `score_words`; with the class columns alone, the raw scores decide and no text is
        called mixed."""
        p = self.params
        k = len(self.classes)
        cls_scores = scores[:, :k]
        full = scores.shape[1] == self.n_columns and len(scores) > 0
        codes = np.asarray(self.output_codes, dtype=object)
        best = cls_scores.argmax(axis=1) if len(scores) else np.zeros(0, int)
        decisive = cls_scores
        if full:
            # Votes are multiples of 0.001: rounded, the decision does not depend on the order
            # the sums were taken in (a 3-of-12 split is exactly 25% in SQL and in numpy alike).
            votes = np.round(scores[:, k:-k], 6)
            # Where the summed scores and the clear words disagree on the leading family
            # (a few very Kazakh words against a Russian sentence), bounded scores decide.
            bounded = scores[:, -k:]
            pooled, fams = self._pooled(votes)
            fam_of = np.asarray([fams.index(FAMILIES.get(c, c)) for c in self.output_codes])
            lead = pooled.argmax(axis=1)
            rows = np.arange(len(scores))
            ahead = np.floor(pooled[rows, lead]) - np.floor(pooled[rows, fam_of[best]])
            choice = bounded.argmax(axis=1)
            differ = (fam_of[best] != lead) & (ahead >= p.get("lead_votes", LEAD_VOTES)) & (fam_of[choice] == lead)
            best[differ] = choice[differ]
            decisive = np.where(differ[:, None], bounded, cls_scores)
        z = decisive * p["temperature"]
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
        if full:
            self._mark_mixed(votes[:, : len(self.vote_codes)], out, conf)
        # Too unlike every class: judged on the raw scores, whichever class was chosen.
        avg = (cls_scores.max(axis=1) if len(scores) else np.zeros(0)) / np.maximum(counts, 1)
        unknown = (counts == 0) | (avg < p["reject_below"])
        out[unknown] = OTHER
        conf[counts == 0] = 0.0
        return out.tolist(), np.round(conf, 4)

    def _pooled(self, votes: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Votes per family (a language outside `FAMILIES` is a family of its own) from
        the code and family vote columns."""
        codes, fams = self.vote_codes, self.families
        groups = list(dict.fromkeys(FAMILIES.get(c, c) for c in codes))
        cols = [votes[:, len(codes) + fams.index(g)] if g in fams else votes[:, codes.index(g)] for g in groups]
        return np.column_stack(cols), groups

    def _mark_mixed(self, votes: np.ndarray, out: np.ndarray, conf: np.ndarray) -> None:
        # Votes of one family are not pooled here: a foreign name in a Kyrgyz or Mongolian
        # post is clearly Slavic, and pooling would call such posts mixed.
        p = self.params
        order = np.argsort(-votes, axis=1, kind="stable")[:, :2]
        rows = np.arange(len(votes))
        a, b = votes[rows, order[:, 0]], votes[rows, order[:, 1]]
        mixed = (np.floor(b) >= p.get("mixed_votes", 2)) & (b >= p.get("mixed_share", 1.0) * (a + b) - 1e-9)
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
def model_fingerprint() -> str:
    """Identifies the shipped model, so that languages cached with another model are identified again."""
    data = resources.files("shailoo.text").joinpath("data", MODEL_FILE).read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


@lru_cache(maxsize=1)
def default_model() -> LangModel:
    """The model shipped inside the package."""
    data = resources.files("shailoo.text").joinpath("data", MODEL_FILE).read_bytes()
    return load_model(data)


def detect_languages(texts: list[str]) -> list[tuple[str, float]]:
    """Identify the language of each text with the shipped model."""
    return default_model().detect(texts)
