"""A standing guard: hostile rows and broken files for every importer, generated from its real fixtures.

Hypothesis mutates each format's fixture — a value replaced by a hostile one (huge, negative, out of
range, script, formula, control characters, deep nesting), bytes inserted, a file cut short — and
imports it through the CLI as a user would. The invariants (issue #7):
- no traceback, ever; exit 0, or exit 1 with one sentence;
- every record accounted for: records = imported + updated + quarantined + skipped;
- afterwards status, metrics, quarantine list and the report still work on the workspace;
- the report runs no script from data, and CSV output starts no formula;
- no private individual's name or id is stored, in any table or in the database file's bytes.

CI runs a fixed, derandomised set of examples (the "ci" profile); `HYPOTHESIS_PROFILE=explore` runs
many more random ones locally.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from shailoo.cli.main import app
from tests.conftest import DATA

settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("explore", max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# format id -> (fixture, extra import options, private values that must never be stored)
FIXTURES = {
    "crowdtangle": (DATA / "crowdtangle" / "group.csv", [], ()),
    "meta_content_library": (DATA / "meta_content_library" / "facebook-posts.csv", [], ()),
    "telegram_desktop": (DATA / "telegram_desktop" / "group.json", [], ("Бакыт Частный", "Жылдыз Частная")),
    "telethon": (DATA / "telethon" / "group.jsonl", [], ("Бакыт Частный",)),
    "vk": (DATA / "vk" / "wall_reposts.json", [], ("Асель", "asel_private")),
    "youtube": (DATA / "youtube" / "videos-list_2024-03-01 10:15:00 UTC.json", [], ()),
    "twitter": (DATA / "twitter" / "search-pages.jsonl", [], ()),
    "generic": (DATA / "generic" / "ok-posts.csv", ["--mapping", str(DATA / "generic" / "ok-mapping.yaml")], ()),
}
CSV_DELIMITER = {"generic": ";"}

BIG = "__BIG_NUMBER__"  # stands for a 5,000-digit number, which json.dumps cannot write
XSS = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
HOSTILE_TEXT = [
    "99999999999999999999", "9223372036854775807", "-5", "1e400", "NaN", "Infinity", "0", "1.5",
    "0001-01-01 00:00:00 +14", "9999-12-31 23:59:59 -14", "2004-01-01", "", " ", "null", "—",
    XSS, "javascript:alert(1)", '=HYPERLINK("http://evil.example","x")', "=1+1", "+1+1", "@SUM(A1)",
    "\t=1+1", "\r=1+1", "\x00\x01\x02", "\u202eevil\u202c", "\ufeff", "a" * 70_000, "ы" * 5_000,
    "1,000,000,000,000,000", "12.0", "1.00050295107499E+14", "..", "../../etc/passwd",
]
HOSTILE_JSON = [BIG, 10**19, -1, 2**63, 1e308, True, False, None, [], {}, [[[[[]]]]], {"count": -1},
                {"count": BIG}, "[" * 3_000, *HOSTILE_TEXT]
SNIPPETS = [b"@@@", b'"', b"\x00", b"{", b"}", b"[", b"]", b",", b"\n", b"\r\n", b"\xff\xfe", b"\xc3",
            b'"""', b";", b"\\", b"{" * 3000, b"\xef\xbb\xbf"]
# Keys whose change legitimately makes a private author public (a person re-typed as a channel):
# the privacy invariant does not apply to them, so value mutations leave them alone.
IDENTITY_KEYS = {"from", "from_id", "sender_id", "sender_name", "peer_id", "owner_id", "user_id", "channel_id",
                 "_", "type", "signer_id", "first_name", "last_name", "screen_name", "profiles", "groups",
                 "User Name", "Group Name"}


class _Line(str):
    """A JSONL line that is not JSON (fixtures keep some on purpose): written back as it was."""


def _json_docs(text: str) -> tuple[list, bool]:
    try:
        return [json.loads(text)], False
    except json.JSONDecodeError:
        docs = []
        for line in text.splitlines():
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError:
                docs.append(_Line(line))
        return docs, True


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in IDENTITY_KEYS:
                yield from _leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, path + (i,))
    elif isinstance(obj, _Line):
        return
    elif path and not (len(path) == 1 and isinstance(path[0], str)):  # not the top-level chat fields
        yield path


