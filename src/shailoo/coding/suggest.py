"""Assisted coding: a classifier trained on one variable's final codes suggests values for the units
no one has coded yet, with a probability, ordered for active learning (least certain first).

The model is scikit-learn's: TF-IDF of word 1-2-grams (words from the one tokeniser, text/tokens.py)
and of character 2-5-grams inside word boundaries (they carry Kyrgyz and Kazakh case endings,
Russian inflection and Latin/Cyrillic spellings of one name alike), then a logistic regression.
For `post_actor` variables the actor is part of the input: its identity, and the words around its
mention in the post, so a post that praises one candidate and attacks another gets a different
suggestion for each.

Honest evaluation: accuracy and per-value F1 come from stratified k-fold cross-validation over the
final codes the model is trained on (each unit predicted by a model that never saw it). They say
how well the model reproduces the team's codes on units like the coded ones, no more.

Suggestions are kept in `suggestions` (with their model in `coding_models`), never in `codes`:
final_codes never sees them, and the report counts them only when asked, labelled as machine
suggestions.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from shailoo.coding.codebook import Codebook, Variable
from shailoo.errors import CodingError

MIN_CODES = 20         # fewer final codes than this: no model (cross-validation would say nothing)
MIN_PER_VALUE = 2      # a value with fewer examples cannot be in both a training and a held-out fold
MAX_FOLDS = 5
WINDOW = 12            # words on each side of an actor's mention
MAX_TEXT = 20_000      # characters of a post the model reads (hostile texts can be huge)
ORDERS = ("uncertainty", "confidence")


@dataclass
class ModelInfo:
    """A trained model's description and its cross-validated figures."""

    model_id: int
    variable: str
    training_units: int
    cv_accuracy: float
    cv_folds: int
    per_value_f1: dict[str, float]
    baseline: float          # accuracy of always answering the most frequent value
    seconds: float
    multiple: bool = False

    def summary(self, labels: dict[str, str] | None = None) -> str:
        """The sentence printed above every suggestion set."""
        labels = labels or {}
        f1 = ", ".join(f"{labels.get(v, v)} {s:.2f}" for v, s in self.per_value_f1.items())
        what = "exact-match accuracy" if self.multiple else "accuracy"
        return (f"Model {self.model_id} for '{self.variable}': cross-validated {what} {self.cv_accuracy:.1%} "
                f"({self.cv_folds}-fold, each of the {self.training_units:,} final codes it was trained on predicted "
                f"by a model that did not see it; always answering the most frequent value would score "
                f"{self.baseline:.1%}). F1 per value: {f1}. These are machine suggestions, not codes.")


@dataclass
class SuggestionSet:
    model: ModelInfo
    suggestions: pa.Table    # post_id, actor_id, actor, variable, value, label, probability, margin, ...
    units: int               # uncoded units the model was asked about
    labels: dict[str, str] = field(default_factory=dict)


# -- the units and their texts ---------------------------------------------------------------------

_TEXT = "left(concat_ws(' ', p.title, coalesce(p.text_norm, p.text), p.description, p.link_text), " + str(MAX_TEXT) + ")"


def _training_units(con, variable: Variable, sample: str | None) -> list[dict]:
    from shailoo.coding.codes import final_codes

    final = final_codes(con, [variable.name], sample)
    con.register("_sg_final", final)
    try:
        rows = con.execute(f"""
            SELECT f.post_id, f.actor_id, list_sort(list(f.value)) AS vals, any_value(a.name) AS actor,
                   any_value({_TEXT}) AS text, any_value(m.matched) AS matched,
                   any_value(a.aliases) AS aliases
            FROM _sg_final f JOIN posts p USING (post_id)
            LEFT JOIN actors a ON a.actor_id = f.actor_id
            LEFT JOIN mentions m ON m.post_id = f.post_id AND m.actor_id = f.actor_id
            WHERE f.value IS NOT NULL
            GROUP BY f.post_id, f.actor_id ORDER BY f.post_id, f.actor_id NULLS FIRST""").fetchall()
    finally:
        con.unregister("_sg_final")
    names = ("post_id", "actor_id", "vals", "actor", "text", "matched", "aliases")
    return [dict(zip(names, r)) for r in rows]


