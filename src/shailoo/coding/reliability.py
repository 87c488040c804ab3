"""Inter-coder reliability per variable: Krippendorff's alpha with a bootstrap interval, kappa, AC1.

`reliability_table` reads every coder's current codes (coding.codes.current_codes) and returns one row
per variable (and per value of multi-label variables, or of nominal ones when asked), optionally per
actor, platform or coder pair; `leave_one_out_table` gives alpha with each coder left out. The
numbers come from coding.agreement; this module turns codes into reliability data and rows.

Codes the codebook declares missing (not applicable, can't tell: `Variable.missing_codes()`) and codes
outside the scale are left out, as a coder who did not code the unit; a unit coded by one coder only
carries no information. An undefined coefficient is NULL with the reason in `note`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from itertools import combinations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shailoo.coding import agreement as ag
from shailoo.coding.codebook import Codebook, Variable
from shailoo.errors import CodebookError, CodingError, UsageError

DEFAULT_SEED = 2007
DEFAULT_DRAWS = 2000
MAX_DRAWS = 200_000
BY = ("actor", "platform", "coder-pair")
COLUMNS = ("variable", "value", "level", "alpha", "ci_low", "ci_high", "units", "coders", "pairable_values",
           "kappa", "weighted_kappa", "percent_agreement", "ac1", "note")
GROUP_COLUMNS = {"actor": ("actor_id", "actor"), "platform": ("platform",), "coder-pair": ("coder_pair",)}


@dataclass
class _Data:
    """One variable's current codes as arrays (one entry per code row)."""

    variable: Variable
    unit: np.ndarray        # dense unit id within the variable
    coder: np.ndarray       # dense coder id over all codes
    index: np.ndarray       # index of the value in the scale, -1 for missing/unknown
    is_null: np.ndarray     # the row's value is NULL (a multi-label act that chose no value)
    actor_id: np.ndarray    # -1 for post variables
    platform: np.ndarray    # object array of platform names
    coder_names: list[str]
    actor_names: dict[int, str]


def numbers_of(variable: Variable, level: str | None = None) -> np.ndarray:
    """The numeric values of a scale measured at the interval or ratio level (codes must be finite numbers)."""
    level = level or variable.level
    out = []
    for v in variable.scale():
        try:
            x = float(v.code)
        except ValueError:
            x = float("nan")
        if not np.isfinite(x):
            raise CodebookError(f"Variable '{variable.name}' is measured at the {level} level, whose "
                                f"differences need numbers, but its value '{v.code}' is not a number; give "
                                "numeric codes or choose --level nominal or ordinal.")
        out.append(x)
    return np.array(out, dtype=float)


def _ratio_check(variable: Variable, numbers: np.ndarray) -> None:
    if np.any(numbers < 0):
        raise CodebookError(f"Variable '{variable.name}' has negative values, which the ratio level cannot "
                            "measure (it compares values to zero); choose --level interval.")


def _check_sample(con: duckdb.DuckDBPyConnection, sample: str | None) -> None:
    if sample is not None and not con.execute("SELECT count(*) FROM samples WHERE name = ?", [sample]).fetchone()[0]:
        raise CodingError(f"There is no sample '{sample}'; list the samples with shailoo coding sample list.")