def mutate_json(text: str, rnd: random.Random, value) -> str:
    docs, jsonl = _json_docs(text)
    leaves = [(d, p) for d, doc in enumerate(docs) for p in _leaves(doc)]
    d, path = rnd.choice(leaves)
    target = docs[d]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    dump = (lambda o: o if isinstance(o, _Line) else json.dumps(o, ensure_ascii=False))
    out = "\n".join(dump(doc) for doc in docs) + "\n" if jsonl else json.dumps(docs[0], ensure_ascii=False, indent=1)
    return out.replace(json.dumps(BIG), "7" * 5_000)


def mutate_csv(text: str, rnd: random.Random, value: str, delimiter: str) -> str:
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    r = rnd.randrange(1, len(rows))
    c = rnd.randrange(len(rows[r]))
    rows[r][c] = value.replace(BIG, "7" * 5_000)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def mutate_bytes(data: bytes, rnd: random.Random, snippet: bytes, cut: bool) -> bytes:
    at = rnd.randrange(len(data))
    return data[:at] if cut else data[:at] + snippet + data[at:]


mutation = st.one_of(
    st.tuples(st.just("value"), st.sampled_from(HOSTILE_JSON)),
    st.tuples(st.just("value"), st.text(max_size=40)),
    st.tuples(st.just("bytes"), st.sampled_from(SNIPPETS)),
    st.tuples(st.just("cut"), st.none()),
)


def _run(runner, args):
    result = runner.invoke(app, args, catch_exceptions=True)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output, output
    assert not (result.exception and not isinstance(result.exception, SystemExit)), (
        f"{args}: {type(result.exception).__name__}: {result.exception}")
    return result


def _check_import(runner, ws: Path, file: Path, fid: str, extra: list[str]) -> None:
    result = _run(runner, ["import", "-w", str(ws), str(file), "--format", fid, "--json", *extra])
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        message = result.stderr.strip()
        assert message.startswith("Error:") and "\n" not in message, message
        return
    data = json.loads(result.stdout)
    assert data["imported"] + data["updated"] + data["quarantined"] + data["skipped"] == data["records"], data


def _check_workspace(runner, ws: Path, tmp: Path, private: tuple[str, ...]) -> None:
    """After the hostile imports: reading commands work, outputs are safe, nothing private is stored."""
    assert _run(runner, ["status", "-w", str(ws)]).exit_code == 0
    for args in (["metrics", "top", "-f", "csv"], ["quarantine", "list", "-f", "csv"], ["actors", "list", "-f", "csv"]):
        out = _run(runner, [*args[:-2], "-w", str(ws), *args[-2:]])
        assert out.exit_code == 0, out.output
        for row in csv.reader(io.StringIO(out.stdout)):
            for cell in row:
                assert not cell.lstrip()[:1] in ("=", "+", "@") or cell.lstrip()[:1] == "'", (args, cell)
    report = tmp / "report.html"
    assert _run(runner, ["report", "-w", str(ws), "--out", str(report), "--no-text"]).exit_code == 0
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "onerror=" not in html.lower()
    stored = (ws / "shailoo.duckdb").read_bytes()
    for value in private:
        assert value.encode("utf-8") not in stored, f"{value!r} is in the database file"


@pytest.mark.parametrize("fid", sorted(FIXTURES))
def test_hostile_files_never_bring_shailoo_down(fid, runner, tmp_path_factory):
    fixture, extra, private = FIXTURES[fid]
    original = fixture.read_bytes()
    ws = tmp_path_factory.mktemp(f"fuzz-{fid}") / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    files = tmp_path_factory.mktemp(f"files-{fid}")
    counter = iter(range(10**9))

    @given(mutation, st.randoms(use_true_random=False))
    def one(change, rnd):
        kind, value = change
        if kind == "value":
            text = original.decode("utf-8-sig")
            if fixture.suffix == ".csv":
                data = mutate_csv(text, rnd, value if isinstance(value, str) else json.dumps(value),
                                  CSV_DELIMITER.get(fid, ",")).encode("utf-8")
            else:
                data = mutate_json(text, rnd, value).encode("utf-8")
        else:
            data = mutate_bytes(original, rnd, value or b"", cut=kind == "cut")
        path = files / f"{next(counter):04d}-{fixture.name}"
        path.write_bytes(data)
        _check_import(runner, ws, path, fid, extra)

    one()
    _check_workspace(runner, ws, files, private)
