"""Near-duplicate texts: clusters of posts whose normalised texts are the same or nearly the same.

The texts are cut by the one tokeniser (`shailoo.text.tokens`; the workspace's token cache
`post_tokens`), lower-cased, with URLs, e-mail addresses, emoji and punctuation left out, so that
a pasted paragraph with another link, another emoji or another line break is still the same text.
Two steps:

1. **Exact duplicates** (cheap): posts whose remaining tokens are identical form one group, when
   they have at least `min_exact_words` tokens ("100 % поддерживаем нашего кандидата" has four).
2. **Near duplicates**: one post of each exact group with at least `min_words` tokens is described
   by the set of its `shingle_size`-word shingles (3 by default); MinHash signatures
   (`num_perm` = 96 multiply-shift hash functions) estimate the Jaccard similarity of two sets,
   and locality-sensitive hashing (bands of rows chosen for the threshold, see `choose_bands`)
   proposes candidate pairs. A pair is kept when its estimated Jaccard similarity is at least
   `threshold` (0.8 by default: four of five shingles shared). Clusters are the connected
   components of the kept pairs and the exact groups together, so A ~ B and B ~ C put A and C in
   one cluster even when A and C are less alike (single linkage, as near-duplicate detectors do).

The estimate has a standard error of about sqrt(J (1 - J) / num_perm), 0.04 at J = 0.8; LSH misses
a pair at the threshold with a probability of about 1 % (`choose_bands`). Texts shorter than
`min_words` tokens are matched only exactly (a short comment differing in one word shares no
3-word shingle with the other).

Everything is set-oriented: token hashes come out of DuckDB as one Arrow list column, the MinHash
is numpy over all shingles at once (one pass per hash function), the components are SciPy's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from shailoo.errors import UsageError

# Tokens that carry the text: words, numbers, times, hashtags, mentions. Not URLs (a campaign's
# copies often carry different tracking links), e-mail addresses, emoji or sentence ends.
CONTENT_TOKEN_SQL = ("(regexp_matches(t, '^[\\p{L}\\p{Nd}#@]') AND NOT regexp_matches(t, '^(https?://|www\\.)') "
                     "AND (t[1] = '@' OR NOT contains(t, '@')))")


@dataclass(frozen=True)
class NearDuplicateParams:
    threshold: float = 0.8  # Jaccard similarity of the shingle sets
    shingle_size: int = 3  # words per shingle
    min_words: int = 6  # fewer tokens: exact duplicates only
    min_exact_words: int = 3  # fewer tokens: never a duplicate of anything
    num_perm: int = 96
    seed: int = 1

    def check(self) -> None:
        if not 0 < self.threshold <= 1:
            raise UsageError(f"The similarity must lie above 0 and at most 1, not {self.threshold:g}.")
        if not 1 <= self.shingle_size <= 10:
            raise UsageError(f"The shingle size must be 1 to 10 words, not {self.shingle_size}.")
        if self.min_words < self.shingle_size:
            raise UsageError(f"min_words ({self.min_words}) must be at least the shingle size ({self.shingle_size}).")
        if self.min_exact_words < 1 or not 8 <= self.num_perm <= 1024:
            raise UsageError("min_exact_words must be at least 1 and num_perm 8 to 1024.")

    def describe(self) -> str:
        return (f"Jaccard similarity ≥ {self.threshold:g} of {self.shingle_size}-word shingles (MinHash, "
                f"{self.num_perm} hash functions) for texts of {self.min_words}+ words; shorter texts of "
                f"{self.min_exact_words}+ words only when identical after normalisation")


def choose_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the most rows per band (fewest false candidates) that still propose a pair at
    the threshold with probability ≥ 0.99."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        if 1 - (1 - threshold ** rows) ** bands >= 0.99:
            best = (bands, rows)
    return best


EMPTY = pa.table({"post_id": pa.array([], pa.int64()), "cluster": pa.array([], pa.int64()),
                  "exact": pa.array([], pa.bool_())})


def near_duplicates(con, tokens_sql: str, params: NearDuplicateParams | None = None) -> pa.Table:
    """Clusters of near-identical texts among the posts of `tokens_sql` (SQL with columns post_id,
    toks: the tokeniser's list, as in `post_tokens`). Returns (post_id, cluster, exact) for every
    post in a cluster of two or more: `cluster` is the smallest post_id of the cluster, `exact` says
    the post is identical to another (after normalisation) rather than only similar."""
    p = params or NearDuplicateParams()
    p.check()
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _nd_docs AS
        SELECT post_id, hash(array_to_string(ct, ' ')) AS key, len(ct) AS n,
               CASE WHEN len(ct) >= {int(p.min_words)} THEN list_transform(ct, lambda t: hash(t)) END AS th
        FROM (SELECT post_id, list_filter(toks, lambda t: {CONTENT_TOKEN_SQL}) AS ct FROM ({tokens_sql}))
        WHERE len(ct) >= {int(p.min_exact_words)}""")
    try:
        # One representative per exact group; the members follow their representative.
        con.execute("""CREATE OR REPLACE TEMP TABLE _nd_exact AS
            SELECT post_id, min(post_id) OVER (PARTITION BY key) AS rep,
                   count(*) OVER (PARTITION BY key) AS copies FROM _nd_docs""")
        reps = con.sql("""SELECT d.post_id, d.th FROM _nd_docs d
            WHERE d.th IS NOT NULL AND d.post_id IN (SELECT rep FROM _nd_exact) ORDER BY d.post_id""").to_arrow_table()
        pairs = _similar_pairs(reps, p)
        con.register("_nd_pairs", pairs)
        exact = con.sql("SELECT post_id, rep, copies FROM _nd_exact").to_arrow_table()
    finally:
        con.execute("DROP TABLE IF EXISTS _nd_docs")
        con.execute("DROP TABLE IF EXISTS _nd_exact")
    try:
        return _clusters(exact, pairs)
    finally:
        con.unregister("_nd_pairs")