def _uncoded_units(con, variable: Variable, sample: str | None) -> list[dict]:
    """Units of the sample (every sample's posts when none is named; every post when there is no
    sample) that no coder has coded for this variable."""
    if sample is not None:
        if not con.execute("SELECT 1 FROM samples WHERE name = ?", [sample]).fetchall():
            raise CodingError(f"There is no sample '{sample}'; list the samples with shailoo coding sample list.")
        posts, params = "SELECT post_id FROM sample_posts WHERE sample = ?", [sample]
    elif con.execute("SELECT count(*) FROM sample_posts").fetchall()[0][0]:
        posts, params = "SELECT DISTINCT post_id FROM sample_posts", []
    else:
        posts, params = "SELECT post_id FROM posts WHERE post_type NOT IN ('comment', 'reply')", []
    if variable.unit == "post_actor":
        units = f"SELECT m.post_id, m.actor_id, m.matched FROM mentions m WHERE m.post_id IN ({posts})"
    else:
        units = f"SELECT post_id, NULL::INTEGER AS actor_id, NULL::VARCHAR AS matched FROM ({posts})"
    rows = con.execute(f"""
        WITH u AS ({units})
        SELECT u.post_id, u.actor_id, a.name AS actor, {_TEXT} AS text, u.matched, a.aliases
        FROM u JOIN posts p USING (post_id) LEFT JOIN actors a ON a.actor_id = u.actor_id
        WHERE NOT EXISTS (SELECT 1 FROM codes c WHERE c.post_id = u.post_id AND c.variable = ?
                          AND c.actor_id IS NOT DISTINCT FROM u.actor_id
                          AND c.origin <> 'calibration')  -- practice codes do not code a unit
        ORDER BY u.post_id, u.actor_id""", [*params, variable.name]).fetchall()
    names = ("post_id", "actor_id", "actor", "text", "matched", "aliases")
    return [dict(zip(names, r)) for r in rows]


def mention_window(text: str, forms: list[str], width: int = WINDOW, toks: list[str] | None = None) -> str:
    """The words around the first mention of any of `forms` (a word form, the actor's name or
    aliases) in `text` (its tokens `toks` when already cut); the first words when none is found
    (the actor wrote the post, or a coder added the mention)."""
    from shailoo.text.tokens import words

    toks = words(text or "") if toks is None else toks
    wanted = [w for f in forms if f for w in [words(f)] if w]
    for i in range(len(toks)):
        for form in wanted:
            # a stem match: Жапаровдун starts with жапаров
            if all(i + j < len(toks) and toks[i + j].startswith(form[j][:max(4, len(form[j]) - 2)])
                   for j in range(len(form))):
                return " ".join(toks[max(0, i - width): i + len(form) + width])
    return " ".join(toks[: 2 * width + 1])


def _inputs(units: list[dict], variable: Variable) -> list[dict]:
    """The model's input per unit; each text is cut into words once here, not once per fold."""
    from shailoo.text.tokens import words

    out = []
    for u in units:
        text = u["text"] or ""
        row = {"text": text, "tokens": words(text)}
        if variable.unit == "post_actor":
            window = mention_window(text, [u["matched"], u["actor"], *(u["aliases"] or [])], toks=row["tokens"])
            row.update(window=window, window_tokens=window.split(" ") if window else [],
                       actor=[f"actor_{u['actor_id']}"])
        out.append(row)
    return out


# -- the model -------------------------------------------------------------------------------------

def _field(name: str):
    def pick(rows):
        return [r[name] for r in rows]
    pick.__name__ = f"field_{name}"
    return pick


def _ngrams(tokens: list[str]) -> list[str]:
    """Word 1- and 2-grams of a token list (the tokens come from text/tokens.py, cut once)."""
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _identity(items: list[str]) -> list[str]:
    return items


