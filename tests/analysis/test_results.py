"""Election results beside popularity: import, matching by name or alias, Spearman's rho."""

from __future__ import annotations

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
    assert counts == {"candidates": 3, "matched": 3, "unmatched": 0}  # 'Adakhan Madumarov' is an alias
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
    assert corr["followers"] == (pytest.approx(1.0), 3)  # over the three matched candidates only
    ws.close()
