"""Election results beside social-media popularity (as in the Kazakhstan 2019 article):
followers, posts and interactions shares next to vote shares, with Spearman's rank correlation.

`import_results(ws, path)` reads a CSV (encoding and delimiter detected by `shailoo.csvfiles`) with
a candidate (or actor) column, votes (thousands separators of any locale) and/or share (percent);
candidates are matched to registered actors by name or alias, case-insensitively.
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


def _share(text: str | None, line: int, path: Path) -> float | None:
    """A percentage: '93.4', '93,4' or '93.4 %'; empty means not given."""
    text = (text or "").strip().replace("%", "").replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    try:
        value = float(text.replace(",", ".")) if text.count(",") <= 1 and "." not in text else float(text)
    except ValueError:
        raise InputFileError(f"{path.name} line {line}: share '{text[:40]}' is not a percentage.") from None
    if not 0 <= value <= 100:
        raise InputFileError(f"{path.name} line {line}: share {value:g} is not between 0 and 100.")
    return value


def _votes(text: str | None, line: int, path: Path) -> int | None:
    """A vote count with any locale's thousands separators ('1.298.000', '512 300', '512,300');
    anything else refuses the file naming the row (a results table missing a row misleads)."""
    from shailoo.importers.parse import BadValue, parse_count

    if not (text or "").strip():
        return None
    try:
        return parse_count(text.strip(), "votes")
    except BadValue as exc:
        raise InputFileError(f"{path.name} line {line}: {exc}; fix the row and import the file again.") from None


def import_results(ws, path: str | Path, election: str = "") -> dict:
    """Load a results CSV (candidate, votes, share) into `election_results`; return counts and what
    was detected of the file (encoding and delimiter, `csvfiles.detect`)."""
    from shailoo.csvfiles import detect, open_text

    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"There is no file {path}.")
    table = detect(path)
    with open_text(path, table) as fh:
        reader = csv.DictReader(fh, delimiter=table.delimiter)
        header = {h.strip().lower(): h for h in reader.fieldnames or [] if h}
        name_col = next((header[c] for c in _NAME_COLUMNS if c in header), None)
        if name_col is None or not ({"votes", "share"} & header.keys()):
            raise InputFileError(f"{path.name} is not a results file: expected a candidate (or actor) column "
                                 f"and votes and/or share columns (read as {table.describe()}).")
        rows = []
        for line, row in enumerate(reader, start=2):
            name = (row.get(name_col) or "").strip()
            if not name:
                continue
            votes = _votes(row.get(header.get("votes", ""), None), line, path)
            share = _share(row.get(header.get("share", ""), None), line, path)
            rows.append((election, name, votes, share))
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
    return {"candidates": matched[1], "matched": matched[0], "unmatched": matched[1] - matched[0],
            "detected": table.describe()}


def spearman_test(x: list, y: list) -> tuple[float, float] | None:
    """Spearman's rho and its two-sided p-value (scipy.stats.spearmanr, average ranks for ties)
    over the pairs where both values are known; None with fewer than 3 pairs or a constant side."""
    from scipy.stats import spearmanr

    pairs = [(a, b) for a, b in zip(x, y) if a is not None and b is not None]
    if len(pairs) < 3 or len({a for a, _ in pairs}) < 2 or len({b for _, b in pairs}) < 2:
        return None
    res = spearmanr([a for a, _ in pairs], [b for _, b in pairs])
    return float(res.statistic), float(res.pvalue)


def spearman(x: list, y: list) -> float | None:
    """Spearman's rank correlation (scipy); None with fewer than 3 pairs."""
    res = spearman_test(x, y)
    return None if res is None else res[0]


def elections(ws) -> list[str]:
    return [r[0] for r in ws.con.execute("SELECT DISTINCT election FROM election_results ORDER BY 1").fetchall()]


def choose_election(ws, election: str | None) -> str:
    """The election asked for; without one, the only election loaded, else a usage error listing them."""
    names = elections(ws)
    if not names:
        raise UsageError("There are no election results in this workspace; load them with `shailoo results import FILE`.")
    if election is None:
        if len(names) > 1:
            raise UsageError("This workspace holds results of several elections (" + ", ".join(f"'{n}'" for n in names)
                             + "); choose one with --election NAME.")
        return names[0]
    if election not in names:
        raise UsageError(f"There are no results of the election '{election}'; loaded: "
                         + ", ".join(f"'{n}'" for n in names) + ".")
    return election


