"""Election results beside social-media popularity (as in the Kazakhstan 2019 article):
followers, posts and interactions shares next to vote shares, with Spearman's rank correlation.

`import_results(ws, path)` reads a CSV with a candidate (or actor) column, votes and/or share
(percent); candidates are matched to registered actors by name or alias, case-insensitively.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.metrics import _where
from shailoo.analysis.snapshot import engagement_source, fetch
from shailoo.errors import InputFileError, UsageError

_NAME_COLUMNS = ("candidate", "actor", "name", "party")


def _number(text: str | None, what: str, line: int, path: Path) -> float | None:
    text = (text or "").strip().replace("%", "").replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".") if what == "share" else text.replace(",", "")
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise InputFileError(f"{path.name} line {line}: {what} '{text}' is not a number.") from None


def import_results(ws, path: str | Path, election: str = "") -> dict:
    """Load a results CSV (candidate, votes, share) into `election_results`; return counts."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"There is no file {path}.")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = {h.strip().lower(): h for h in reader.fieldnames or []}
        name_col = next((header[c] for c in _NAME_COLUMNS if c in header), None)
        if name_col is None or not ({"votes", "share"} & header.keys()):
            raise InputFileError(f"{path.name} is not a results file: expected a candidate (or actor) column "
                                 "and votes and/or share columns.")
        rows = []
        for line, row in enumerate(reader, start=2):
            name = (row.get(name_col) or "").strip()
            if not name:
                continue
            votes = _number(row.get(header.get("votes", ""), None), "votes", line, path)
            share = _number(row.get(header.get("share", ""), None), "share", line, path)
            rows.append((election, name, None if votes is None else int(votes), share))
    if not rows:
        raise InputFileError(f"{path.name} has no result rows.")
    total = sum(r[2] or 0 for r in rows)
    now = datetime.now(timezone.utc)
    con = ws.con
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM election_results WHERE election = ?", [election])
        for e, name, votes, share in rows:
            if share is None and votes is not None and total:
                share = round(100.0 * votes / total, 2)  # share of the votes listed, when the file gives none
            con.execute("INSERT INTO election_results VALUES (?, ?, NULL, ?, ?, ?, ?)",
                        [e, name, votes, share, path.name, now])
        con.execute("""UPDATE election_results r SET actor_id = a.actor_id FROM actors a
                       WHERE r.election = ? AND (lower(a.name) = lower(r.candidate)
                             OR list_contains(list_transform(a.aliases, lambda x: lower(x)), lower(r.candidate)))""",
                    [election])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    matched = con.execute("SELECT count(actor_id), count(*) FROM election_results WHERE election = ?",
                          [election]).fetchall()[0]
    return {"candidates": matched[1], "matched": matched[0], "unmatched": matched[1] - matched[0]}


def spearman(x: list[float], y: list[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None with fewer than 3 pairs."""
    import numpy as np

    pairs = [(a, b) for a, b in zip(x, y) if a is not None and b is not None]
    if len(pairs) < 3:
        return None

    def ranks(v):
        arr = np.asarray(v, dtype=float)
        order = arr.argsort(kind="mergesort")
        r = np.empty(len(arr))
        r[order] = np.arange(1, len(arr) + 1)
        for value in np.unique(arr):  # ties share their mean rank
            r[arr == value] = r[arr == value].mean()
        return r

    rx, ry = ranks([p[0] for p in pairs]), ranks([p[1] for p in pairs])
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def popularity_vs_results(ws, flt: PostFilter | None = None, election: str | None = None) -> pa.Table:
    """Set followers, posts and interactions shares of each candidate beside its vote share."""
    if election is None:
        rows = ws.con.execute("SELECT DISTINCT election FROM election_results ORDER BY 1").fetchall()
        if not rows:
            raise UsageError("There are no election results in this workspace; load them with `shailoo results import FILE`.")
        election = rows[0][0]
    where, params = _where(ws, flt)
    platform = (flt.platform if flt else None)
    fcond = "AND f.platform = ?" if platform else ""
    return fetch(ws, f"""
        WITH fol AS (   -- each account's latest follower count, summed per actor
            SELECT a.actor_id, sum(f.followers)::BIGINT AS followers FROM accounts a
            JOIN (SELECT * FROM follower_snapshots f WHERE followers IS NOT NULL {fcond}
                  QUALIFY row_number() OVER (PARTITION BY platform, account_id ORDER BY measured_at DESC) = 1) f
              USING (platform, account_id)
            WHERE a.actor_id IS NOT NULL GROUP BY 1),
        act AS (SELECT actor_id, count(*)::BIGINT AS posts, sum(interactions)::BIGINT AS interactions
                FROM {engagement_source(ws)} WHERE {where} GROUP BY 1),
        -- a candidate matched to no actor has unknown popularity (NULL), not zero: a misspelt name
        -- must not pull a published correlation
        t AS (SELECT r.candidate, ac.name AS actor, r.votes, r.share AS vote_share_pct,
                     CASE WHEN ac.actor_id IS NOT NULL THEN coalesce(fol.followers, 0) END AS followers,
                     CASE WHEN ac.actor_id IS NOT NULL THEN coalesce(act.posts, 0) END AS posts,
                     CASE WHEN ac.actor_id IS NOT NULL THEN coalesce(act.interactions, 0) END AS interactions
              FROM election_results r LEFT JOIN actors ac USING (actor_id)
              LEFT JOIN fol USING (actor_id) LEFT JOIN act USING (actor_id)
              WHERE r.election = ?)
        SELECT candidate, actor, votes, vote_share_pct, followers,
               round(100.0 * followers / nullif(sum(followers) OVER (), 0), 2) AS followers_share_pct,
               posts, round(100.0 * posts / nullif(sum(posts) OVER (), 0), 2) AS posts_share_pct,
               interactions, round(100.0 * interactions / nullif(sum(interactions) OVER (), 0), 2) AS interactions_share_pct
        FROM t ORDER BY vote_share_pct DESC NULLS LAST, candidate""",
                 ([platform] if platform else []) + params + [election])


def popularity_correlations(table: pa.Table) -> pa.Table:
    """Spearman's rho between the vote share and each popularity share of a popularity table."""
    votes = table.column("vote_share_pct").to_pylist()
    out = {"measure": [], "spearman_rho": [], "candidates": []}
    # Rank the raw counts (shares are rounded to 2 decimals, which can invent ties).
    for measure in ("followers", "posts", "interactions"):
        values = table.column(measure).to_pylist()
        rho = spearman(values, votes)
        out["measure"].append(measure)
        out["spearman_rho"].append(None if rho is None else round(rho, 3))
        out["candidates"].append(sum(1 for a, b in zip(values, votes) if a is not None and b is not None))
    return pa.table(out)
