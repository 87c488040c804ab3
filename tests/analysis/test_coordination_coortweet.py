"""Parity with CooRTweet itself on its own example data (../shared/data/real/coordination).

The expected figures below come from CooRTweet at commit d31a008e7a1d41645519aefea3917d9c3a741518
(version 2.1.3; R/detect_groups.R, calc_group_combinations.R, generate_coordinated_network.R,
flag_speed_share.R, account_stats.R sourced as they are) run by R 4.2.2 (Debian bookworm's
r-base-core) with data.table 1.14.8 and igraph 1.3.5, LC_ALL=C, on russian_coord_tweets.csv read by
`fread` (ids as character, timestamp_share as integer):

    result <- detect_groups(x, time_window, min_participation, remove_loops)
    result <- flag_speed_share(x, result, min_participation, time_window = fast)   # set D only
    g <- generate_coordinated_network(result, edge_weight, subgraph, fast_net)
    account_stats(g, result, weight_threshold = "none")

The md5 figures hash the sorted lines (byte order) each side writes the same way (see `_lines_*`):
pairs "object_id,account_id,account_id_y,content_id,content_id_y,time_delta"; edges
"a,b,weight,symmetry(%.6f),weight_threshold" with a < b; accounts
"account_id,avg_time_delta(%.6f),avg_edge_symmetry_score(%.6f),unique_shares_count".
"""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from shailoo.analysis.coordination import detect_coordination
from tests.conftest import REAL

pytestmark = pytest.mark.shared