def load(con: duckdb.DuckDBPyConnection, codebook: Codebook, variables: list[Variable],
         sample: str | None = None) -> list[_Data]:
    """Each variable's current codes as arrays; CodingError when no chosen variable has any code."""
    from shailoo.coding.codes import current_codes

    _check_sample(con, sample)
    cur = current_codes(con, [v.name for v in variables], sample)
    if cur.num_rows == 0:
        where = f" in sample '{sample}'" if sample else ""
        raise CodingError(f"There are no codes{where} for {', '.join(v.name for v in variables)} yet; import "
                          "coders' codes with shailoo coding codes import FILE.csv.")
    con.register("_rel_codes", cur)
    try:
        t = con.sql("""
            SELECT c.variable, dense_rank() OVER (PARTITION BY c.variable ORDER BY c.post_id, c.actor_id NULLS FIRST)
                       - 1 AS unit,
                   dense_rank() OVER (ORDER BY c.coder) - 1 AS coder_id, c.coder, c.value,
                   coalesce(c.actor_id, -1) AS actor_id, a.name AS actor, p.platform
            FROM _rel_codes c LEFT JOIN posts p USING (post_id) LEFT JOIN actors a ON a.actor_id = c.actor_id
            ORDER BY c.variable, unit, coder_id, c.value NULLS FIRST""").to_arrow_table()
    finally:
        con.unregister("_rel_codes")
    # Distinct coders and actors (a few), not a loop over the code rows.
    coders = t.group_by(["coder_id", "coder"]).aggregate([]).sort_by("coder_id")
    coder_names = coders["coder"].to_pylist()
    named = t.filter(pc.greater_equal(t["actor_id"], 0)).group_by(["actor_id", "actor"]).aggregate([])
    actors = {int(i): n for i, n in zip(named["actor_id"].to_pylist(), named["actor"].to_pylist()) if n}
    out = []
    for var in variables:
        part = t.filter(pc.equal(t["variable"], var.name))
        index = pc.index_in(part["value"], value_set=pa.array([v.code for v in var.scale()], pa.string()))
        out.append(_Data(var, part["unit"].to_numpy().astype(np.int64), part["coder_id"].to_numpy().astype(np.int64),
                         pc.fill_null(index, -1).to_numpy().astype(np.int64),
                         pc.is_null(part["value"]).to_numpy(zero_copy_only=False),
                         part["actor_id"].to_numpy().astype(np.int64),
                         part["platform"].to_numpy(zero_copy_only=False), coder_names, actors))
    return out


def _first_per_pair(unit: np.ndarray, coder: np.ndarray, n_coders: int) -> np.ndarray:
    """Indices of the first row of each (unit, coder): a single-valued code has one value per coder."""
    _, first = np.unique(unit * n_coders + coder, return_index=True)
    return np.sort(first)


def ratings(d: _Data, keep: np.ndarray | None = None) -> ag.Ratings:
    """Reliability data of a single-valued variable (missing codes and unknown values left out)."""
    ok = d.index >= 0 if keep is None else (d.index >= 0) & keep
    idx = np.flatnonzero(ok)
    idx = idx[_first_per_pair(d.unit[idx], d.coder[idx], len(d.coder_names))]
    return ag.Ratings(d.unit[idx], d.coder[idx], d.index[idx], len(d.variable.scale()))


