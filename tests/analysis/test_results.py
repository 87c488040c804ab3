"""Election results beside popularity: import, matching by name or alias, Spearman's rho."""

from __future__ import annotations

import pyarrow as pa
import pytest

from shailoo.analysis.filters import PostFilter
from shailoo.analysis.results import import_results, popularity_correlations, popularity_vs_results, spearman
from shailoo.cli.main import app
from shailoo.errors import InputFileError
from tests.report.fixture_workspace import DATA, build_fixture


def test_spearman_by_hand():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [40, 30, 20, 10]) == pytest.approx(-1.0)
    # ranks x 1,2,3,4 and y 1,3,2,4: d² = 0+1+1+0 → 1 - 6·2/(4·15) = 0.8
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert spearman([1, 2], [1, 2]) is None


def test_import_and_popularity(tmp_path):
    ws = build_fixture(tmp_path / "ws")
    counts = import_results(ws, DATA / "results.csv")
    assert counts == {"candidates": 3, "matched": 3, "unmatched": 0,  # 'Adakhan Madumarov' is an alias
                      "detected": "UTF-8, comma-separated"}
    t = {r["candidate"]: r for r in popularity_vs_results(ws, PostFilter()).to_pylist()}
    j = t["Садыр Жапаров"]
    assert j["followers"] == 10000 + 20000 and j["posts"] == 5 and j["interactions"] == 1582
    assert j["followers_share_pct"] == pytest.approx(round(100 * 30000 / 32000, 2))
    assert t["Канатбек Исаев"]["posts"] == 0
    corr = {r["measure"]: r["spearman_rho"] for r in popularity_correlations(popularity_vs_results(ws)).to_pylist()}
    assert corr["interactions"] == pytest.approx(1.0)
    ws.close()


