"""Text analyses as Arrow tables, for notebooks and scripts (the CLI's `shailoo terms`, `kwic`, …).

>>> import shailoo, shailoo.texts
>>> ws = shailoo.open("kg2026")
>>> shailoo.texts.kwic(ws, "шайлоо").num_rows

Every function takes the filters of `shailoo.api.select` as keywords (`period`, `platform`,
`category`, `actor`, `since`, `until`, `all_posts`) and covers the monitoring period by default.
Text options use scikit-learn's names: `stop_words`, `stem`, `language`, `kinds`, `min_chars`
(docs/text.md). A workspace opened read-only keeps the languages it identifies in memory.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from shailoo.api import select
from shailoo.store.workspace import Workspace

__all__ = ["terms", "ngrams", "kwic", "assoc", "clusters", "topics"]


def _options(language: str | None = None, stop_words: bool = True, stem: bool = True,
             kinds: tuple[str, ...] = ("word",), min_chars: int = 2):
    from shailoo.text.pipeline import TextOptions

    return TextOptions(language=language, stop_words=stop_words, stem=stem, kinds=tuple(kinds), min_chars=min_chars)


def terms(ws: Workspace, by: str = "none", top: int = 20, *, language: str | None = None, stop_words: bool = True,
          stem: bool = True, kinds: tuple[str, ...] = ("word",), min_chars: int = 2, **filters) -> pa.Table:
    """Count the most frequent terms: `count` (occurrences) and `support` (posts).

    Args:
        ws: an open workspace.
        by: none, platform, period, category, actor, language, week or day.
        top: terms per group (0 for all).
        language, stop_words, stem, kinds, min_chars: how posts become terms (docs/text.md).
        **filters: see `shailoo.api.select`.
    """
    from shailoo.analysis.text_terms import terms as _terms

    flt, _ = select(ws, **filters)
    return _terms(ws, flt, _options(language, stop_words, stem, kinds, min_chars), by, top).table


def ngrams(ws: Workspace, n: int = 2, top: int = 20, measure: str = "frequency", min_count: int = 3, *,
           language: str | None = None, stop_words: bool = True, stem: bool = True, min_chars: int = 2,
           **filters) -> pa.Table:
    """Count frequent n-grams within sentences, or rank collocations.

    Args:
        ws: an open workspace.
        n: words per n-gram, 2 or 3.
        top: rows (0 for all).
        measure: frequency, llr (log-likelihood G², bigrams) or pmi.
        min_count: collocations seen fewer times are left out.
        **filters: see `shailoo.api.select`.
    """
    from shailoo.analysis.text_ngrams import ngrams as _ngrams

    flt, _ = select(ws, **filters)
    return _ngrams(ws, flt, _options(language, stop_words, stem, min_chars=min_chars), n, top, measure,
                   min_count).table


def kwic(ws: Workspace, query: str, width: int = 40, top: int = 0, translit: bool = True, *,
         language: str | None = None, stem: bool = True, **filters) -> pa.Table:
    """Search posts and return every hit as keyword in context (left, keyword, right) with its post's link.

    Args:
        ws: an open workspace.
        query: words, "phrases", AND, OR, NOT, ( ), prefix*.
        width: characters of context each side.
        top: hits (0 for all).
        translit: also match the query written in the other script.
        **filters: see `shailoo.api.select`.
    """
    from shailoo.analysis.text_kwic import kwic as _kwic

    flt, _ = select(ws, **filters)
    return _kwic(ws, query, flt, _options(language, False, stem), width, top, translit=translit).table


def assoc(ws: Workspace, term: str, min_cor: float = 0.2, top: int = 0, *, language: str | None = None,
          stop_words: bool = True, stem: bool = True, min_chars: int = 2, **filters) -> pa.Table:
    """Find the terms whose counts across posts correlate with `term`'s (R tm's findAssocs).

    Args:
        ws: an open workspace.
        term: the term.
        min_cor: lowest correlation kept (0-1).
        top: rows (0 for all).
        **filters: see `shailoo.api.select`.
    """
    from shailoo.analysis.text_assoc import assoc as _assoc

    flt, _ = select(ws, **filters)
    return _assoc(ws, term, flt, _options(language, stop_words, stem, min_chars=min_chars), min_cor, top).table


def clusters(ws: Workspace, k: int = 11, top_words: int = 10, max_exact: int = 5000, posts: bool = False, *,
             language: str | None = None, stop_words: bool = True, stem: bool = True, min_chars: int = 2,
             **filters) -> pa.Table:
    """Cluster posts with Ward's method on TF-IDF: each cluster's size and top words (or each post's cluster).

    Args:
        ws: an open workspace.
        k: number of clusters.
        top_words: top words per cluster.
        max_exact: posts clustered exactly; above it, a sample and nearest centroids.
        posts: one row per post with its cluster instead of the summary.
        **filters: see `shailoo.api.select`.
    """
    from shailoo.analysis.text_clusters import clusters as _clusters

    flt, _ = select(ws, **filters)
    r = _clusters(ws, flt, _options(language, stop_words, stem, min_chars=min_chars), k=k, top_words=top_words,
                  max_exact=max_exact)
    return r.details if posts else r.table


def topics(ws: Workspace, by: str = "platform", dictionary: str | Path | None = None, **filters) -> pa.Table:
    """Tag posts with dictionary topics and count posts per topic and group.

    Args:
        ws: an open workspace.
        by: platform, week, period, category, actor, language, day or none.
        dictionary: a topics YAML file instead of the workspace's or the shipped one.
        **filters: see `shailoo.api.select`.
    """
    from shailoo.analysis.text_topics import topics as _topics

    flt, _ = select(ws, **filters)
    return _topics(ws, flt, by, dictionary).table
