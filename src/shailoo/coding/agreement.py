"""Agreement coefficients on reliability data held as arrays (the numbers behind `shailoo coding reliability`).

Reliability data of one variable is long: one entry per pairable candidate value, `unit` and `coder` as
dense integer ids, `value` as the index of the value in the variable's scale (missing codes left out).
Everything here is vectorised over units; nothing loops over units in Python.

References:
- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Coincidence matrix o_ck,
  alpha = 1 - D_o / D_e, the ordinal metric on the marginal frequencies n_g of the pairable values.
- Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard reliability measure for
  coding data; Krippendorff (2006/2011), "Algorithm for bootstrapping a distribution of alpha"
  (the KALPHA macro): M pairs are drawn from the cells of the coincidence matrix, not units.
- Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence of high
  agreement (AC1 for several raters and missing ratings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")
CI_LEVEL = 0.95


@dataclass(frozen=True)
class Ratings:
    """Reliability data of one variable: parallel arrays, one entry per (unit, coder) value."""

    unit: np.ndarray     # int64, any ids (made dense here)
    coder: np.ndarray    # int64, any ids
    value: np.ndarray    # int64, index into the scale 0..n_values-1
    n_values: int

    def subset(self, keep: np.ndarray) -> "Ratings":
        return Ratings(self.unit[keep], self.coder[keep], self.value[keep], self.n_values)


@dataclass(frozen=True)
class Alpha:
    alpha: float | None
    note: str | None
    units: int            # units with two or more values (the ones alpha uses)
    coders: int           # coders who gave those values
    pairable: int         # n.. : values in pairable units
    pairs: int            # pairs of values on the same unit: sum of m_u (m_u - 1) / 2
    o: np.ndarray         # coincidence matrix
    delta: np.ndarray     # squared metric differences
    d_e: float            # expected disagreement per pairable value


def value_counts(r: Ratings) -> tuple[np.ndarray, np.ndarray]:
    """(units x values counts of the pairable units, boolean mask of the entries of r in them)."""
    if r.unit.size == 0:
        return np.zeros((0, r.n_values), dtype=np.int64), np.zeros(0, dtype=bool)
    uniq, dense = np.unique(r.unit, return_inverse=True)
    counts = np.bincount(dense * r.n_values + r.value, minlength=uniq.size * r.n_values)
    counts = counts.reshape(uniq.size, r.n_values)
    pairable = counts.sum(axis=1) >= 2
    return counts[pairable], pairable[dense]


def coincidences(counts: np.ndarray) -> np.ndarray:
    """o_ck = sum over units of n_uc (n_uk - [c=k]) / (m_u - 1) (Krippendorff 2011, eq. for o_ck)."""
    if counts.shape[0] == 0:
        return np.zeros((counts.shape[1], counts.shape[1]))
    m = counts.sum(axis=1).astype(float)
    weighted = counts / (m - 1)[:, None]
    return counts.T.astype(float) @ weighted - np.diag(weighted.sum(axis=0))


def metric(level: str, n_c: np.ndarray, numbers: np.ndarray | None = None) -> np.ndarray:
    """The squared difference delta^2_ck between the scale's values at a level of measurement.

    ordinal uses the marginal frequencies n_g of the pairable values (Krippendorff 2011):
    (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2; interval and ratio use the values' numbers.
    """
    v = n_c.size
    if level == "nominal":
        return 1.0 - np.eye(v)
    if level == "ordinal":
        cum = np.concatenate(([0.0], np.cumsum(n_c)))
        i, k = np.minimum.outer(np.arange(v), np.arange(v)), np.maximum.outer(np.arange(v), np.arange(v))
        between = cum[k + 1] - cum[i]
        return (between - (n_c[:, None] + n_c[None, :]) / 2.0) ** 2
    if numbers is None:
        raise ValueError(f"the {level} metric needs the values' numbers")
    diff = np.subtract.outer(numbers, numbers)
    if level == "interval":
        return diff ** 2
    if level == "ratio":
        total = np.add.outer(numbers, numbers)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total == 0, 0.0, (diff / np.where(total == 0, 1.0, total)) ** 2)
    raise ValueError(f"unknown level {level!r}")


def alpha(r: Ratings, level: str, numbers: np.ndarray | None = None) -> Alpha:
    """Krippendorff's alpha of reliability data at a level; alpha None with a note when undefined."""
    counts, in_pairable = value_counts(r)
    o = coincidences(counts)
    n_c = o.sum(axis=0)
    n = float(n_c.sum())
    delta = metric(level, n_c, numbers)
    coders = int(np.unique(r.coder[in_pairable]).size)
    units = int(counts.shape[0])
    pairable = int(round(n))
    m_u = counts.sum(axis=1)
    pairs = int(np.sum(m_u * (m_u - 1)) // 2)
    if units == 0:
        note = ("no unit was coded by two or more coders" if r.unit.size else "no codes")
        return Alpha(None, note, 0, coders, 0, 0, o, delta, 0.0)
    d_e = float((np.outer(n_c, n_c) - np.diag(n_c)).ravel() @ delta.ravel()) / (n * (n - 1))
    if d_e <= 0:
        note = "no variation: every pairable value is the same" if np.count_nonzero(n_c) <= 1 else \
            "no expected disagreement at this level (the values used do not differ on its metric)"
        return Alpha(None, note, units, coders, pairable, pairs, o, delta, 0.0)
    d_o = float(o.ravel() @ delta.ravel()) / n
    return Alpha(1.0 - d_o / d_e, None, units, coders, pairable, pairs, o, delta, d_e)


def bootstrap(a: Alpha, draws: int, rng: np.random.Generator,
              level: float = CI_LEVEL) -> tuple[float | None, float | None]:
    """The bootstrap interval of alpha as Hayes & Krippendorff (2007) describe it (the KALPHA macro).

    Not units but pairs of values are resampled: M pairs, M = the number of pairs of values on the
    same unit in the data (239 in their Table 1), drawn with replacement from the cells of the
    coincidence matrix (unordered cell c<=k with probability o_cc/n.. on the diagonal, 2 o_ck/n..
    off it, which weighs a unit's pairs by 1/(m_u - 1) as the coincidences do); a resample's alpha is
    1 - sum(delta) / (M D_e), floored at -1. As in the macro, a resample of agreeing pairs only where
    a single value is on the diagonal has no variation and counts as 0, and otherwise as many
    resamples at exactly 1 as chance alone would give, round(X sum_c (o_cc/n..)^M), are set to 0.
    The ends are the sorted resamples at positions max(trunc(X (1-level)/2), 1) and
    min(trunc(X (1+level)/2) + 1, X) (1-based), as KALPHA prints them. (The macro's 2011 revision
    caps M at 25 times the non-zero cells to save time; counts drawn from a multinomial cost the
    same for any M, and the cap would widen the interval of large data, so it is not applied.)
    """
    if a.alpha is None or draws <= 0 or a.pairs < 1:
        return None, None
    n = float(a.o.sum())
    upper = np.triu_indices(a.o.shape[0])
    p = np.clip(np.where(upper[0] == upper[1], a.o[upper], 2.0 * a.o[upper]) / n, 0.0, None)
    p = p / p.sum()
    m = a.pairs
    sums = rng.multinomial(m, p, size=draws) @ a.delta[upper]
    boot = np.maximum(1.0 - sums / (m * a.d_e), -1.0)
    diag = np.diag(a.o)
    ones = sums <= 1e-12
    if np.count_nonzero(diag > 1e-12) == 1:
        boot[ones] = 0.0
    else:
        chance = int(round(draws * float(np.sum((diag / n) ** m))))
        boot[np.flatnonzero(ones)[:chance]] = 0.0
    boot.sort()
    low = max(int((1.0 - level) / 2.0 * draws), 1)
    high = min(int((1.0 + level) / 2.0 * draws) + 1, draws)
    return float(boot[low - 1]), float(boot[high - 1])


def percent_agreement(r: Ratings) -> float | None:
    """Share of agreeing pairs among all pairs of values on the same unit (two coders: share of units)."""
    counts, _ = value_counts(r)
    m = counts.sum(axis=1)
    pairs = float(np.sum(m * (m - 1)))
    if pairs == 0:
        return None
    return float(np.sum(counts * (counts - 1))) / pairs


def ac1(r: Ratings) -> tuple[float | None, str | None]:
    """Gwet's AC1 on the pairable units: (p_a - p_e) / (1 - p_e), p_e = sum_k pi_k (1 - pi_k) / (Q - 1).

    p_a averages each unit's share of agreeing pairs; pi_k averages each unit's share of value k;
    Q is the number of values on the scale (Gwet 2008, several raters, missing ratings).
    """
    counts, _ = value_counts(r)
    if counts.shape[0] == 0:
        return None, "no unit was coded by two or more coders"
    if r.n_values < 2:
        return None, "the scale has fewer than two values"
    m = counts.sum(axis=1).astype(float)
    p_a = float(np.mean(np.sum(counts * (counts - 1), axis=1) / (m * (m - 1))))
    pi = np.mean(counts / m[:, None], axis=0)
    p_e = float(np.sum(pi * (1 - pi))) / (r.n_values - 1)
    if p_e >= 1:
        return None, "chance agreement is 1"
    return (p_a - p_e) / (1 - p_e), None


def paired(r: Ratings, coder_a: int, coder_b: int) -> tuple[np.ndarray, np.ndarray]:
    """The two coders' values on the units both coded, aligned by unit."""
    a, b = r.coder == coder_a, r.coder == coder_b
    ua, ia = np.unique(r.unit[a], return_index=True)
    ub, ib = np.unique(r.unit[b], return_index=True)
    common, ja, jb = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
    return r.value[a][ia[ja]], r.value[b][ib[jb]]


def kappa(x: np.ndarray, y: np.ndarray, n_values: int, weights: str | None = None) -> tuple[float | None, str | None]:
    """Cohen's kappa of two coders' aligned values; weights='linear' uses |i - j| on the scale's positions.

    1 - sum(w * observed) / sum(w * expected), expected from the two coders' own marginals.
    """
    if x.size == 0:
        return None, "the two coders coded no unit in common"
    obs = np.bincount(x * n_values + y, minlength=n_values * n_values).reshape(n_values, n_values) / x.size
    exp = np.outer(obs.sum(axis=1), obs.sum(axis=0))
    idx = np.arange(n_values)
    w = np.abs(np.subtract.outer(idx, idx)).astype(float) if weights == "linear" else 1.0 - np.eye(n_values)
    expected = float(np.sum(w * exp))
    if expected <= 0:
        return None, "no variation: both coders gave one and the same value throughout"
    return 1.0 - float(np.sum(w * obs)) / expected, None