def test_bad_results_file(tmp_path):
    ws = build_fixture(tmp_path / "ws")
    bad = tmp_path / "bad.csv"
    bad.write_text("who,when\nx,y\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="candidate"):
        import_results(ws, bad)
    ws.close()


def test_cli_results_import(tmp_path, runner):
    build_fixture(tmp_path / "ws").close()
    result = runner.invoke(app, ["results", "import", str(DATA / "results.csv"), "-w", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    assert "3 matched" in result.output
    result = runner.invoke(app, ["results", "show", "-w", str(tmp_path / "ws"), "--format", "json"])
    assert result.exit_code == 0, result.output


def test_unmatched_candidate_does_not_count_as_zero_popularity(tmp_path):
    ws = build_fixture(tmp_path / "ws")
    results = tmp_path / "results.csv"
    results.write_text((DATA / "results.csv").read_text(encoding="utf-8") + "Unknown Person,200,12.5\n",
                       encoding="utf-8")
    assert import_results(ws, results)["unmatched"] == 1
    table = popularity_vs_results(ws)
    unknown = next(r for r in table.to_pylist() if r["candidate"] == "Unknown Person")
    assert unknown["followers"] is None and unknown["posts"] is None and unknown["followers_share_pct"] is None
    corr = {r["measure"]: (r["spearman_rho"], r["candidates"]) for r in popularity_correlations(table).to_pylist()}
    # Исаев has no follower count (no snapshot of his page): unknown, not 0, so only two candidates
    # have both values and rho is not computed; posts are known (0 is a real zero) for the three matched
    assert next(r for r in table.to_pylist() if r["candidate"] == "Канатбек Исаев")["followers"] is None
    assert corr["followers"] == (None, 2)
    assert corr["posts"] == (pytest.approx(1.0), 3)
    ws.close()


def test_vote_counts_with_thousands_separators(tmp_path):
    """'512.300' is 512,300 votes (not 512), and '1.298.000' is read, not refused; cp1251 ';' file."""
    ws = build_fixture(tmp_path / "ws")
    f = tmp_path / "results.csv"
    f.write_bytes("candidate;votes\nСадыр Жапаров;1.298.000\nAdakhan Madumarov;512.300\n".encode("cp1251"))
    counts = import_results(ws, f)
    assert counts["candidates"] == 2 and "Windows-1251" in counts["detected"] and "semicolon" in counts["detected"]
    got = dict(ws.con.execute("SELECT candidate, votes FROM election_results").fetchall())
    assert got == {"Садыр Жапаров": 1_298_000, "Adakhan Madumarov": 512_300}
    share = dict(ws.con.execute("SELECT candidate, share FROM election_results").fetchall())
    assert share["Садыр Жапаров"] == pytest.approx(round(100 * 1298000 / 1810300, 2))  # 71.70, not 99.96
    ws.close()


def test_a_vote_count_that_is_not_a_count_refuses_the_file_with_the_row(tmp_path):
    ws = build_fixture(tmp_path / "ws")
    f = tmp_path / "results.csv"
    f.write_text("candidate,votes\nA,100\nB,12.5\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="line 3.*votes"):
        import_results(ws, f)
    ws.close()


def test_spearman_is_scipy_with_p_value_and_not_rounded():
    from scipy.stats import spearmanr

    from shailoo.analysis.results import spearman_test

    x, y = [1, 2, 3, 4, 5, 6, 7], [2, 1, 4, 3, 7, 5, 6]
    rho, p = spearman_test(x, y)
    ref = spearmanr(x, y)
    assert rho == pytest.approx(ref.statistic, abs=1e-12) and p == pytest.approx(ref.pvalue, abs=1e-12)
    table = pa.table({"vote_share_pct": [10.0, 20.0, 30.0, 40.0, 50.0], "followers": [1, 3, 2, 5, 4],
                      "posts": [1, 2, 3, 4, 5], "interactions": [3, 1, 4, 1, 5]})
    corr = {r["measure"]: r for r in popularity_correlations(table).to_pylist()}
    assert corr["followers"]["spearman_rho"] == pytest.approx(0.8)  # d² = 0+1+1+1+1 → 1 − 6·4/120
    assert corr["followers"]["p_value"] == pytest.approx(spearmanr([1, 3, 2, 5, 4], [10, 20, 30, 40, 50]).pvalue)
    # not rounded before display (0.7748 must not become 0.775 and then "0.78")
    ref = spearmanr([3, 1, 4, 1, 5], [10, 20, 30, 40, 50]).statistic
    assert corr["interactions"]["spearman_rho"] == pytest.approx(ref, abs=1e-12) and round(ref, 3) != ref


def test_rho_is_displayed_from_the_unrounded_value():
    from shailoo.cli.common import format_number
    from shailoo.report.blocks import display

    assert format_number(0.7748) == "0.77" and display(0.7748, "spearman_rho") == "0.77"


def test_several_elections_need_a_choice(tmp_path, runner):
    ws = build_fixture(tmp_path / "ws")
    import_results(ws, DATA / "results.csv", election="first round")
    import_results(ws, DATA / "results.csv", election="second round")
    from shailoo.errors import UsageError

    with pytest.raises(UsageError, match="first round.*second round"):
        popularity_vs_results(ws)
    assert popularity_vs_results(ws, election="second round").num_rows == 3
    ws.close()
    out = runner.invoke(app, ["results", "show", "-w", str(tmp_path / "ws"), "--election", "second round", "-f", "json"])
    assert out.exit_code == 0, out.output
    import json

    data = json.loads(out.stdout)
    assert data["election"] == "second round" and len(data["popularity"]) == 3
    assert {"measure", "spearman_rho", "p_value", "candidates"} <= set(data["correlations"][0])
    csv_out = runner.invoke(app, ["results", "show", "-w", str(tmp_path / "ws"), "--election", "first round", "-f", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    assert "measure,spearman_rho,p_value,candidates" in csv_out.stdout
    bad = runner.invoke(app, ["results", "show", "-w", str(tmp_path / "ws")])
    assert bad.exit_code == 1 and "--election" in bad.output