def _similar_pairs(reps: pa.Table, p: NearDuplicateParams) -> pa.Table:
    """Pairs of representatives (a, b) whose estimated Jaccard similarity reaches the threshold."""
    empty = pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.int64())})
    if reps.num_rows < 2:
        return empty
    ids = reps.column("post_id").to_numpy()
    toks = reps.column("th").combine_chunks()
    offsets = toks.offsets.to_numpy()
    values = toks.values.to_numpy().astype(np.uint64, copy=False)
    k = p.shingle_size
    # Shingle hashes: the k token hashes of each window mixed by odd multipliers and rotations.
    # A window must lie inside one post: positions from its start up to len - k.
    n_tok = np.diff(offsets)
    doc_of = np.repeat(np.arange(len(ids)), n_tok)
    pos = np.arange(len(values)) - np.repeat(offsets[:-1], n_tok)
    valid = pos <= (n_tok[doc_of] - k)
    sh = np.zeros(int(valid.sum()), dtype=np.uint64)
    starts = np.flatnonzero(valid)
    mults = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
    with np.errstate(over="ignore"):
        for j in range(k):
            h = values[starts + j] * mults[j % 3]
            sh ^= (h << np.uint64(j * 7 % 64)) | (h >> np.uint64((64 - j * 7 % 64) % 64))
            sh *= np.uint64(0xFF51AFD7ED558CCD)
    sh_doc = doc_of[starts]
    # Every representative has at least one shingle (min_words ≥ shingle_size): segments start here.
    seg = np.flatnonzero(np.r_[True, sh_doc[1:] != sh_doc[:-1]])
    sig = _minhash(sh, seg, p.num_perm, p.seed)
    bands, rows = choose_bands(p.threshold, p.num_perm)
    cand = _candidates(sig, bands, rows, p.seed)
    if not len(cand):
        return empty
    keep = _estimate(sig, cand) >= p.threshold - 1e-9
    cand = cand[keep]
    return pa.table({"a": pa.array(ids[cand[:, 0]], pa.int64()), "b": pa.array(ids[cand[:, 1]], pa.int64())})