# name: (parameters, figures from CooRTweet)
EXPECTED = {
    "A defaults": ({"window": 10, "min_participation": 2, "edge_weight": 0.5}, {
        "pairs": 447, "accounts": 525, "edges": 442, "over": 4, "components": 95, "largest": [35, 30, 23, 21, 15], "threshold": 1.0,
        "md5_pairs": "6cd68e7759f34396a1df0e3ad792f913", "md5_edges": "7367e1d6382641596e62b232094e76c8",
        "md5_accounts": "dea48b8cf4d42c888eebdf9c2e374733",
        "top": [("5067ece9a0bf604c58541342668a0e96", "dcaec387c76f1d26a0d51f61227fdac0", 3, 1.0, 7.0),
             ("2624dcec9ab29c4d2282fe6c16dcf0a4", "eb218d55a59821450ee49d4b9f064206", 2, 0.5, 4.0),
             ("572f3f02cfe0fa8ea0bce4daee92da74", "7d7981de333b1cd4f6be9434527cacf6", 2, 1.0, 6.5)]}),
    "B window 60": ({"window": 60, "min_participation": 2, "edge_weight": 0.5}, {
        "pairs": 3791, "accounts": 2110, "edges": 3721, "over": 60, "components": 23, "largest": [2019, 11, 7, 6, 6], "threshold": 1.0,
        "md5_pairs": "13bc6be69263ef2c4dc2cc7cf4f9ed4f", "md5_edges": "ca8e90d7bb16c3915b56d4ce60d11c4c",
        "md5_accounts": "056539f481a6bf98b2fa6d339ca98bb2",
        "top": [("5067ece9a0bf604c58541342668a0e96", "dcaec387c76f1d26a0d51f61227fdac0", 4, 1.0, 16.75),
             ("036ceb192c4005ec7de7bdeb8bb41305", "cdb444e7150a81af1a3d804bd260bcd4", 3, 2 / 3, 49 / 3),
             ("4aa0fca31143f14ee0470fc106fa8948", "feb40d7a7eb281d09fd67014f493e428", 3, 2 / 3, 118 / 3)]}),
    "C subgraph 1": ({"window": 30, "min_participation": 5, "edge_weight": 0.9, "subgraph": 1}, {
        # threshold: the 0.9 quantile of the full network's 346 weights (1), not of the subgraph's
        "pairs": 353, "accounts": 11, "edges": 6, "over": 6, "components": 5, "largest": [3, 2, 2, 2, 2], "threshold": 1.0,
        "md5_pairs": "cb2d88a262af7dd281a920ebcb2ebd9f", "md5_edges": "53e5e40bac98d5664f06d30e3f176489",
        "md5_accounts": "5f129de74775e48a0ba11384fd427ca9",
        "top": [("5067ece9a0bf604c58541342668a0e96", "dcaec387c76f1d26a0d51f61227fdac0", 3, 1.0, 7.0),
             ("0b49acf8983cfaa1628ab0c1454d41be", "5c10a1e23d788292981b40e4006f4563", 2, 0.5, 23.0),
             ("505dd470041822f34f915d9ec0f2667c", "5c10a1e23d788292981b40e4006f4563", 2, 0.5, 11.0)]}),
    "C full network": ({"window": 30, "min_participation": 5, "edge_weight": 0.9}, {
        "pairs": 353, "accounts": 319, "edges": 346, "over": 6, "components": 3, "threshold": 1.0}),
    "D fast network, subgraph 3": ({"window": 60, "min_participation": 2, "edge_weight": 0.5, "fast_window": 10,
                                        "subgraph": 3}, {
        "pairs": 3791, "accounts": 70, "edges": 112, "over": 14, "components": 1, "largest": [70], "threshold": 1.0,
        "fast_pairs": 447, "fast_edges": 19, "fast_over": 4, "coordinated_fast": 8,
        "md5_pairs": "13bc6be69263ef2c4dc2cc7cf4f9ed4f", "md5_edges": "e3f5d4d41f7e807496ec212c4f07c44f",
        "md5_accounts": "181cc269ff8f3b2b66d55035e34471c4",
        "top": [("5067ece9a0bf604c58541342668a0e96", "dcaec387c76f1d26a0d51f61227fdac0", 4, 1.0, 16.75),
             ("0b49acf8983cfaa1628ab0c1454d41be", "5c10a1e23d788292981b40e4006f4563", 2, 0.5, 23.0),
             ("178485653ae793c9f4a672e0b3500b25", "951944fc88472c99ac2f94293462e1e7", 2, 0.5, 26.0)]}),
    "E loops kept": ({"window": 10, "min_participation": 5, "edge_weight": 0.5, "remove_loops": False}, {
        "pairs": 60, "accounts": 30, "edges": 27, "over": 5, "components": 6, "largest": [10, 7, 6, 3, 2], "threshold": 1.0,
        "md5_pairs": "6b2617e8095f2c3df56ffc729c633c7f", "md5_edges": "a15a397d14a3576f2d21abefa0d30e1e",
        "md5_accounts": "15f77a022c6cf9bd3304fc7deea87abc",
        "top": [("9fa51ef17278c01d13d313741eddfc0b", "9fa51ef17278c01d13d313741eddfc0b", 26, 1.0, 7.3461538461538458),
             ("5c10a1e23d788292981b40e4006f4563", "5c10a1e23d788292981b40e4006f4563", 4, 1.0, 3.5),
             ("5067ece9a0bf604c58541342668a0e96", "dcaec387c76f1d26a0d51f61227fdac0", 3, 1.0, 7.0)]}),
}


@pytest.fixture(scope="module")
def shares() -> pa.Table:
    path = REAL / "coordination" / "russian_coord_tweets.csv"
    types = {"object_id": pa.string(), "account_id": pa.string(), "content_id": pa.string(),
             "timestamp_share": pa.int64()}
    return pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(column_types=types))


def _md5(lines: list[str]) -> str:
    return hashlib.md5(("\n".join(sorted(lines)) + "\n").encode()).hexdigest()


def _f6(value) -> str:
    return "NA" if value is None else f"{value:.6f}"


def _lines_pairs(t: pa.Table) -> list[str]:
    cols = [t[c].to_pylist() for c in ("object_id", "account_id", "account_id_y", "content_id", "content_id_y",
                                       "time_delta")]
    return [",".join(map(str, row)) for row in zip(*cols)]


