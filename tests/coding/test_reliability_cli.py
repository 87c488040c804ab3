"""`shailoo coding reliability / disagreements / confusion` from the command line, and the disagreement
list and confusion table behind them."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from shailoo.cli.main import app
from shailoo.coding.codebook import store_codebook
from shailoo.coding.disagreements import confusion, disagreements
from shailoo.errors import CodingError, UsageError
from shailoo.store.workspace import init_workspace
from tests.coding.test_reliability import BOOK, K2011, K2011_ALPHA, code, load_matrix

YAML = """
title: test
variables:
  - name: score
    label: Score
    unit: post
    level: interval
    values: [{code: "1", label: one}, {code: "2", label: two}, {code: "3", label: three},
             {code: "4", label: four}, {code: "5", label: five}]
  - name: tone
    label: Tone
    unit: post_actor
    level: ordinal
    values:
      - {code: "-1", label: negative}
      - {code: "0", label: neutral}
      - {code: "1", label: positive}
      - {code: "na", label: not applicable, kind: not_applicable}
  - name: topics
    label: Topics
    unit: post
    level: nominal
    multiple: true
    values: [{code: econ, label: Economy}, {code: covid, label: Covid-19}]
"""


@pytest.fixture
def ws_path(tmp_path):
    path = tmp_path / "ws"
    ws = init_workspace(path, project="test")
    store_codebook(ws.con, YAML, "test.yaml")
    ws.con.executemany("INSERT INTO posts (post_id, platform, platform_post_id, created_at, url) "
                       "VALUES (?, 'telegram', ?, now(), ?)", [(u, f"p{u}", f"https://t.me/c/{u}") for u in range(1, 13)])
    ws.con.execute("INSERT INTO actors (actor_id, name, category) VALUES (7, 'Candidate A', 'candidate')")
    load_matrix(ws.con, K2011)
    code(ws.con, 1, "tone", "1", "anna", 7)
    code(ws.con, 1, "tone", "-1", "bek", 7)
    code(ws.con, 2, "tone", "0", "anna", 7)
    code(ws.con, 2, "tone", "0", "bek", 7)
    code(ws.con, 3, "tone", "na", "anna", 7)
    code(ws.con, 3, "tone", "0", "bek", 7)
    code(ws.con, 1, "topics", ("econ", "covid"), "anna")
    code(ws.con, 1, "topics", ("econ",), "bek")
    code(ws.con, 2, "topics", (None,), "anna")
    code(ws.con, 2, "topics", (None,), "bek")
    ws.close()
    return path


def run(runner, *args):
    return runner.invoke(app, ["coding", *args])


def test_reliability_csv_json_table(runner, ws_path):
    res = run(runner, "reliability", "-w", str(ws_path), "-f", "csv", "--draws", "500")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [(r["variable"], r["value"]) for r in rows] == [("score", ""), ("tone", ""), ("topics", "econ"),
                                                          ("topics", "covid")]
    assert list(rows[0]) == ["variable", "value", "level", "alpha", "ci_low", "ci_high", "units", "coders",
                             "pairable_values", "kappa", "weighted_kappa", "percent_agreement", "ac1", "note"]
    assert round(float(rows[0]["alpha"]), 3) == K2011_ALPHA["interval"] and rows[0]["kappa"] == ""
    assert rows[1]["kappa"] != "" and rows[1]["weighted_kappa"] != ""
    econ, covid = rows[2], rows[3]  # both chose econ on unit 1 and nothing on unit 2; covid: anna only
    assert float(econ["alpha"]) == 1.0 and float(covid["alpha"]) < 0.5 and econ["level"] == "nominal"

    res = run(runner, "reliability", "-w", str(ws_path), "-f", "json", "--variable", "score", "--level", "ordinal",
              "--seed", "3")
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout)
    again = json.loads(run(runner, "reliability", "-w", str(ws_path), "-f", "json", "--variable", "score",
                           "--level", "ordinal", "--seed", "3").stdout)
    assert first == again and round(first[0]["alpha"], 3) == K2011_ALPHA["ordinal"]
    assert first[0]["ci_low"] < first[0]["alpha"] < first[0]["ci_high"]

    res = run(runner, "reliability", "-w", str(ws_path), "--variable", "score")
    assert res.exit_code == 0, res.output
    assert "0.849" in res.stdout and "seed 2007" in res.output


def test_reliability_breakdowns_and_leave_one_out(runner, ws_path, tmp_path):
    res = run(runner, "reliability", "-w", str(ws_path), "--variable", "score", "--by", "coder-pair", "-f", "csv")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == 6 and rows[0]["coder_pair"] == "anna,bek"
    out = tmp_path / "loo.json"
    res = run(runner, "reliability", "-w", str(ws_path), "--variable", "score", "--leave-one-out", "-o", str(out))
    assert res.exit_code == 0, res.output
    rows = json.loads(out.read_text("utf-8"))
    assert [r["left_out"] for r in rows] == ["anna", "bek", "chyngyz", "dana"]
    res = run(runner, "reliability", "-w", str(ws_path), "--by", "actor", "-f", "csv")
    assert res.exit_code == 0, res.output
    assert [r["actor"] for r in csv.DictReader(io.StringIO(res.stdout))] == ["Candidate A"]


@pytest.mark.parametrize("args, sentence", [
    (("reliability", "--by", "week"), "--by must be one of actor, platform, coder-pair"),
    (("reliability", "--level", "metric"), "--level must be one of"),
    (("reliability", "--variable", "nope"), "no variable 'nope'"),
    (("reliability", "--sample", "nope"), "no sample 'nope'"),
    (("reliability", "--leave-one-out", "--by", "platform"), "give one of them"),
    (("confusion", "--variable", "score", "--coders", "anna"), "two different coders"),
    (("confusion", "--variable", "score", "--coders", "anna,zed"), "Coder 'zed' has no codes"),
])
def test_errors_are_one_sentence(runner, ws_path, args, sentence):
    res = run(runner, *args, "-w", str(ws_path))
    assert res.exit_code == 1, res.output
    assert sentence in res.output and "Traceback" not in res.output


def test_no_codebook_or_no_codes(runner, tmp_path):
    path = tmp_path / "empty"
    ws = init_workspace(path, project="test")
    ws.close()
    res = run(runner, "reliability", "-w", str(path))
    assert res.exit_code == 1 and "no codebook" in res.output and "Traceback" not in res.output
    ws = init_workspace(tmp_path / "nocodes", project="test")
    store_codebook(ws.con, YAML, "test.yaml")
    ws.close()
    for args in (("reliability",), ("disagreements", "--variable", "tone"),
                 ("confusion", "--variable", "tone", "--coders", "a,b")):
        res = run(runner, *args, "-w", str(tmp_path / "nocodes"))
        assert res.exit_code == 1 and "no codes" in res.output.lower() and "Traceback" not in res.output, res.output


def test_disagreements_and_confusion(runner, ws_path):
    res = run(runner, "disagreements", "-w", str(ws_path), "--variable", "tone", "-f", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["post_id"], r["codes"]) for r in rows] == [(1, "anna: 1; bek: -1"), (3, "anna: na; bek: 0")]
    assert rows[0]["actor"] == "Candidate A" and rows[0]["url"] == "https://t.me/c/1"
    res = run(runner, "confusion", "-w", str(ws_path), "--variable", "tone", "--coders", "anna,bek", "-f", "json")
    assert res.exit_code == 0, res.output
    table = {r["anna \\ bek"]: r for r in json.loads(res.stdout)}
    assert table["1"]["-1"] == 1 and table["0"]["0"] == 1 and table["na"]["0"] == 1 and table["-1"]["total"] == 0
    res = run(runner, "confusion", "-w", str(ws_path), "--variable", "topics", "--coders", "anna,bek", "-f", "json")
    rows = {r["value"]: r for r in json.loads(res.stdout)}
    assert (rows["econ"]["both"], rows["econ"]["neither"]) == (1, 1)
    assert (rows["covid"]["only anna"], rows["covid"]["only bek"], rows["covid"]["neither"]) == (1, 0, 1)


def test_library_confusion_of_the_2011_example(workspace):
    load_matrix(workspace.con, K2011)
    t = confusion(workspace.con, BOOK, "score", "anna,dana").to_pylist()
    # anna and dana both coded units 1-9 (anna none after 9): agree on 8, anna 1 / dana 4 on unit 6.
    assert sum(r["total"] for r in t) == 9
    assert sum(r[r["anna \\ dana"]] for r in t if r["anna \\ dana"] in "12345") == 8
    assert next(r for r in t if r["anna \\ dana"] == "1")["4"] == 1
    assert len(disagreements(workspace.con, BOOK, "score")) == np.sum(
        [len(set(K2011[:, u][~np.isnan(K2011[:, u])])) > 1 for u in range(12)])
    with pytest.raises(UsageError):
        confusion(workspace.con, BOOK, "score", "anna,anna")
    with pytest.raises(CodingError, match="in common"):
        code(workspace.con, 1, "flag", "1", "x")
        code(workspace.con, 2, "flag", "1", "y")
        confusion(workspace.con, BOOK, "flag", "x,y")
