"""The coordination engine on hand-computed share tables: CooRTweet's window edge cases, its
two-step minimum participation, loops, ties, the threshold; CooRnet's interval, bins and projection;
a brute-force oracle of CooRTweet's pairs on random tables."""

from __future__ import annotations

import itertools
import random

import pyarrow as pa
import pytest

from shailoo.analysis.coordination import detect_coordination
from shailoo.analysis.coordination_graph import r_quantile
from shailoo.errors import UsageError


def table(rows) -> pa.Table:
    """rows: (object_id, account_id, content_id, timestamp_share)."""
    cols = list(zip(*rows)) if rows else [[], [], [], []]
    return pa.table({"object_id": pa.array(cols[0], pa.string()), "account_id": pa.array(cols[1], pa.string()),
                     "content_id": pa.array(cols[2], pa.string()),
                     "timestamp_share": pa.array(cols[3], pa.int64())})


def pair_set(result) -> set[tuple]:
    p = result.pairs
    return set(zip(*(p[c].to_pylist() for c in ("object_id", "account_id", "account_id_y", "time_delta"))))


def test_exactly_window_apart_is_coordinated_one_more_is_not():
    shares = table([("o", "a", "c1", 1000), ("o", "b", "c2", 1010), ("o", "c", "c3", 1011),
                    ("p", "a", "c4", 5000), ("p", "b", "c5", 5000), ("p", "c", "c6", 5000)])
    r = detect_coordination(shares, window=10)
    assert {(o, a, b, d) for o, a, b, d in pair_set(r) if o == "o"} == {("o", "a", "b", 10), ("o", "b", "c", 1)}


def test_pairs_across_time_buckets():
    # window 10: shares at 1009 and 1019 sit in neighbouring buckets; 1005 and 1025 two buckets apart
    shares = table([("o", "a", "c1", 1009), ("o", "b", "c2", 1019), ("q", "a", "c3", 1005), ("q", "b", "c4", 1025)])
    r = detect_coordination(shares, window=10, min_participation=1)
    assert pair_set(r) == {("o", "a", "b", 10)}


def test_same_account_twice_is_a_loop():
    shares = table([("o", "a", "c1", 1000), ("o", "a", "c2", 1005), ("p", "a", "c3", 2000), ("p", "b", "c4", 2001)])
    r = detect_coordination(shares, window=10, min_participation=1)
    assert pair_set(r) == {("p", "a", "b", 1)}
    kept = detect_coordination(shares, window=10, min_participation=1, remove_loops=False)
    assert ("o", "a", "a", 5) in pair_set(kept)
    loop = [e for e in kept.edges.to_pylist() if e["account_id"] == e["account_id_y"]]
    assert loop and loop[0]["weight"] == 1


def test_original_content_is_not_coordinated_with_its_retweets():
    # object t1 is the tweet t1 itself (content_id == object_id): CooRTweet drops such pairs
    shares = table([("t1", "author", "t1", 1000), ("t1", "b", "r1", 1003), ("t1", "c", "r2", 1004)])
    r = detect_coordination(shares, window=10, min_participation=1)
    assert pair_set(r) == {("t1", "b", "c", 1)}


def test_same_content_on_two_objects_counts_twice_in_weight_once_in_contents():
    # one post with two hashtags: two objects, one content each side
    shares = table([("#h1", "a", "c1", 1000), ("#h2", "a", "c1", 1000), ("#h1", "b", "c2", 1002),
                    ("#h2", "b", "c2", 1002)])
    r = detect_coordination(shares, window=10)
    edge = r.edges.to_pylist()[0]
    assert (edge["weight"], edge["n_content_id"], edge["n_content_id_y"], edge["objects"]) == (2, 1, 1, 2)
    assert edge["edge_symmetry_score"] == 1.0


def test_ties_keep_the_account_seen_first_as_the_older_share():
    shares = table([("x", "zed", "c0", 100), ("o", "amy", "c1", 1000), ("o", "zed", "c2", 1000),
                    ("y", "amy", "c3", 3000)])
    r = detect_coordination(shares, window=10, min_participation=1)
    row = r.pairs.to_pylist()[0]
    assert (row["account_id"], row["account_id_y"], row["time_delta"]) == ("zed", "amy", 0)