def build_pipeline(variable: Variable, seed: int = 0, multiple: bool = False):
    """TF-IDF word 1-2-grams + char_wb 2-5-grams (+ the actor and its mention's window for
    post_actor variables) into a logistic regression (one per value for multi-label variables)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def words_of(name: str):
        return make_pipeline(FunctionTransformer(_field(name)),
                             TfidfVectorizer(analyzer=_ngrams, min_df=1, sublinear_tf=True))

    def chars_of(name: str):
        return make_pipeline(FunctionTransformer(_field(name)),
                             TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, lowercase=True,
                                             sublinear_tf=True, max_features=200_000))

    parts = [("words", words_of("tokens")), ("chars", chars_of("text"))]
    if variable.unit == "post_actor":
        parts += [("window_words", words_of("window_tokens")), ("window_chars", chars_of("window")),
                  ("actor", make_pipeline(FunctionTransformer(_field("actor")),
                                          TfidfVectorizer(analyzer=_identity)))]
    model = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced", random_state=seed)
    if multiple:
        from sklearn.multiclass import OneVsRestClassifier

        model = OneVsRestClassifier(model)
    return make_pipeline(FeatureUnion(parts), model)


def _check_enough(variable: Variable, y: list[str] | list[list[str]], multiple: bool) -> dict[str, int]:
    from collections import Counter

    counts = Counter(v for vals in y for v in vals) if multiple else Counter(y)
    n = len(y)
    if n < MIN_CODES:
        raise CodingError(f"'{variable.name}' has {n} final code{'s' if n != 1 else ''}; a model needs at least "
                          f"{MIN_CODES} (and {MIN_PER_VALUE} of every value it should suggest) — code more units first.")
    if len(counts) < 2:
        raise CodingError(f"Every final code of '{variable.name}' is '{next(iter(counts))}'; a model needs at least "
                          "two different values to learn from — code more units first.")
    rare = sorted(v for v, c in counts.items() if c < MIN_PER_VALUE)
    if rare:
        raise CodingError(f"'{variable.name}' has fewer than {MIN_PER_VALUE} final codes of the value(s) "
                          f"{', '.join(rare)}; cross-validation needs {MIN_PER_VALUE} of each — code more units "
                          "with these values first.")
    if multiple and any(c > n - MIN_PER_VALUE for c in counts.values()):
        common = sorted(v for v, c in counts.items() if c > n - MIN_PER_VALUE)
        raise CodingError(f"Nearly every unit of '{variable.name}' has the value(s) {', '.join(common)}; a model "
                          f"needs at least {MIN_PER_VALUE} units without each value — code more units first.")
    return dict(counts)


def train(con: duckdb.DuckDBPyConnection, codebook: Codebook, variable: str, seed: int = 0,
          sample: str | None = None):
    """Fit the model on the variable's final codes and cross-validate it; return (pipeline, ModelInfo
    without an id, the classes). Raises CodingError with one sentence when the codes are too few."""
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

    var = codebook.variable(variable)
    started = time.perf_counter()
    units = _training_units(con, var, sample)
    multiple = var.multiple
    order = {c: i for i, c in enumerate(var.codes())}
    if multiple:
        y_raw = [sorted(u["vals"], key=lambda v: order.get(v, 99)) for u in units]
    else:
        y_raw = [u["vals"][0] for u in units]
    counts = _check_enough(var, y_raw, multiple)
    values = sorted(counts, key=lambda v: (order.get(v, 99), v))
    X = _inputs(units, var)
    if multiple:
        from sklearn.preprocessing import MultiLabelBinarizer

        binarizer = MultiLabelBinarizer(classes=values)
        y = binarizer.fit_transform(y_raw)
        folds = min(MAX_FOLDS, min(min(c, len(y_raw) - c) for c in counts.values()))
        cv = KFold(n_splits=folds, shuffle=True, random_state=seed)
    else:
        y = np.array(y_raw, dtype=object)
        folds = min(MAX_FOLDS, min(counts.values()))
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    pipe = build_pipeline(var, seed, multiple)
    predicted = cross_val_predict(pipe, X, y, cv=cv)
    accuracy = float(accuracy_score(y, predicted))
    if multiple:
        f1 = f1_score(y, predicted, average=None, zero_division=0)
        baseline = float(accuracy_score(y, np.tile((y.mean(axis=0) >= 0.5).astype(int), (len(y), 1))))
    else:
        f1 = f1_score(y, predicted, labels=values, average=None, zero_division=0)
        baseline = max(counts.values()) / len(y_raw)
    pipe.fit(X, y)
    info = ModelInfo(0, var.name, len(units), accuracy, folds, {v: round(float(s), 4) for v, s in zip(values, f1)},
                     baseline, time.perf_counter() - started, multiple)
    return pipe, info, values


def suggest(con: duckdb.DuckDBPyConnection, codebook: Codebook, variable: str, sample: str | None = None,
            order: str = "uncertainty", seed: int = 0, lang: str = "en") -> SuggestionSet:
    """Train on the final codes, suggest a value for every uncoded unit, store both, and return the
    suggestions ordered by `order` (uncertainty: smallest margin between the two most probable values
    first — the units a coder's answer teaches the model most; confidence: most probable first)."""
    if order not in ORDERS:
        from shailoo.errors import UsageError

        raise UsageError(f"--order must be uncertainty or confidence, not '{order}'.")
    import numpy as np

    var = codebook.variable(variable)
    pipe, info, values = train(con, codebook, variable, seed)  # every final code teaches
    units = _uncoded_units(con, var, sample)
    labels = {v.code: v.labels.get(lang) or v.label for v in var.values}
    if units:
        proba = np.asarray(pipe.predict_proba(_inputs(units, var)))
        classes = values if var.multiple else [str(c) for c in pipe.classes_]
    else:
        proba, classes = np.zeros((0, len(values))), values
    rows = _choose(units, proba, classes, var.multiple)
    info.model_id = _store(con, var, info, rows, codebook.version)
    table = pa.table({
        "post_id": pa.array([r["post_id"] for r in rows], pa.int64()),
        "actor_id": pa.array([r["actor_id"] for r in rows], pa.int32()),
        "actor": pa.array([r["actor"] for r in rows], pa.string()),
        "variable": pa.array([var.name] * len(rows), pa.string()),
        "value": pa.array([r["value"] for r in rows], pa.string()),
        "label": pa.array([labels.get(r["value"], r["value"]) for r in rows], pa.string()),
        "probability": pa.array([r["probability"] for r in rows], pa.float64()),
        "margin": pa.array([r["margin"] for r in rows], pa.float64()),
    })
    key = [("margin", "ascending"), ("post_id", "ascending")] if order == "uncertainty" else \
        [("probability", "descending"), ("post_id", "ascending")]
    table = _with_posts(con, table.sort_by(key))
    return SuggestionSet(info, table, len(units), labels)


def _choose(units: list[dict], proba, classes: list[str], multiple: bool) -> list[dict]:
    """Single-label: the most probable value, and its margin over the second. Multi-label: every
    value with probability ≥ 0.5 (else the most probable), the margin being the closest call to 0.5."""
    import numpy as np

    rows = []
    if len(units) == 0:
        return rows
    if multiple:
        closest = np.abs(proba - 0.5).min(axis=1) * 2
        for u, p, m in zip(units, proba, closest):
            chosen = [i for i in range(len(classes)) if p[i] >= 0.5] or [int(np.argmax(p))]
            rows += [{**u, "value": classes[i], "probability": float(p[i]), "margin": float(m)} for i in chosen]
        return rows
    top2 = np.sort(proba, axis=1)[:, -2:] if proba.shape[1] > 1 else np.hstack([np.zeros_like(proba), proba])
    best = np.argmax(proba, axis=1)
    for u, b, (second, first) in zip(units, best, top2):
        rows.append({**u, "value": classes[b], "probability": float(first), "margin": float(first - second)})
    return rows


def _store(con, var: Variable, info: ModelInfo, rows: list[dict], codebook_version: int) -> int:
    """The model's row, and its suggestions replacing earlier ones for the same units."""
    con.execute("BEGIN TRANSACTION")
    try:
        model_id = con.execute("SELECT coalesce(max(model_id), 0) + 1 FROM coding_models").fetchall()[0][0]
        description = json.dumps({"features": "tfidf word 1-2 + char_wb 2-5" + (
            " + actor + mention window" if var.unit == "post_actor" else ""), "model": "logistic regression",
            "baseline_accuracy": round(info.baseline, 4), "seconds": round(info.seconds, 2),
            "codebook_version": codebook_version, "multiple": var.multiple})
        con.execute("INSERT INTO coding_models VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [model_id, var.name, datetime.now(UTC), info.training_units, info.cv_accuracy, info.cv_folds,
                     json.dumps(info.per_value_f1, ensure_ascii=False), description])
        new = pa.table({"model_id": pa.array([model_id] * len(rows), pa.int32()),
                        "post_id": pa.array([r["post_id"] for r in rows], pa.int64()),
                        "actor_id": pa.array([r["actor_id"] for r in rows], pa.int32()),
                        "variable": pa.array([var.name] * len(rows), pa.string()),
                        "value": pa.array([r["value"] for r in rows], pa.string()),
                        "probability": pa.array([r["probability"] for r in rows], pa.float64())})
        con.register("_sg_new", new)
        try:
            con.execute("""DELETE FROM suggestions s WHERE s.variable = ? AND EXISTS (
                               SELECT 1 FROM _sg_new n WHERE n.post_id = s.post_id
                               AND n.actor_id IS NOT DISTINCT FROM s.actor_id)""", [var.name])
            con.execute("INSERT INTO suggestions SELECT * FROM _sg_new")
        finally:
            con.unregister("_sg_new")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return model_id