def presence(d: _Data, value: int, keep: np.ndarray | None = None) -> ag.Ratings:
    """Binary reliability data of one value: 1 when the coder's value set holds it, 0 when it does not.

    A coder counts for a unit when they gave a scale value there (or, multi-label, chose none of the
    values); a coder who gave only missing codes is missing.
    """
    informative = (d.index >= 0) | (d.is_null if d.variable.multiple else False)
    if keep is not None:
        informative &= keep
    idx = np.flatnonzero(informative)
    n_coders = len(d.coder_names)
    key = d.unit[idx] * n_coders + d.coder[idx]
    pairs, inverse = np.unique(key, return_inverse=True)
    has = np.bincount(inverse[d.index[idx] == value], minlength=pairs.size) > 0
    return ag.Ratings(pairs // n_coders, pairs % n_coders, has.astype(np.int64), 2)


def _rng(seed: int, *parts: str) -> np.random.Generator:
    # One stream per row, from the seed and the row's names: a row's interval does not depend on
    # which other rows were asked for.
    return np.random.default_rng([int(seed) & 0xFFFFFFFF] + [zlib.crc32(p.encode("utf-8")) for p in parts])


def _join_notes(notes: list[tuple[str, str]]) -> str | None:
    """'alpha and AC1 undefined: reason' — coefficients with the same reason named together."""
    by_reason: dict[str, list[str]] = {}
    for name, reason in notes:
        by_reason.setdefault(reason, []).append(name)
    parts = []
    for reason, names in by_reason.items():
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(f"{who} undefined: {reason}")
    return "; ".join(parts) or None


def coefficients(r: ag.Ratings, level: str, numbers: np.ndarray | None, rng: np.random.Generator, draws: int,
                 coder_names: list[str]) -> dict:
    """The coefficient columns of one row from reliability data."""
    a = ag.alpha(r, level, numbers)
    notes: list[tuple[str, str]] = []
    reason = a.note
    coded = np.unique(r.coder)
    if a.units == 0 and coded.size == 1:
        reason = f"only one coder ({coder_names[int(coded[0])]}) coded it"
    if a.alpha is None:
        notes.append(("alpha", reason))
    low, high = ag.bootstrap(a, draws, rng)
    agree = ag.percent_agreement(r)
    if agree is None:
        notes.append(("percent agreement", reason))
    ac1, ac1_note = ag.ac1(r)
    if ac1 is None:
        notes.append(("AC1", reason if a.units == 0 else ac1_note))
    kappa = wkappa = None
    pairable_coders = np.unique(r.coder[ag.value_counts(r)[1]])
    if pairable_coders.size == 2:
        x, y = ag.paired(r, int(pairable_coders[0]), int(pairable_coders[1]))
        kappa, k_note = ag.kappa(x, y, r.n_values)
        if kappa is None:
            notes.append(("kappa", k_note))
        if level == "ordinal":
            wkappa, w_note = ag.kappa(x, y, r.n_values, weights="linear")
            if wkappa is None:
                notes.append(("weighted kappa", w_note))
    return {"alpha": a.alpha, "ci_low": low, "ci_high": high, "units": a.units, "coders": a.coders,
            "pairable_values": a.pairable, "kappa": kappa, "weighted_kappa": wkappa, "percent_agreement": agree,
            "ac1": ac1, "note": _join_notes(notes)}


def _level_and_numbers(var: Variable, level: str | None) -> tuple[str, np.ndarray | None]:
    lvl = level or var.level
    if lvl not in ag.LEVELS:
        raise UsageError(f"--level must be one of {', '.join(ag.LEVELS)}, not '{lvl}'.")
    if lvl in ("interval", "ratio"):
        numbers = numbers_of(var, lvl)
        if lvl == "ratio":
            _ratio_check(var, numbers)
        return lvl, numbers
    return lvl, None


def _row_specs(d: _Data, level: str | None, per_value: bool):
    """(value code or None, level, numbers, function keep -> Ratings) for each row of a variable."""
    var = d.variable
    specs = []
    if not var.multiple:
        lvl, numbers = _level_and_numbers(var, level)
        specs.append((None, lvl, numbers, lambda keep: ratings(d, keep)))
    if var.multiple or (per_value and (level or var.level) == "nominal"):
        for k, v in enumerate(var.scale()):
            specs.append((v.code, "nominal", None, lambda keep, k=k: presence(d, k, keep)))
    return specs


def _groups(d: _Data, by: str | None):
    """(group column values, row mask) per group of a breakdown; one group of everything without one."""
    if by is None:
        return [({}, None)]
    if by == "actor":
        ids = np.unique(d.actor_id[d.actor_id >= 0])
        return [({"actor_id": int(i), "actor": d.actor_names.get(int(i))}, d.actor_id == i) for i in ids]
    if by == "platform":
        names = sorted({p for p in np.unique(d.platform[d.platform != None]).tolist()})  # noqa: E711
        return [({"platform": p}, d.platform == p) for p in names]
    coders = np.unique(d.coder)
    return [({"coder_pair": f"{d.coder_names[a]},{d.coder_names[b]}"}, (d.coder == a) | (d.coder == b))
            for a, b in combinations(coders.tolist(), 2)]


def _check_options(by: str | None, draws: int) -> None:
    if by is not None and by not in BY:
        raise UsageError(f"--by must be one of {', '.join(BY)}, not '{by}'.")
    if not 0 <= draws <= MAX_DRAWS:
        raise UsageError(f"--draws must be between 0 and {MAX_DRAWS:,}, not {draws:,}.")


def _variables(codebook: Codebook, variable: str | None, by: str | None) -> list[Variable]:
    chosen = [codebook.variable(variable)] if variable else list(codebook.variables)
    if by == "actor":
        chosen = [v for v in chosen if v.unit == "post_actor"]
        if not chosen:
            raise UsageError("--by actor breaks down variables coded per post and actor (unit post_actor); "
                             f"{'this one is' if variable else 'the codebook has none that are'} coded per post.")
    return chosen


def reliability_table(con: duckdb.DuckDBPyConnection, codebook: Codebook, variable: str | None = None,
                      level: str | None = None, sample: str | None = None, by: str | None = None,
                      seed: int = DEFAULT_SEED, draws: int = DEFAULT_DRAWS, per_value: bool = False) -> pa.Table:
    """Reliability per variable (and value) of the current codes: columns COLUMNS, with the breakdown's
    columns after `value` when `by` is actor, platform or coder-pair."""
    _check_options(by, draws)
    data = load(con, codebook, _variables(codebook, variable, by), sample)
    group_cols = GROUP_COLUMNS.get(by, ())
    rows = []
    for d in data:
        for value, lvl, numbers, make in _row_specs(d, level, per_value):
            for group, keep in _groups(d, by):
                rng = _rng(seed, d.variable.name, value or "", *map(str, group.values()))
                row = {"variable": d.variable.name, "value": value, **group, "level": lvl}
                row.update(coefficients(make(keep), lvl, numbers, rng, draws, d.coder_names))
                rows.append(row)
    names = ("variable", "value") + group_cols + COLUMNS[2:]
    return _table(rows, names)


def leave_one_out_table(con: duckdb.DuckDBPyConnection, codebook: Codebook, variable: str | None = None,
                        level: str | None = None, sample: str | None = None, seed: int = DEFAULT_SEED,
                        draws: int = DEFAULT_DRAWS, per_value: bool = False) -> pa.Table:
    """Alpha with each coder left out (who pulls agreement down): one row per variable (value) and coder,
    with `alpha_all` (every coder) and `alpha_change` = alpha - alpha_all (positive: agreement rises
    without that coder)."""
    _check_options(None, draws)
    data = load(con, codebook, _variables(codebook, variable, None), sample)
    rows = []
    for d in data:
        for value, lvl, numbers, make in _row_specs(d, level, per_value):
            full = ag.alpha(make(None), lvl, numbers).alpha
            for c in np.unique(d.coder).tolist():
                name = d.coder_names[c]
                rng = _rng(seed, d.variable.name, value or "", "without", name)
                row = {"variable": d.variable.name, "value": value, "left_out": name, "level": lvl}
                row.update(coefficients(make(d.coder != c), lvl, numbers, rng, draws, d.coder_names))
                row["alpha_all"] = full
                row["alpha_change"] = None if full is None or row["alpha"] is None else row["alpha"] - full
                rows.append(row)
    names = ("variable", "value", "left_out", "level", "alpha", "alpha_all", "alpha_change", "ci_low", "ci_high",
             "units", "coders", "pairable_values", "percent_agreement", "ac1", "note")
    return _table(rows, names)


_TYPES = {"alpha": pa.float64(), "ci_low": pa.float64(), "ci_high": pa.float64(), "kappa": pa.float64(),
          "weighted_kappa": pa.float64(), "percent_agreement": pa.float64(), "ac1": pa.float64(),
          "alpha_all": pa.float64(), "alpha_change": pa.float64(), "units": pa.int64(), "coders": pa.int64(),
          "pairable_values": pa.int64(), "actor_id": pa.int64()}


def _table(rows: list[dict], names: tuple[str, ...]) -> pa.Table:
    return pa.table({n: pa.array([r.get(n) for r in rows], _TYPES.get(n, pa.string())) for n in names})