def test_min_participation_filters_before_and_after():
    # c has one share in the file: out before pairing; d has two shares but one coordinated share,
    # yet its pair with a stays because a has two coordinated shares (CooRTweet keeps a pair when
    # either side qualifies)
    shares = table([("o", "a", "a1", 1000), ("o", "c", "c1", 1001), ("o", "d", "d1", 1002), ("d-own", "d", "d2", 9000),
                    ("p", "a", "a2", 2000), ("p", "b", "b1", 2003), ("b-own", "b", "b2", 9500)])
    r = detect_coordination(shares, window=10, min_participation=2)
    assert pair_set(r) == {("o", "a", "d", 2), ("p", "a", "b", 3)}
    strict = detect_coordination(shares, window=10, min_participation=3)
    assert strict.empty and "at least 3 shares" in strict.no_coordination_sentence()


def test_weight_threshold_is_strictly_above_the_quantile():
    rows = [(f"o{i}", "a", f"a{i}", 1000 * i) for i in range(3)] + [(f"o{i}", "b", f"b{i}", 1000 * i + 1)
                                                                      for i in range(3)]
    rows += [("q", "c", "c1", 50_000), ("q", "d", "d1", 50_001), ("r", "c", "c2", 60_000), ("r", "e", "e1", 60_001),
             ("z", "d", "d2", 70_000), ("z", "e", "e2", 90_000)]
    r = detect_coordination(table(rows), window=10)
    weights = {(e["account_id"], e["account_id_y"]): (e["weight"], e["weight_threshold"]) for e in r.edges.to_pylist()}
    assert weights == {("a", "b"): (3, True), ("c", "d"): (1, False), ("c", "e"): (1, False)}
    assert r.parameters["weight_threshold"] == 1.0
    assert r.components["accounts"].to_pylist() == [3, 2]


def test_r_quantile_is_type_7():
    assert r_quantile([1, 2, 3, 4], 0.5) == 2.5
    assert r_quantile([1, 1, 1, 3], 0.9) == pytest.approx(2.4)
    assert r_quantile([], 0.5) is None


def test_an_object_shared_for_months_costs_only_its_close_shares():
    rows = [("big", f"acc{i % 500}", f"c{i}", 1_600_000_000 + 100 * i) for i in range(20_000)]
    r = detect_coordination(table(rows), window=60, communities=False)
    assert r.empty


def brute_pairs(rows, window, mp):
    """CooRTweet's detect_groups written the slow, obvious way (for random tables)."""
    counts = {}
    for _, acc, _, _ in rows:
        counts[acc] = counts.get(acc, 0) + 1
    first = {}
    for i, (_, acc, _, _) in enumerate(rows):
        first.setdefault(acc, i)
    kept = sorted(((first[r[1]], i, r) for i, r in enumerate(rows) if counts[r[1]] >= mp))
    pairs = []
    for (_, _, x), (_, _, y) in itertools.combinations(kept, 2):
        if x[0] != y[0] or abs(x[3] - y[3]) > window:
            continue
        if x[3] > y[3]:
            x, y = y, x
        if x[1] == y[1] or x[2] == y[2] or x[0] in (x[2], y[2]):
            continue
        pairs.append((x[0], x[1], y[1], x[2], y[2], y[3] - x[3]))
    contents = {p[3] for p in pairs} | {p[4] for p in pairs}
    per_account = {}
    for r in rows:
        if counts[r[1]] >= mp and r[2] in contents:
            per_account.setdefault(r[1], []).append(r[2])
    ok = {c for cs in per_account.values() if len(cs) >= mp for c in cs}
    return sorted(p for p in pairs if p[3] in ok or p[4] in ok)


@pytest.mark.parametrize("seed", range(6))
def test_pairs_match_a_brute_force_oracle(seed):
    rnd = random.Random(seed)
    rows = [(f"o{rnd.randrange(6)}", f"a{rnd.randrange(8)}", f"c{i}", 1_600_000_000 + rnd.randrange(300))
            for i in range(120)]
    window, mp = rnd.choice([5, 10, 30]), rnd.choice([1, 2, 4])
    r = detect_coordination(table(rows), window=window, min_participation=mp, communities=False)
    got = sorted(zip(*(r.pairs[c].to_pylist() for c in ("object_id", "account_id", "account_id_y", "content_id",
                                                         "content_id_y", "time_delta"))))
    assert got == brute_pairs(rows, window, mp)