def _with_posts(con, table: pa.Table) -> pa.Table:
    """The suggestions with each post's platform, author, excerpt and link, in the same order."""
    con.register("_sg_out", table)
    try:
        return con.sql("""
            SELECT s.*, p.platform, p.url, left(regexp_replace(coalesce(p.text, ''), '\\s+', ' ', 'g'), 160) AS excerpt
            FROM (SELECT *, row_number() OVER () AS _o FROM _sg_out) s JOIN posts p USING (post_id)
            ORDER BY s._o""").to_arrow_table().drop(["_o"])
    finally:
        con.unregister("_sg_out")


def latest_models(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The latest model per variable (for the report and `shailoo coding suggest` listings)."""
    return con.sql("""SELECT * FROM coding_models QUALIFY row_number() OVER (PARTITION BY variable
                      ORDER BY model_id DESC) = 1 ORDER BY variable""").to_arrow_table()


def suggested_units(con: duckdb.DuckDBPyConnection, variables=None) -> pa.Table:
    """Stored suggestions for units that still have no code of that variable (a unit coded since the
    suggestion was made has left the machine's hands): post_id, actor_id, variable, value, probability,
    model_id. The report counts these only with --with-suggestions, labelled as machine suggestions."""
    where, params = "", []
    if variables:
        where = f" AND s.variable IN ({', '.join('?' for _ in variables)})"
        params = list(variables)
    return con.sql(f"""
        SELECT s.post_id, s.actor_id, s.variable, s.value, s.probability, s.model_id FROM suggestions s
        WHERE NOT EXISTS (SELECT 1 FROM codes c WHERE c.post_id = s.post_id AND c.variable = s.variable
                          AND c.actor_id IS NOT DISTINCT FROM s.actor_id AND c.origin <> 'calibration') {where}
        ORDER BY s.variable, s.post_id, s.actor_id NULLS FIRST, s.value""", params=params).to_arrow_table()
