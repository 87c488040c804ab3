"""Kleinberg's burst detection against the reference: R's bursts::kleinberg (figures committed in
bursts_reference_r.json, with where they came from) and a line-by-line Python port of its Viterbi."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from shailoo.analysis.bursts import batched_bursts, kleinberg, kleinberg_batched, optimal_states, spread_ties
from shailoo.errors import UsageError

REFERENCE = json.loads((Path(__file__).parent / "bursts_reference_r.json").read_text())


def r_port(offsets, s=2.0, gamma=1.0):
    """R's kleinberg transcribed loop for loop (states, which.min ties, burst table)."""
    offsets = np.sort(np.asarray(offsets, float))
    gaps = np.diff(offsets)
    T, n = gaps.sum(), len(gaps)
    k = math.ceil(1 + math.log(T) / math.log(s) + math.log(1 / gaps.min()) / math.log(s))
    g = gamma * math.log(n)
    alpha = [s ** x / (T / n) for x in range(k)]
    C = [0.0] + [math.inf] * (k - 1)
    q = [[] for _ in range(k)]
    for t in range(n):
        Cp, qp = [0.0] * k, [None] * k
        for j in range(k):
            cost = [C[l] + (0 if l >= j else (j - l) * g) for l in range(k)]
            ell = int(np.argmin(cost))
            Cp[j] = cost[ell] - (math.log(alpha[j]) - alpha[j] * gaps[t])
            qp[j] = q[ell] + [j + 1]
        C, q = Cp, qp
    seq = q[int(np.argmin(C))]
    rows, stack, prev = [], [], 0
    for t, qt in enumerate(seq):
        if qt > prev:
            for i in range(1, qt - prev + 1):
                stack.append(len(rows))
                rows.append([prev + i, offsets[t], offsets[t]])
        elif qt < prev:
            for _ in range(prev - qt):
                rows[stack.pop()][2] = offsets[t]
        prev = qt
    for i in stack:
        rows[i][2] = offsets[n]
    return [(lv, float(a), float(b)) for lv, a, b in rows]


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=[c["name"] for c in REFERENCE["cases"]])
def test_same_bursts_as_r(case):
    got = kleinberg(case["times"], case["s"], case["gamma"])
    want = case["expected"]
    assert got.rows() == list(zip(want["level"], map(float, want["start"]), map(float, want["end"])))
    assert got.level[0] == 1 and got.start[0] == min(case["times"])  # level 1 spans the whole series


def test_r_was_given_the_spread_times():
    case = next(c for c in REFERENCE["cases"] if "spread" in c)
    assert len(set(case["times"])) < len(case["times"])
    assert spread_ties(np.array(case["times"])).tolist() == case["spread"]


@pytest.mark.parametrize("seed", range(12))
def test_same_as_a_port_of_the_r_loop(seed):
    rng = np.random.default_rng(seed)
    base = np.cumsum(rng.exponential(rng.uniform(10, 1000), rng.integers(2, 150)))
    if seed % 2:
        at = base[len(base) // 2]
        base = np.concatenate([base, at + np.cumsum(rng.exponential(rng.uniform(0.5, 20), rng.integers(5, 80)))])
    times = np.unique(np.round(base, 3))
    if len(times) < 2:
        return
    s, gamma = [(2, 1), (3, 0.5), (1.5, 2), (2, 0.2)][seed % 4]
    assert kleinberg(times, s, gamma).rows() == r_port(times, s, gamma)


def test_many_blocks_match_the_port():
    # more steps than one block (the engine works in blocks of about √n steps)
    rng = np.random.default_rng(99)
    base = np.cumsum(rng.exponential(100, 5000))
    burst = base[2500] + np.cumsum(rng.exponential(3, 400))
    times = np.unique(np.round(np.concatenate([base, burst]), 2))
    fast = kleinberg(times)
    slow = r_port(times[:800])  # the port is slow: check a prefix exactly, the whole for shape
    assert kleinberg(times[:800]).rows() == slow
    assert fast.level[0] == 1 and fast.end[0] == times[-1]
    assert any(a <= burst[10] <= b for lv, a, b in fast.rows() if lv >= 2)


def test_identical_times_are_spread_not_refused():
    times = [0, 10, 20, 30, 30, 30, 30, 30, 30, 30, 30, 40, 50, 60]
    b = kleinberg(times)
    assert b.level[0] == 1 and len(b) >= 2  # eight posts at one second are a burst
    spread = spread_ties(np.array(times, float))
    assert np.all(np.diff(spread) > 0)
    assert spread[3:11].tolist() == [30 + i / 8 for i in range(8)]  # evenly over the following second
    assert b.rows() == r_port(spread)


def test_ties_spread_within_a_shorter_gap():
    spread = spread_ties(np.array([5.0, 5.0, 5.25]))
    assert spread.tolist() == [5.0, 5.125, 5.25]


def test_one_time_is_level_zero_as_in_r():
    assert kleinberg([7.0]).rows() == [(0, 7.0, 7.0)]


def test_bad_parameters_say_so():
    with pytest.raises(UsageError, match="s must be greater than 1"):
        kleinberg([1, 2, 3], s=1)
    with pytest.raises(UsageError, match="gamma must be positive"):
        kleinberg([1, 2, 3], gamma=0)
    with pytest.raises(UsageError, match="at least one time"):
        kleinberg([])


def naive_viterbi(cost: np.ndarray, up: float) -> list[int]:
    """Plain O(n k²) Viterbi with the lowest state among equal costs, from state 1."""
    n, k = cost.shape
    C = np.array([0.0] + [np.inf] * (k - 1))
    back = np.zeros((n, k), int)
    for t in range(n):
        trans = C[:, None] + up * np.maximum(np.arange(k)[None, :] - np.arange(k)[:, None], 0)
        back[t] = trans.argmin(axis=0)
        C = trans.min(axis=0) + cost[t]
    q = [int(C.argmin())]
    for t in range(n - 1, 0, -1):
        q.append(int(back[t][q[-1]]))
    return [x + 1 for x in reversed(q)]


@pytest.mark.parametrize("seed", range(6))
def test_batched_model_is_the_optimal_sequence(seed):
    rng = np.random.default_rng(seed)
    days = 60
    total = rng.integers(50, 400, days)
    share = np.full(days, 0.05)
    share[20:26] = 0.3
    share[24:25] = 0.6
    relevant = rng.binomial(total, share)
    q = kleinberg_batched(relevant, total, s=2, gamma=1)
    p0 = relevant.sum() / total.sum()
    k = 1
    while p0 * 2 ** k < 1:
        k += 1
    rates = p0 * 2.0 ** np.arange(k)
    cost = -(np.outer(relevant, np.log(rates)) + np.outer(total - relevant, np.log1p(-rates)))
    assert q.tolist() == naive_viterbi(cost, math.log(days))
    spans = batched_bursts(q)
    assert spans[0] == (1, 0, days - 1)
    assert any(lv >= 2 and first <= 21 and last >= 24 for lv, first, last in spans)


def test_batched_without_relevant_items_has_no_burst():
    assert batched_bursts(kleinberg_batched([0, 0, 0], [5, 6, 7])) == [(1, 0, 2)]


def test_engine_single_state():
    assert optimal_states(lambda rows: np.zeros((len(rows), 0)), 5, 1, 1.0).tolist() == [1] * 5