@pytest.mark.parametrize("kwargs, words", [
    ({"window": 0}, "above zero"), ({"window": -5}, "above zero"), ({"edge_weight": -0.1}, "between 0 and 1"),
    ({"edge_weight": 1.5}, "between 0 and 1"), ({"method": "louvain"}, "coortweet, coornet"),
    ({"subgraph": 2}, "fast window"), ({"min_participation": -1}, "0 or more")])
def test_bad_parameters_are_one_sentence(kwargs, words):
    with pytest.raises(UsageError, match=words):
        detect_coordination(table([("o", "a", "c", 1000)]), **kwargs)


def test_a_table_missing_a_column_is_refused():
    with pytest.raises(UsageError, match="no column timestamp_share"):
        detect_coordination(pa.table({"object_id": ["o"], "account_id": ["a"], "content_id": ["c"]}))
    with pytest.raises(UsageError, match="not integer Unix seconds"):
        detect_coordination(pa.table({"object_id": ["o"], "account_id": ["a"], "content_id": ["c"],
                                      "timestamp_share": ["yesterday"]}))


# --- CooRnet ---------------------------------------------------------------------------------

def test_coornet_estimates_the_interval_as_coornet_does():
    # seconds to the second share: u1 4, u2 100, u3 2; q=0.1 keeps u3 (2 <= 2.4); u3's first share
    # past half of its four shares is the third, 3 s after the first: the interval is 3 s
    rows = [("u1", "a", "1", 0), ("u1", "b", "2", 4), ("u1", "c", "3", 10), ("u1", "d", "4", 20),
            ("u2", "a", "5", 0), ("u2", "b", "6", 100), ("u2", "c", "7", 120),
            ("u3", "a", "8", 0), ("u3", "b", "9", 2), ("u3", "c", "10", 3), ("u3", "d", "11", 50)]
    rows = [(o, a, c, t + 1_600_000_000) for o, a, c, t in rows]
    r = detect_coordination(table(rows), window=None, method="coornet")
    assert r.parameters["window"] == 3 and r.parameters["window_estimated"]
    assert r.parameters["interval_summary"]["median"] == 3.0


def test_coornet_bins_from_first_share_and_projects_accounts_on_objects():
    t0 = 1_600_000_000
    rows = [  # window 10: bins [0,10), [10,20), … from each object's first share
        ("u1", "a", "1", t0), ("u1", "b", "2", t0 + 9), ("u1", "c", "3", t0 + 10),  # a,b coordinated; c alone
        ("u2", "a", "4", t0 + 100), ("u2", "c", "5", t0 + 101),  # a,c coordinated
        ("u3", "b", "6", t0 + 200), ("u3", "c", "7", t0 + 205), ("u3", "a", "8", t0 + 230),  # b,c
        ("u4", "a", "9", t0 + 300), ("u4", "b", "10", t0 + 305), ("u4", "d", "11", t0 + 500),  # a,b
    ]
    r = detect_coordination(table(rows), window=10, method="coornet", edge_weight=0.0)
    weights = {(e["account_id"], e["account_id_y"]): e["weight"] for e in r.edges.to_pylist()}
    # a-b through u1 and u4, a-c through u2, b-c through u3 (a's u3 share is alone in its bin)
    assert weights == {("a", "b"): 2, ("a", "c"): 1, ("b", "c"): 1}
    top = detect_coordination(table(rows), window=10, method="coornet")  # 0.9 quantile: 1.8
    assert [(e["account_id"], e["account_id_y"]) for e in top.edges.to_pylist()] == [("a", "b")]
    acc = {a["account_id"]: a["coordinated_shares"] for a in top.accounts.to_pylist()}
    assert acc == {"a": 3, "b": 3}
    assert top.communities.num_rows == 1 and top.components.num_rows == 1


def test_coornet_in_the_same_bin_one_account_twice_does_not_link_it_to_itself():
    t0 = 1_600_000_000
    rows = [("u1", "a", "1", t0), ("u1", "a", "2", t0 + 1), ("u1", "b", "3", t0 + 50)]
    r = detect_coordination(table(rows), window=10, method="coornet")
    assert r.empty
