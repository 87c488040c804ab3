"""One hostile value in one record of each format's fixture: that record is quarantined with the
reason, every other record is imported as before, and the workspace's reports still work (issue #7,
items 5 and 6: counts beyond 64 bits, years 1 and 9999, Unix 0 and 1.5)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from shailoo.cli.main import app
from tests.fuzz.test_fuzz_importers import BIG, CSV_DELIMITER, FIXTURES, _json_docs, _Line

COUNT_KEYS = {"views", "forwards", "likes", "comments", "reposts", "viewCount", "likeCount", "commentCount",
              "retweet_count", "like_count"}
TIME_KEYS = {"date", "date_unixtime", "publishedAt", "created_at"}
CSV_COUNT = {"crowdtangle": "Likes", "meta_content_library": "statistics.like_count", "generic": "Классы"}
CSV_TIME = {"crowdtangle": "Post Created", "meta_content_library": "creation_time", "generic": "Дата"}
HUGE = "99999999999999999999"
TIMES = ["0001-01-01 00:00:00 +14", "9999-12-31 23:59:59 -14", 0, 1.5]


def _first_dict_with(obj, keys):
    if isinstance(obj, dict):
        if any(k in obj and isinstance(obj[k], (int, str, float, dict)) for k in keys) and not isinstance(obj, _Line):
            return obj
        children = obj.values()
    elif isinstance(obj, list):
        children = obj
    else:
        return None
    for child in children:
        if (found := _first_dict_with(child, keys)) is not None:
            return found
    return None


def _set_json(text: str, keys: set[str], value) -> str:
    docs, jsonl = _json_docs(text)
    target = next((t for d in docs if not isinstance(d, _Line) and (t := _first_dict_with(d, keys)) is not None),
                  None)
    if target is None:  # a fixture without counts (a Telegram group): the first message gets views
        target = next(_first_dict_with(d, TIME_KEYS) for d in docs if not isinstance(d, _Line))
        target["views"] = value
    for key in keys & target.keys():
        if isinstance(target[key], dict):
            target[key]["count"] = value
        else:
            target[key] = value
    dump = (lambda o: o if isinstance(o, _Line) else json.dumps(o, ensure_ascii=False))
    out = "\n".join(dump(d) for d in docs) + "\n" if jsonl else json.dumps(docs[0], ensure_ascii=False)
    return out.replace(json.dumps(BIG), HUGE)


def _set_csv(text: str, fid: str, column: str, value) -> str:
    delimiter = CSV_DELIMITER.get(fid, ",")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows[1][rows[0].index(column)] = str(value)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _import(runner, ws: Path, file: Path, fid: str, extra) -> dict:
    result = runner.invoke(app, ["import", "-w", str(ws), str(file), "--format", fid, "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _variants(fid: str, text: str):
    if FIXTURES[fid][0].suffix == ".csv":
        yield "count", _set_csv(text, fid, CSV_COUNT[fid], HUGE)
        for t in TIMES:
            yield f"time {t}", _set_csv(text, fid, CSV_TIME[fid], t)
    else:
        yield "count", _set_json(text, COUNT_KEYS, BIG)
        for t in TIMES:
            yield f"time {t}", _set_json(text, TIME_KEYS, t)


@pytest.mark.parametrize("fid", sorted(FIXTURES))
def test_one_hostile_value_quarantines_one_record(fid, runner, tmp_path):
    fixture, extra, _ = FIXTURES[fid]
    text = fixture.read_text(encoding="utf-8-sig")
    ws = tmp_path / "ws"
    runner.invoke(app, ["init", str(ws)])
    baseline = _import(runner, ws, fixture, fid, extra)
    for n, (what, variant) in enumerate(_variants(fid, text)):
        file = tmp_path / f"{n}-{fixture.name}"
        file.write_text(variant, encoding="utf-8")
        got = _import(runner, ws, file, fid, extra)  # into the same workspace: the other records are known
        assert got["records"] == baseline["records"], (what, got, baseline)
        assert got["quarantined"] == baseline["quarantined"] + 1, (what, got, baseline)
    for args in (["metrics", "top"], ["status"], ["report", "--no-text", "--out", str(tmp_path / "r.html")]):
        result = runner.invoke(app, [*args, "-w", str(ws)])
        assert result.exit_code == 0, (args, result.output)
