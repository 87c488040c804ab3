"""`shailoo coordination shares` and the engine's outputs: JSON, CSV (formula-safe), GEXF, GraphML,
the SVG picture (escaped, offline), bad input as one sentence each."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pyarrow as pa
import pytest

from shailoo.analysis.coordination import detect_coordination, network_svg, read_share_table, write_gexf
from shailoo.cli.main import app
from tests.conftest import DATA

SMALL = DATA / "coordination" / "shares_small.csv"
CP1251 = DATA / "coordination" / "shares_cp1251_semicolon.csv"


def test_reading_sets_bad_rows_aside():
    table, quarantined = read_share_table(SMALL)
    assert table.num_rows == 7
    assert [q["row"] for q in quarantined] == [8, 9]
    assert "'not-a-time' is not whole Unix seconds" in quarantined[0]["reason"]
    assert "account_id is empty" in quarantined[1]["reason"]


def test_reading_a_windows_1251_semicolon_file():
    table, quarantined = read_share_table(CP1251)
    assert not quarantined and table["account_id"].to_pylist()[0] == "Анна"


def test_json_has_pairs_accounts_edges_components(runner):
    result = runner.invoke(app, ["coordination", "shares", str(SMALL), "--window", "10", "-f", "json"])
    assert result.exit_code == 0, result.output
    obj = json.loads(result.stdout)
    assert {"pairs", "accounts", "edges", "components", "counts", "parameters", "quarantined"} <= set(obj)
    assert obj["counts"]["pairs"] == len(obj["pairs"]) == 3
    assert obj["counts"]["edges"] == 2 and obj["counts"]["components"] == 1
    assert obj["parameters"]["window"] == 10 and len(obj["quarantined"]) == 2
    assert {p["time_delta"] for p in obj["pairs"]} == {5, 2, 10}


def test_files_are_written_and_cells_are_formula_safe(runner, tmp_path):
    edges, accounts, gexf, graphml = (tmp_path / n for n in ("e.csv", "a.json", "n.gexf", "n.graphml"))
    result = runner.invoke(app, ["coordination", "shares", str(SMALL), "--window", "10", "--edges", str(edges),
                                 "--accounts", str(accounts), "--gexf", str(gexf), "--graphml", str(graphml)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(edges.open(encoding="utf-8")))
    assert rows and all(not r["account_id"].startswith("=") for r in rows)
    assert any(r["account_id"].startswith("'=HYPERLINK") for r in rows)
    assert len(json.loads(accounts.read_text("utf-8"))) == 3
    import networkx as nx

    g = nx.read_gexf(gexf)
    assert g.number_of_nodes() == 3 and g.number_of_edges() == 2
    node = g.nodes["acc_b"]
    assert {"shares", "coordinated_shares", "component", "community"} <= set(node)
    edge = next(iter(g.edges(data=True)))[2]
    assert {"weight", "symmetry", "mean_time_delta", "objects"} <= set(edge)
    assert nx.read_graphml(graphml).number_of_edges() == 2


def test_no_coordination_is_said_and_no_empty_file_written(runner, tmp_path):
    out = tmp_path / "e.csv"
    result = runner.invoke(app, ["coordination", "shares", str(SMALL), "--window", "1", "--edges", str(out)])
    assert result.exit_code == 1
    assert "No coordination found" in result.output and "within 1 s" in result.output
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--window", "0"], "above zero"), (["--window", "-3"], "above zero"),
    (["--edge-weight", "-0.5"], "between 0 and 1"), (["--edge-weight", "2"], "between 0 and 1"),
    (["--method", "other"], "--method must be one of")])
def test_bad_options_are_one_sentence(runner, args, words):
    result = runner.invoke(app, ["coordination", "shares", str(SMALL)] + args)
    assert result.exit_code == 1 and words in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_file_without_the_columns_is_refused(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("url,user\nx,y\n", "utf-8")
    result = runner.invoke(app, ["coordination", "shares", str(bad)])
    assert result.exit_code == 1 and "has no column object_id, account_id, content_id, timestamp_share" in result.output
    worse = tmp_path / "times.csv"
    worse.write_text("object_id,account_id,content_id,timestamp_share\no,a,c,yesterday\n", "utf-8")
    result = runner.invoke(app, ["coordination", "shares", str(worse)])
    assert result.exit_code == 1 and "no usable share" in result.output


def test_coornet_from_the_command_line(runner):
    result = runner.invoke(app, ["coordination", "shares", str(SMALL), "--method", "coornet", "-f", "json"])
    assert result.exit_code == 0, result.output
    obj = json.loads(result.stdout)
    assert obj["method"] == "coornet" and obj["parameters"]["window_estimated"] is True


def hostile():
    rows = [("o", "a", "c1", 1_700_000_000), ("o", "b", "c2", 1_700_000_001), ("p", "a", "c3", 1_700_000_100),
            ("p", "b", "c4", 1_700_000_102)]
    cols = list(zip(*rows))
    shares = pa.table({"object_id": list(cols[0]), "account_id": list(cols[1]), "content_id": list(cols[2]),
                       "timestamp_share": pa.array(cols[3], pa.int64())})
    attrs = pa.table({"account_id": ["a", "b"], "actor": ['<script>alert(1)</script>', "B\x01&Co"],
                      "category": ["media", None], "platform": ["telegram", "vk"]})
    return detect_coordination(shares, window=10), attrs


def test_svg_escapes_labels_and_needs_nothing_online():
    result, attrs = hostile()
    svg = network_svg(result, attrs, title="x</title><script>")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    ET.fromstring(svg)  # well-formed XML
    empty = detect_coordination(pa.table({"object_id": ["o"], "account_id": ["a"], "content_id": ["c"],
                                          "timestamp_share": pa.array([1], pa.int64())}))
    assert "No coordinated accounts" in network_svg(empty)


def test_gexf_carries_the_callers_attributes_as_valid_xml(tmp_path):
    result, attrs = hostile()
    path = write_gexf(result, tmp_path / "n.gexf", attrs)
    import networkx as nx

    g = nx.read_gexf(path)
    assert g.nodes["a"]["actor"] == "<script>alert(1)</script>" and g.nodes["a"]["platform"] == "telegram"
    assert g.nodes["b"]["actor"] == "B\ufffd&Co" and "category" not in g.nodes["b"]
