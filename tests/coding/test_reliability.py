"""Reliability: Krippendorff's alpha, its bootstrap interval, kappa, AC1, checked against published figures
and independent implementations (the `krippendorff` package and scikit-learn are test oracles only)."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from shailoo.coding import agreement as ag
from shailoo.coding.codebook import Codebook, Value, Variable
from shailoo.coding.reliability import leave_one_out_table, reliability_table
from shailoo.errors import CodebookError, CodingError, UsageError

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C (multiple observers,
# values 1-5, missing data): 4 coders x 12 units. Published: nominal .743, ordinal .815, interval .849,
# ratio .797 (the `krippendorff` package's docstring quotes the same paper for .743, .815 and .797).
K2011 = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
                  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
                  [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
                  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]])
K2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Hayes & Krippendorff (2007), Table 1: 40 units, 5 observers, ordinal 0-3, "." missing. Published
# ordinal alpha .7598; the paper's bootstrap draws 239 pairs of judgments (the pairs in these data).
HK2007 = """
1 1 2 . 2 | 1 1 0 1 . | 2 3 3 3 . | . 0 0 . 0 | 0 0 0 . 0 | 0 0 0 . 0 | 1 0 2 . 1 | 1 . 2 0 . | 2 2 2 . 2 | 2 1 1 1 .
. 1 0 0 . | 0 0 0 0 . | 1 2 2 2 . | 3 3 2 2 3 | 1 1 1 . 1 | 1 1 1 . 1 | 2 1 2 . 2 | 1 2 3 3 . | 1 1 0 1 . | 0 0 0 . 0
0 0 1 1 . | 0 0 . 0 0 | 2 3 3 3 . | 0 0 0 0 . | 1 2 . 2 2 | 0 1 1 1 . | 0 0 0 1 0 | 1 2 1 2 . | 1 1 2 2 . | 1 1 2 . 2
1 1 0 . 0 | 2 1 2 1 . | 2 2 . 2 2 | 3 2 2 2 . | 2 2 2 . 2 | 2 2 3 . 2 | 2 2 2 . 2 | 2 2 . 1 2 | 2 2 2 2 . | 1 1 1 . 1
"""


def hk2007() -> np.ndarray:
    units = [u.split() for line in HK2007.strip().splitlines() for u in line.split("|")]
    return np.array([[NAN if x == "." else float(x) for x in u] for u in units]).T  # coders x units


def ratings_of(matrix: np.ndarray, domain: list[float]) -> ag.Ratings:
    coder, unit = np.nonzero(~np.isnan(matrix))
    index = np.searchsorted(np.array(domain), matrix[coder, unit])
    return ag.Ratings(unit.astype(np.int64), coder.astype(np.int64), index.astype(np.int64), len(domain))


@pytest.mark.parametrize("level", ag.LEVELS)
def test_krippendorff_2011_worked_example_every_level(level):
    a = ag.alpha(ratings_of(K2011, [1, 2, 3, 4, 5]), level, np.arange(1.0, 6.0))
    assert round(a.alpha, 3) == K2011_ALPHA[level]
    assert (a.units, a.coders, a.pairable) == (11, 4, 40)  # unit 12 has one value: no information


def test_hayes_krippendorff_2007_five_coders():
    a = ag.alpha(ratings_of(hk2007(), [0, 1, 2, 3]), "ordinal")
    assert round(a.alpha, 4) == 0.7598
    assert a.pairs == 239 and a.units == 40 and a.pairable == 159
    low, high = ag.bootstrap(a, 10_000, np.random.default_rng(1))
    assert low < a.alpha < high and 0.65 < low < 0.75 and 0.78 < high < 0.86
    assert (low, high) == ag.bootstrap(a, 10_000, np.random.default_rng(1))  # seeded: same interval


def random_matrix(rng: np.random.Generator, coders: int, units: int, values: int, missing: float) -> np.ndarray:
    m = rng.integers(1, values + 1, size=(coders, units)).astype(float)
    # Agreement above chance: most coders copy a unit's "true" value.
    truth = rng.integers(1, values + 1, size=units)
    copy = rng.random((coders, units)) < 0.6
    m[copy] = np.broadcast_to(truth, m.shape)[copy]
    m[rng.random((coders, units)) < missing] = NAN
    return m


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", ag.LEVELS)
def test_alpha_equals_krippendorff_package(level, seed):
    rng = np.random.default_rng(seed)
    m = random_matrix(rng, int(rng.integers(2, 7)), int(rng.integers(5, 300)), int(rng.integers(2, 8)), 0.3)
    domain = [float(v) for v in range(1, int(np.nanmax(m)) + 1)]
    ours = ag.alpha(ratings_of(m, domain), level, np.array(domain)).alpha
    theirs = krippendorff.alpha(reliability_data=m, level_of_measurement=level, value_domain=domain)
    assert ours == pytest.approx(float(theirs), abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_kappa_equals_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    m = random_matrix(rng, 2, 200, 5, 0.0)
    x, y = m[0].astype(int) - 1, m[1].astype(int) - 1
    labels = list(range(5))
    assert ag.kappa(x, y, 5)[0] == pytest.approx(cohen_kappa_score(x, y, labels=labels), abs=1e-12)
    assert ag.kappa(x, y, 5, "linear")[0] == pytest.approx(
        cohen_kappa_score(x, y, labels=labels, weights="linear"), abs=1e-12)


def test_gwet_ac1_hand_computed():
    # Two coders, 10 units, a rare flag (0 = absent, 1 = present): both 1 on one unit, both 0 on
    # seven, A=1/B=0 on one, A=0/B=1 on one.
    # p_a = 8/10 = 0.8. pi_1 = mean of the units' shares of 1 = (1 + 0.5 + 0.5) / 10 = 0.2, pi_0 = 0.8.
    # p_e = (pi_0 (1 - pi_0) + pi_1 (1 - pi_1)) / (Q - 1) = (0.16 + 0.16) / 1 = 0.32.
    # AC1 = (0.8 - 0.32) / (1 - 0.32) = 0.48 / 0.68 = 0.705882...
    # (Cohen's kappa on the same data: p_e = 0.2*0.2 + 0.8*0.8 = 0.68, kappa = 0.12 / 0.32 = 0.375.)
    a = np.array([1, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    b = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    r = ag.Ratings(np.r_[np.arange(10), np.arange(10)], np.r_[np.zeros(10, int), np.ones(10, int)], np.r_[a, b], 2)
    assert ag.ac1(r)[0] == pytest.approx(0.48 / 0.68, abs=1e-12)
    assert ag.kappa(a, b, 2)[0] == pytest.approx(0.375, abs=1e-12)
    assert ag.percent_agreement(r) == pytest.approx(0.8)


# -- the table over the workspace -----------------------------------------------------------------------

SCORE = Variable("score", "Score", "post", "interval", False, tuple(Value(str(i), f"v{i}") for i in range(1, 6)))
TONE = Variable("tone", "Tone", "post_actor", "ordinal", False,
                (Value("-1", "negative"), Value("0", "neutral"), Value("1", "positive"),
                 Value("na", "not applicable", kind="not_applicable", reliability="missing"),
                 Value("?", "can't tell", kind="cant_tell", reliability="missing")))
TOPICS = Variable("topics", "Topics", "post", "nominal", True,
                  (Value("econ", "Economy"), Value("covid", "Covid-19"), Value("other", "Others")))
FLAG = Variable("flag", "Disinformation", "post", "nominal", False, (Value("0", "no"), Value("1", "yes")))
BOOK = Codebook(1, (SCORE, TONE, TOPICS, FLAG), "test")
CODERS = ("anna", "bek", "chyngyz", "dana")


def code(con, post_id, variable, value, coder, actor_id=None):
    act = con.execute("SELECT nextval('code_act_seq')").fetchone()[0]
    for v in value if isinstance(value, tuple) else (value,):
        con.execute("INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, now(), 1, 'import')",
                    [act, post_id, actor_id, variable, v, coder])


def load_matrix(con, matrix, variable="score", actor_id=None, to_code=lambda x: str(int(x))):
    for c, row in enumerate(matrix):
        for u, x in enumerate(row):
            if not np.isnan(x):
                code(con, u + 1, variable, to_code(x), CODERS[c], actor_id)


@pytest.fixture
def con(workspace):
    return workspace.con


@pytest.mark.parametrize("level", ag.LEVELS)
def test_table_reproduces_krippendorff_2011(con, level):
    load_matrix(con, K2011)
    row = reliability_table(con, BOOK, "score", level=level, draws=500).to_pylist()[0]
    assert round(row["alpha"], 3) == K2011_ALPHA[level]
    assert (row["units"], row["coders"], row["pairable_values"], row["level"]) == (11, 4, 40, level)
    assert row["kappa"] is None and row["note"] is None  # four coders: no kappa
    assert row["ci_low"] < row["alpha"] < row["ci_high"]


def test_missing_codes_are_missing(con):
    load_matrix(con, K2011[:, :11], "tone", actor_id=7, to_code=lambda x: {1: "-1", 2: "0", 3: "1"}.get(x, "na"))
    before = reliability_table(con, BOOK, "tone", draws=0).to_pylist()[0]
    code(con, 12, "tone", "?", "anna", 7)  # can't tell, and another unit with a value and a "na"
    code(con, 12, "tone", "1", "bek", 7)
    code(con, 13, "tone", "na", "anna", 7)
    code(con, 13, "tone", "na", "bek", 7)
    after = reliability_table(con, BOOK, "tone", draws=0).to_pylist()[0]
    assert after["alpha"] == before["alpha"] and after["units"] == before["units"]
    m = np.where(np.isin(K2011[:, :11], [1, 2, 3]), K2011[:, :11], NAN)
    assert before["alpha"] == pytest.approx(krippendorff.alpha(m, level_of_measurement="ordinal",
                                                               value_domain=[1.0, 2.0, 3.0]), abs=1e-9)


def test_two_coders_kappa_weighted_kappa_ac1(con):
    rng = np.random.default_rng(3)
    m = random_matrix(rng, 2, 120, 3, 0.0)
    load_matrix(con, m, "tone", actor_id=1, to_code=lambda x: str(int(x) - 2))
    row = reliability_table(con, BOOK, "tone", draws=0).to_pylist()[0]
    x, y = m[0].astype(int), m[1].astype(int)
    assert row["kappa"] == pytest.approx(cohen_kappa_score(x, y), abs=1e-12)
    assert row["weighted_kappa"] == pytest.approx(cohen_kappa_score(x, y, weights="linear"), abs=1e-12)
    assert row["percent_agreement"] == pytest.approx(np.mean(x == y))
    assert row["alpha"] == pytest.approx(krippendorff.alpha(m, level_of_measurement="ordinal"), abs=1e-9)
    assert row["ci_low"] is None and row["ac1"] is not None  # draws=0: no interval


def test_undefined_coefficients_say_why(con):
    for u in range(1, 6):
        code(con, u, "flag", "0", "anna")
        code(con, u, "flag", "0", "bek")
    code(con, 1, "score", "3", "anna")
    code(con, 2, "score", "4", "anna")
    code(con, 1, "tone", "1", "anna", 5)
    code(con, 2, "tone", "0", "bek", 5)  # two coders, never on the same unit
    rows = {r["variable"]: r for r in reliability_table(con, BOOK).to_pylist()}
    flag = rows["flag"]
    assert flag["alpha"] is None and flag["kappa"] is None and flag["ci_low"] is None
    assert "alpha" in flag["note"] and "no variation" in flag["note"] and "kappa" in flag["note"]
    assert flag["percent_agreement"] == 1.0 and flag["units"] == 5
    score = rows["score"]
    assert score["alpha"] is None and score["percent_agreement"] is None and score["ac1"] is None
    assert score["note"] == "alpha, percent agreement and AC1 undefined: only one coder (anna) coded it"
    tone = rows["tone"]
    assert tone["alpha"] is None and "no unit was coded by two or more coders" in tone["note"]
    topics = [r for r in rows.values() if r["variable"] == "topics"]
    assert topics == [] or all(r["alpha"] is None for r in topics)
    for r in rows.values():  # never a NaN anywhere
        assert not any(isinstance(v, float) and np.isnan(v) for v in r.values())


def test_no_codes_is_one_sentence(con):
    with pytest.raises(CodingError, match="no codes"):
        reliability_table(con, BOOK)
    with pytest.raises(CodingError, match="no sample 'x'"):
        reliability_table(con, BOOK, sample="x")


def test_interval_needs_numbers_and_ratio_no_negatives(con):
    load_matrix(con, K2011[:, :11], "tone", actor_id=7, to_code=lambda x: {1: "-1", 2: "0", 3: "1"}.get(x, "na"))
    with pytest.raises(CodebookError, match="ratio level"):
        reliability_table(con, BOOK, "tone", level="ratio")
    words = Variable("tone", "Tone", "post_actor", "ordinal", False, (Value("neg", "n"), Value("pos", "p")))
    with pytest.raises(CodebookError, match="'neg' is not a number"):
        reliability_table(con, Codebook(1, (words,)), "tone", level="interval")
    with pytest.raises(UsageError, match="--level"):
        reliability_table(con, BOOK, "tone", level="metric")
    assert reliability_table(con, BOOK, "tone", level="interval", draws=0)["alpha"][0].as_py() is not None


def test_seeded_interval_reproducible_and_independent_of_other_rows(con):
    load_matrix(con, K2011)
    load_matrix(con, K2011[:, :11], "tone", actor_id=7, to_code=lambda x: {1: "-1", 2: "0", 3: "1"}.get(x, "na"))
    one = reliability_table(con, BOOK, "score", seed=11).to_pylist()[0]
    again = reliability_table(con, BOOK, "score", seed=11).to_pylist()[0]
    whole = [r for r in reliability_table(con, BOOK, seed=11).to_pylist() if r["variable"] == "score"][0]
    other = reliability_table(con, BOOK, "score", seed=12).to_pylist()[0]
    assert (one["ci_low"], one["ci_high"]) == (again["ci_low"], again["ci_high"]) == (whole["ci_low"], whole["ci_high"])
    assert (one["ci_low"], one["ci_high"]) != (other["ci_low"], other["ci_high"])


def test_multi_label_rows_per_value(con):
    sets = {"anna": [("econ",), ("econ", "covid"), (None,), ("other",), ("covid",), ("econ",)],
            "bek": [("econ",), ("covid",), (None,), ("other",), ("covid", "econ"), ("econ",)],
            "dana": [("econ", "other"), ("econ", "covid"), ("covid",), None, ("covid",), ("econ",)]}
    for coder, units in sets.items():
        for u, values in enumerate(units, 1):
            if values is not None:
                code(con, u, "topics", values, coder)
    rows = reliability_table(con, BOOK, "topics", draws=0).to_pylist()
    assert [r["value"] for r in rows] == ["econ", "covid", "other"] and {r["level"] for r in rows} == {"nominal"}
    for r in rows:  # presence of the value in each coder's set, against the krippendorff package
        m = np.array([[NAN if units[u] is None else float(r["value"] in units[u]) for u in range(6)]
                      for units in sets.values()])
        assert r["alpha"] == pytest.approx(krippendorff.alpha(m, level_of_measurement="nominal"), abs=1e-9)
        assert r["units"] == 6


def test_per_value_rows_of_a_nominal_variable(con):
    rng = np.random.default_rng(5)
    m = random_matrix(rng, 3, 60, 2, 0.1)
    load_matrix(con, m, "flag", to_code=lambda x: str(int(x) - 1))
    rows = reliability_table(con, BOOK, "flag", per_value=True, draws=0).to_pylist()
    assert [r["value"] for r in rows] == [None, "0", "1"]
    assert rows[1]["alpha"] == pytest.approx(rows[0]["alpha"])  # binary: each value against the rest = alpha


def test_leave_one_out_finds_the_coder_who_pulls_agreement_down(con):
    rng = np.random.default_rng(9)
    m = random_matrix(rng, 4, 200, 5, 0.1)
    m[:3] = np.where(np.isnan(m[:3]), NAN, m[0])  # three coders agree
    m[3] = np.where(np.isnan(m[3]), NAN, rng.integers(1, 6, 200))  # dana guesses
    load_matrix(con, m)
    rows = leave_one_out_table(con, BOOK, "score", draws=200).to_pylist()
    assert [r["left_out"] for r in rows] == list(CODERS)
    worst = max(rows, key=lambda r: r["alpha_change"])
    assert worst["left_out"] == "dana" and worst["alpha"] == pytest.approx(1.0)
    assert worst["alpha_all"] == pytest.approx(krippendorff.alpha(m, level_of_measurement="interval"), abs=1e-9)
    assert worst["coders"] == 3


def test_breakdowns_by_coder_pair_platform_actor(con):
    con.executemany("INSERT INTO posts (post_id, platform, platform_post_id, created_at) VALUES (?, ?, ?, now())",
                    [(u, "telegram" if u <= 6 else "facebook", f"p{u}") for u in range(1, 13)])
    con.execute("INSERT INTO actors (actor_id, name, category) VALUES (7, 'Candidate A', 'candidate'), "
                "(8, 'Candidate B', 'candidate')")
    load_matrix(con, K2011)
    pairs = reliability_table(con, BOOK, "score", by="coder-pair", draws=0).to_pylist()
    assert [r["coder_pair"] for r in pairs][:3] == ["anna,bek", "anna,chyngyz", "anna,dana"] and len(pairs) == 6
    ab = pairs[0]
    two = K2011[:2]
    assert ab["alpha"] == pytest.approx(krippendorff.alpha(two, level_of_measurement="interval"), abs=1e-9)
    assert ab["kappa"] is not None and ab["coders"] == 2
    plat = reliability_table(con, BOOK, "score", by="platform", draws=0).to_pylist()
    assert [r["platform"] for r in plat] == ["facebook", "telegram"]
    tele = K2011[:, :6]
    assert plat[1]["alpha"] == pytest.approx(krippendorff.alpha(tele, level_of_measurement="interval"), abs=1e-9)
    load_matrix(con, K2011[:, :11], "tone", actor_id=7, to_code=lambda x: {1: "-1", 2: "0", 3: "1"}.get(x, "na"))
    load_matrix(con, K2011[:2, :11], "tone", actor_id=8, to_code=lambda x: {1: "-1", 2: "0", 3: "1"}.get(x, "na"))
    actors = reliability_table(con, BOOK, by="actor", draws=0).to_pylist()
    assert [(r["variable"], r["actor"]) for r in actors] == [("tone", "Candidate A"), ("tone", "Candidate B")]
    with pytest.raises(UsageError, match="--by actor"):
        reliability_table(con, BOOK, "score", by="actor")
