"""Kleinberg's burst detection (Kleinberg 2003, "Bursty and hierarchical structure in streams").

Two forms, one optimal-state engine:

* `kleinberg(offsets, s, gamma)` — the stream model over the times of individual posts. Reference
  semantics: the `kleinberg` function of R's `bursts` package (Jeff Binder, MIT; version 1.0-2):
  the same states (k = ceil(1 + log_s T + log_s(1 / smallest gap))), the same rates
  (alpha_j = s^(j-1) * n / T), the same transition cost ((j - i) * gamma * ln n upwards, nothing
  downwards), the same tie-breaking (the lowest state among equal costs), and the same table: one
  row per burst, nested, level 1 spanning the whole series, start and end the times of the posts
  at which a level is entered and left. tests/analysis/test_bursts_reference.py holds figures R gave.
* `kleinberg_batched(relevant, total, s, gamma)` — the batched model over counts per day: r_t of
  d_t items are relevant; state j has the rate p_0 * s^(j-1) (p_0 = sum r / sum d), states while
  the rate stays below 1; the cost of a day is the binomial one.

Identical times (gaps of zero) make the stream model's rates unbounded and the reference refuses
them. shailoo spreads the m posts that share one time evenly over the following second (or over
the gap to the next time, if shorter): t, t + w/m, …, t + (m-1)w/m. The bursts are those R finds on
the spread times; the table reports the posts' own times.

The optimal state sequence (Viterbi) without a Python loop per post: both models' costs are convex
in the state and the transition cost is convex, so every partial cost C_t is convex and is held by
its slopes. One step then acts on each slope alone, z -> clip(z + delta, 0, gamma ln n), and the
way back is q_{t-1} = clip(q_t, m_{t-1}, p_{t-1}) (m: the first state of least cost, p: the first
state whose next slope reaches gamma ln n). Both are compositions of clamps, computed blockwise
with numpy (O(n·k) work, O(√n) Python steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shailoo.errors import UsageError

SPREAD_WIDTH = 1.0  # seconds over which posts stamped with one time are spread (the clock's resolution)


@dataclass
class Bursts:
    """Bursts as parallel arrays, in the reference's row order (by opening, outer levels first).

    first/last: indexes (into the sorted input) of the posts at which the burst starts and ends.
    """

    level: np.ndarray
    start: np.ndarray
    end: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.level)

    def rows(self) -> list[tuple[int, float, float]]:
        return [(int(a), float(b), float(c)) for a, b, c in zip(self.level, self.start, self.end)]


def _check(s: float, gamma: float) -> None:
    if not s > 1:
        raise UsageError(f"s must be greater than 1 (the ratio between successive rates), not {s}.")
    if not gamma > 0:
        raise UsageError(f"gamma must be positive (the cost of moving up a level), not {gamma}.")


def spread_ties(times: np.ndarray, width: float = SPREAD_WIDTH) -> np.ndarray:
    """Sorted times with identical ones spread evenly after their time (see the module's text)."""
    t = np.sort(np.asarray(times, dtype=np.float64))
    if len(t) < 2:
        return t
    new = np.empty(len(t), dtype=bool)
    new[0] = True
    np.not_equal(t[1:], t[:-1], out=new[1:])
    if new.all():
        return t
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, len(t)))
    values = t[starts]
    room = np.append(np.diff(values), width)
    w = np.minimum(room, width) / counts
    group = np.cumsum(new) - 1
    rank = np.arange(len(t)) - starts[group]
    return values[group] + rank * w[group]


def _states(total: float, smallest: float, s: float) -> int:
    # as R: ceiling(1 + log(T, s) + log(1 / min(gaps), s)), log(x, b) computed as log(x) / log(b)
    return max(1, int(math.ceil(1 + math.log(total) / math.log(s) + math.log(1 / smallest) / math.log(s))))


def kleinberg(offsets, s: float = 2.0, gamma: float = 1.0) -> Bursts:
    """Bursts of a stream of event times (any unit; seconds for posts), as R's bursts::kleinberg."""
    _check(s, gamma)
    t = np.asarray(offsets, dtype=np.float64)
    if t.ndim != 1 or len(t) < 1:
        raise UsageError("Burst detection needs at least one time.")
    if not np.isfinite(t).all():
        raise UsageError("Burst detection needs finite times.")
    t = spread_ties(t)
    if len(t) == 1:  # as R: one event is one burst of level 0
        return Bursts(np.array([0]), t[:1], t[:1], np.array([0]), np.array([0]))
    gaps = np.diff(t)
    n = len(gaps)
    total = float(gaps.sum())
    k = _states(total, float(gaps.min()), s)
    alpha = s ** np.arange(k, dtype=np.float64) / (total / n)
    d_alpha = np.diff(alpha)
    log_s = math.log(s)

    def delta(rows: np.ndarray) -> np.ndarray:
        # slope of the state cost -log(alpha_j) + alpha_j * x between successive states
        return np.multiply.outer(gaps[rows], d_alpha) - log_s

    q = optimal_states(delta, n, k, gamma * math.log(n))
    return bursts_of(q, t)