def _lines_edges(t: pa.Table) -> list[str]:
    rows = zip(*(t[c].to_pylist() for c in ("account_id", "account_id_y", "weight", "edge_symmetry_score",
                                            "weight_threshold")))
    return [f"{a},{b},{w},{_f6(s)},{int(flag)}" for a, b, w, s, flag in rows]


def _lines_accounts(t: pa.Table) -> list[str]:
    rows = zip(*(t[c].to_pylist() for c in ("account_id", "avg_time_delta", "avg_edge_symmetry_score",
                                            "coordinated_shares")))
    return [f"{a},{_f6(d)},{_f6(s)},{n}" for a, d, s, n in rows]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_same_figures_as_coortweet(shares, name):
    params, want = EXPECTED[name]
    r = detect_coordination(shares, communities=False, **params)
    assert r.pairs.num_rows == want["pairs"]
    assert r.accounts.num_rows == want["accounts"]
    assert r.edges.num_rows == want["edges"]
    assert r.summary()["edges_over_threshold"] == want["over"]
    assert r.components.num_rows == want["components"]
    assert r.parameters["weight_threshold"] == want["threshold"]
    if "md5_pairs" not in want:
        return
    assert r.components["accounts"].to_pylist()[:5] == want["largest"]
    assert _md5(_lines_pairs(r.pairs)) == want["md5_pairs"]
    assert _md5(_lines_edges(r.edges)) == want["md5_edges"]
    assert _md5(_lines_accounts(r.accounts)) == want["md5_accounts"]
    edges = {(a, b): (w, s, d) for a, b, w, s, d in zip(*(r.edges[c].to_pylist() for c in (
        "account_id", "account_id_y", "weight", "edge_symmetry_score", "avg_time_delta")))}
    for a, b, w, s, d in want["top"]:
        assert edges[(a, b)][0] == w
        assert edges[(a, b)][1] == pytest.approx(s, rel=1e-12)
        assert edges[(a, b)][2] == pytest.approx(d, rel=1e-12)
    if "fast_pairs" in want:
        assert sum(r.pairs["fast"].to_pylist()) == want["fast_pairs"]
        assert r.edges["weight_fast"].null_count == r.edges.num_rows - want["fast_edges"]
        assert sum(x is True for x in r.edges["weight_threshold_fast"].to_pylist()) == want["fast_over"]
        assert sum(r.accounts["coordinated_fast"].to_pylist()) == want["coordinated_fast"]


def test_coornet_interval_as_coornet_estimates_it(shares):
    """CooRnet at commit 79228734ceb56e2d3cc6da2535ae938472c75081 (R/estimate_coord_interval.R, with
    dplyr 1.1.0 from Debian), run by R 4.2.2 on the same file (expanded = object_id, date =
    timestamp_share as POSIXct UTC), q = 0.1, p = 0.5, printed: Min 0, 1st Qu. 17, Median 1439,
    Mean 9367, 3rd Qu. 9790, Max 479420, and "1439 secs"."""
    from shailoo.analysis.coordination import _connect, _load_shares
    from shailoo.analysis.coordination_coornet import estimate_interval

    con = _connect(None)
    _load_shares(con, shares)
    con.execute("""CREATE TEMP TABLE s AS SELECT object_id, account_id, content_id, timestamp_share AS ts, rn FROM s0
                   WHERE object_id IN (SELECT object_id FROM s0 GROUP BY object_id HAVING count(*) > 1)""")
    interval, summary = estimate_interval(con, 0.1, 0.5)
    assert interval == 1439
    assert (summary["min"], summary["q1"], summary["median"], round(summary["mean"]), summary["max"]) == (
        0, 17, 1439, 9367, 479420)
    assert round(summary["q3"]) in (9790, 9791)  # R's summary prints 4 significant digits