def popularity_vs_results(ws, flt: PostFilter | None = None, election: str | None = None) -> pa.Table:
    """Set followers, posts and interactions shares of each candidate beside its vote share.

    Unknown is not zero: a matched candidate with no follower count has unknown followers, and
    interactions are summed over posts where they are known (`interactions_unknown` counts the
    others); shares are of the known totals."""
    election = choose_election(ws, election)
    where, params = _where(ws, flt)
    platforms = list(flt.platforms) if flt else []
    fcond = f"AND f.platform IN ({', '.join('?' for _ in platforms)})" if platforms else ""
    return fetch(ws, f"""
        WITH fol AS (   -- each account's latest follower count, summed per actor
            SELECT a.actor_id, sum(f.followers)::BIGINT AS followers FROM accounts a
            JOIN (SELECT * FROM follower_snapshots f WHERE followers IS NOT NULL {fcond}
                  QUALIFY row_number() OVER (PARTITION BY platform, account_id ORDER BY measured_at DESC) = 1) f
              USING (platform, account_id)
            WHERE a.actor_id IS NOT NULL GROUP BY 1),
        act AS (SELECT actor_id, count(*)::BIGINT AS posts, sum(interactions)::BIGINT AS interactions,
                       count(*) FILTER (WHERE interactions IS NULL)::BIGINT AS interactions_unknown
                FROM {engagement_source(ws)} WHERE {where} GROUP BY 1),
        -- a candidate matched to no actor has unknown popularity (NULL), not zero: a misspelt name
        -- must not pull a published correlation
        t AS (SELECT r.candidate, ac.name AS actor, r.votes, r.share AS vote_share_pct,
                     fol.followers,  -- no follower count measured: unknown, not 0
                     CASE WHEN ac.actor_id IS NOT NULL THEN coalesce(act.posts, 0) END AS posts,
                     -- no posts: 0 interactions (a real zero); posts whose interactions are all unknown: NULL
                     CASE WHEN ac.actor_id IS NOT NULL AND act.posts IS NULL THEN 0 ELSE act.interactions END
                         AS interactions,
                     CASE WHEN ac.actor_id IS NOT NULL THEN coalesce(act.interactions_unknown, 0) END
                         AS interactions_unknown
              FROM election_results r LEFT JOIN actors ac USING (actor_id)
              LEFT JOIN fol USING (actor_id) LEFT JOIN act USING (actor_id)
              WHERE r.election = ?)
        SELECT candidate, actor, votes, vote_share_pct, followers,
               round(100.0 * followers / nullif(sum(followers) OVER (), 0), 2) AS followers_share_pct,
               posts, round(100.0 * posts / nullif(sum(posts) OVER (), 0), 2) AS posts_share_pct,
               interactions, round(100.0 * interactions / nullif(sum(interactions) OVER (), 0), 2) AS interactions_share_pct,
               interactions_unknown
        FROM t ORDER BY vote_share_pct DESC NULLS LAST, candidate""",
                 platforms + params + [election])


def popularity_correlations(table: pa.Table) -> pa.Table:
    """Spearman's rho (not rounded: rounding is the display's) and its p-value between the vote
    share and each popularity measure, over the candidates where both are known."""
    votes = table.column("vote_share_pct").to_pylist()
    out: dict[str, list] = {"measure": [], "spearman_rho": [], "p_value": [], "candidates": []}
    # Rank the raw counts (shares are rounded to 2 decimals, which can invent ties).
    for measure in ("followers", "posts", "interactions"):
        values = table.column(measure).to_pylist()
        res = spearman_test(values, votes)
        out["measure"].append(measure)
        out["spearman_rho"].append(None if res is None else res[0])
        out["p_value"].append(None if res is None else res[1])
        out["candidates"].append(sum(1 for a, b in zip(values, votes) if a is not None and b is not None))
    return pa.table(out, schema=pa.schema([("measure", pa.string()), ("spearman_rho", pa.float64()),
                                           ("p_value", pa.float64()), ("candidates", pa.int64())]))