def optimal_states(delta, n: int, k: int, up: float) -> np.ndarray:
    """The optimal state (1..k) of each of n steps, starting from state 1 before the first step.

    delta(rows) gives, for an array of step indexes, the slopes of their state costs (len(rows), k-1)
    (cost of state j+1 minus cost of state j, increasing in j); `up` is the cost of one level up.
    """
    if k == 1 or n == 0:
        return np.ones(n, dtype=np.int32)
    width = k - 1
    block = max(64, int(math.isqrt(n)) + 1)
    nb = -(-n // block)
    starts = np.arange(nb) * block
    last_valid = n - starts[-1]  # steps in the last block

    def slopes(i: int) -> np.ndarray:
        rows = starts + i
        if i < last_valid:
            return delta(rows)
        d = np.zeros((nb, width))
        d[:-1] = delta(rows[:-1])  # the last block is padded with identities (delta 0 keeps z in [0, up])
        return d

    # 1. each block's composite clamp z -> clip(z + a, lo, hi)
    a = np.zeros((nb, width))
    lo = np.full((nb, width), -np.inf)
    hi = np.full((nb, width), np.inf)
    for i in range(block):
        d = slopes(i)
        a += d
        np.clip(lo + d, 0.0, up, out=lo)
        np.clip(hi + d, 0.0, up, out=hi)
    # 2. the clipped slopes entering each block; before the first step only state 1 is reachable,
    # and climbing costs `up` per level: slopes all `up`
    z0 = np.empty((nb, width))
    z = np.full(width, up)
    for b in range(nb):
        z0[b] = z
        z = np.clip(z + a[b], lo[b], hi[b])
    # 3. each step's first least-cost state m and first state p whose next slope reaches `up`
    m = np.empty(nb * block, dtype=np.int32)
    p = np.empty(nb * block, dtype=np.int32)
    z = z0
    for i in range(block):
        slope = z + slopes(i)
        m[starts + i] = 1 + np.count_nonzero(slope < 0, axis=1)
        p[starts + i] = 1 + np.count_nonzero(slope < up, axis=1)
        z = np.clip(slope, 0.0, up)
    m, p = m[:n], p[:n]
    # 4. back from the last step's best state: q_{t-1} = clip(q_t, m_{t-1}, p_{t-1})
    return _clamp_back(m, p, int(m[-1]))


def _clamp_back(m: np.ndarray, p: np.ndarray, final: int) -> np.ndarray:
    """q_{n-1} = final, q_{t-1} = clip(q_t, m_{t-1}, p_{t-1}): a prefix composition of clamps
    (Hillis–Steele scan, log2 n vectorised rounds)."""
    n = len(m)
    lo = m[:-1][::-1].astype(np.int32)  # applied first: step n-2, then n-3, ...
    hi = p[:-1][::-1].astype(np.int32)
    d = 1
    while d < len(lo):
        inner_lo, inner_hi = lo[:-d].copy(), hi[:-d].copy()
        outer_lo, outer_hi = lo[d:], hi[d:]
        new_lo = np.clip(inner_lo, outer_lo, outer_hi)
        new_hi = np.clip(inner_hi, outer_lo, outer_hi)
        lo[d:], hi[d:] = new_lo, new_hi
        d *= 2
    q = np.empty(n, dtype=np.int32)
    q[-1] = final
    q[:-1] = np.clip(final, lo, hi)[::-1]
    return q


def bursts_of(q: np.ndarray, t: np.ndarray) -> Bursts:
    """The reference's burst table from a state sequence q (one per gap) over sorted times t (n+1)."""
    n = len(q)
    prev = np.concatenate(([0], q[:-1]))
    changes = np.flatnonzero(q != prev)
    level, first, last = [], [], []
    stack: list[int] = []
    for i in changes:
        qi, pi = int(q[i]), int(prev[i])
        if qi > pi:
            for lv in range(pi + 1, qi + 1):
                stack.append(len(level))
                level.append(lv)
                first.append(i)
                last.append(n)
        else:
            for _ in range(pi - qi):
                last[stack.pop()] = i
    first_a, last_a = np.array(first, dtype=np.int64), np.array(last, dtype=np.int64)
    return Bursts(np.array(level, dtype=np.int32), t[first_a], t[last_a], first_a, last_a)


def kleinberg_batched(relevant, total, s: float = 2.0, gamma: float = 1.0, max_states: int = 64) -> np.ndarray:
    """Optimal states (1..k) of batches with `relevant` of `total` items (Kleinberg's batched model).

    State j has the rate p_0 s^(j-1), p_0 the overall share; states go up while the rate is below 1.
    """
    _check(s, gamma)
    r = np.asarray(relevant, dtype=np.float64)
    d = np.asarray(total, dtype=np.float64)
    if r.shape != d.shape or r.ndim != 1:
        raise UsageError("The batched model needs one relevant and one total count per batch.")
    if (r < 0).any() or (r > d).any():
        raise UsageError("Each batch's relevant count must lie between 0 and its total.")
    n = len(r)
    if n == 0:
        return np.ones(0, dtype=np.int32)
    p0 = r.sum() / d.sum() if d.sum() > 0 else 0.0
    if p0 <= 0 or n < 2:
        return np.ones(n, dtype=np.int32)
    k = 1
    while k < max_states and p0 * s ** k < 1:
        k += 1
    rates = p0 * s ** np.arange(k, dtype=np.float64)
    d_log1m = np.diff(np.log1p(-rates))
    log_s = math.log(s)

    def delta(rows: np.ndarray) -> np.ndarray:
        # slope of -r ln p_j - (d - r) ln(1 - p_j) between successive states
        return -np.multiply.outer(r[rows], np.full(k - 1, log_s)) - np.multiply.outer(d[rows] - r[rows], d_log1m)

    return optimal_states(delta, n, k, gamma * math.log(n))


def batched_bursts(q: np.ndarray) -> list[tuple[int, int, int]]:
    """(level, first batch, last batch) of each burst of a batched state sequence, outer levels first."""
    b = bursts_of(q, np.arange(len(q) + 1, dtype=np.float64))
    # a level left at batch i ended with batch i - 1; one still open ends with the last batch
    return [(int(lv), int(f), int(l) - 1) for lv, f, l in zip(b.level, b.first, b.last)]
