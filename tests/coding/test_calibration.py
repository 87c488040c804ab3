"""Calibration codes are practice: they never become a coder's codes of the real coding, never change
final codes, and are what a calibration sample's progress and reliability read."""

from __future__ import annotations

from shailoo.coding.assign import assign, progress
from shailoo.coding.codebook import store_codebook
from shailoo.coding.codes import current_codes, final_codes, record_code
from shailoo.coding.codes_csv import import_codes
from tests.coding.test_assign import CODEBOOK, build


def _known_answers(ws):
    for i, v in enumerate("abab", 1):
        ws.con.execute("INSERT INTO adjudications VALUES (?, ?, NULL, 'topic', ?, 'lead', now(), 1, NULL)", [i, i, v])


def test_codes_on_a_calibration_sample_are_practice(tmp_path):
    ws = build(tmp_path / "ws", n=4, purpose="calibration")
    store_codebook(ws.con, CODEBOOK, "cb.yaml")
    _known_answers(ws)
    assign(ws.con, "s", ["aida", "bakyt"], overlap=1.0)
    record_code(ws.con, 1, None, "topic", "b", "aida")  # wrong on purpose: practice
    (origin,) = ws.con.execute("SELECT origin FROM codes").fetchall()[0]
    assert origin == "calibration"
    assert current_codes(ws.con).num_rows == 0  # not a code of the real coding
    assert current_codes(ws.con, sample="s").num_rows == 1  # but the calibration round reads it
    final = {r["post_id"]: (r["value"], r["basis"]) for r in final_codes(ws.con).to_pylist()}
    assert final[1] == ("a", "adjudicated")
    row = {r["coder"]: r for r in progress(ws.con, "s").to_pylist()}["aida"]
    assert (row["agreement_pct"], row["agreement_units"]) == (0.0, 1)
    ws.close()


def test_imported_calibration_codes_are_practice_too(tmp_path):
    ws = build(tmp_path / "ws", n=4, purpose="calibration")
    store_codebook(ws.con, CODEBOOK, "cb.yaml")
    _known_answers(ws)
    assign(ws.con, "s", ["aida", "bakyt"], overlap=1.0)
    csv = tmp_path / "codes.csv"
    csv.write_text("coder,variable,value,platform,post_id\naida,topic,a,facebook,p1\naida,topic,a,facebook,p2\n"
                   "bakyt,topic,b,facebook,p2\n", encoding="utf-8")
    import_codes(ws.con, csv)
    assert {o for (o,) in ws.con.execute("SELECT DISTINCT origin FROM codes").fetchall()} == {"calibration"}
    assert [r["value"] for r in final_codes(ws.con).to_pylist()] == ["a", "b", "a", "b"]  # the known answers
    import_codes(ws.con, csv)  # again: nothing new
    assert ws.con.execute("SELECT count(DISTINCT act_id) FROM codes").fetchall()[0][0] == 3
    ws.close()