def _minhash(sh: np.ndarray, seg: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """Signature matrix (num_perm × documents) of uint32 minima of multiply-shift hashes."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2 ** 63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2 ** 63, size=num_perm, dtype=np.uint64)
    sig = np.empty((num_perm, len(seg)), dtype=np.uint32)
    buf = np.empty(len(sh), dtype=np.uint64)
    shift = np.uint64(32)
    with np.errstate(over="ignore"):
        for i in range(num_perm):
            np.multiply(sh, a[i], out=buf)
            buf += b[i]
            buf >>= shift
            sig[i] = np.minimum.reduceat(buf, seg).astype(np.uint32)
    return sig


def _candidates(sig: np.ndarray, bands: int, rows: int, seed: int) -> np.ndarray:
    """Distinct pairs (i, j), i < j, of documents that agree on every row of some band; within a
    bucket every document is paired with the bucket's first (a star, not all pairs: linear in the
    bucket's size, and the components come out the same when the pairs verify)."""
    n = sig.shape[1]
    rng = np.random.default_rng(seed + 1)
    mult = rng.integers(1, 2 ** 63, size=rows, dtype=np.uint64) | np.uint64(1)
    found = []
    with np.errstate(over="ignore"):
        for band in range(bands):
            key = np.zeros(n, dtype=np.uint64)
            for r in range(rows):
                key = (key ^ sig[band * rows + r].astype(np.uint64)) * mult[r]
            order = np.argsort(key, kind="stable")
            ks = key[order]
            new = np.r_[True, ks[1:] != ks[:-1]]
            first = order[np.flatnonzero(new)][np.cumsum(new) - 1]
            m = first != order
            if m.any():
                found.append(np.stack([first[m], order[m]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def _estimate(sig: np.ndarray, pairs: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """Estimated Jaccard similarity of each pair: the share of hash functions whose minima agree."""
    out = np.empty(len(pairs))
    for s in range(0, len(pairs), chunk):
        a, b = pairs[s:s + chunk, 0], pairs[s:s + chunk, 1]
        out[s:s + chunk] = (sig[:, a] == sig[:, b]).mean(axis=0)
    return out


def _clusters(exact: pa.Table, pairs: pa.Table) -> pa.Table:
    """Connected components of exact groups and similar pairs; clusters of two or more posts."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if exact.num_rows == 0:
        return EMPTY
    post = exact.column("post_id").to_numpy()
    rep = exact.column("rep").to_numpy()
    copies = exact.column("copies").to_numpy()
    order = np.argsort(post)
    post, rep, copies = post[order], rep[order], copies[order]
    idx = np.searchsorted(post, rep)
    a = np.searchsorted(post, pairs.column("a").to_numpy()) if pairs.num_rows else np.empty(0, np.int64)
    b = np.searchsorted(post, pairs.column("b").to_numpy()) if pairs.num_rows else np.empty(0, np.int64)
    src = np.concatenate([np.arange(len(post)), a])
    dst = np.concatenate([idx, b])
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(len(post), len(post)))
    _, label = connected_components(graph, directed=False)
    size = np.bincount(label)
    keep = size[label] >= 2
    # A cluster is named by its smallest post id (posts are sorted: the first of each label).
    first = np.full(len(size), len(post), dtype=np.int64)
    np.minimum.at(first, label, np.arange(len(post)))
    cluster = post[first[label]]
    return pa.table({"post_id": pa.array(post[keep], pa.int64()), "cluster": pa.array(cluster[keep], pa.int64()),
                     "exact": pa.array(copies[keep] >= 2, pa.bool_())})


def workspace_tokens(con, post_ids: str, name: str = "_nd_tokens") -> str:
    """Make the temp table `name` (post_id, toks) for the posts `post_ids` (SQL of one column) and
    return its name: the workspace's token cache where it holds a post's current text, the others
    tokenised now by the same tokeniser and not stored (a detection over every post must not turn
    into a cache fill that the report's sampled text sections avoid)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {workspace_tokens_sql(con, post_ids)}")
    return name


def workspace_tokens_sql(con, post_ids: str) -> str:
    """The SQL of `workspace_tokens`' table, to read once without storing it (a detection that
    reads the tokens a single time need not copy a million token lists first)."""
    from shailoo.text.post_tokens import VERSION
    from shailoo.text.tokens import token_sql

    text = "coalesce(p.text_norm, p.text, '')"
    try:
        cached = con.execute("SELECT version FROM post_tokens_version").fetchall() == [(VERSION,)]
    except Exception:  # noqa: BLE001 - no cache in this workspace (yet)
        cached = False
    if cached:
        return f"""SELECT p.post_id, coalesce(t.toks, {token_sql(text)}) AS toks
            FROM posts p LEFT JOIN post_tokens t ON t.post_id = p.post_id AND t.text_hash = hash({text})
            WHERE p.post_id IN ({post_ids})"""
    return f"SELECT p.post_id, {token_sql(text)} AS toks FROM posts p WHERE p.post_id IN ({post_ids})"
