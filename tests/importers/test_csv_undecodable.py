"""One byte that is not valid in a CSV file's encoding costs its row, not the file (issue #7 review F10);
a file where such rows are common is refused in one sentence, as before."""

from __future__ import annotations

import pytest

from shailoo.errors import WrongFormat
from shailoo.importers.base import Source
from shailoo.store.loader import import_file
from tests.conftest import DATA
from tests.importers.helpers import balanced

FIXTURES = [("crowdtangle/group.csv", "crowdtangle", None),
            ("meta_content_library/facebook-posts.csv", "meta_content_library", None),
            ("generic/ok-posts.csv", "generic", DATA / "generic" / "ok-mapping.yaml")]


def _with_stray_byte(src, dst) -> int:
    """`src` with 0xff inserted into its first data line, right after its first delimiter: the line number."""
    lines = src.read_bytes().split(b"\n")
    delimiter = b";" if lines[0].count(b";") > lines[0].count(b",") else b","
    lines[1] = lines[1].replace(delimiter, delimiter + b"\xff", 1)
    dst.write_bytes(b"\n".join(lines))
    return 2


@pytest.mark.parametrize("fixture,fmt,mapping", FIXTURES)
def test_a_stray_byte_quarantines_its_row_only(workspace, tmp_path, fixture, fmt, mapping):
    src = DATA / fixture
    options = {"mapping": mapping} if mapping else None
    whole = import_file(workspace, src, fmt, options)
    path = tmp_path / f"stray-{src.name}"
    line = _with_stray_byte(src, path)
    result = import_file(workspace, path, fmt, options)  # before: refused, "is not UTF-8 text"
    assert balanced(result) and result.records == whole.records
    assert result.quarantined == whole.quarantined + 1, result
    reasons = [r for (r,) in workspace.con.execute(
        "SELECT reason FROM quarantine WHERE import_id = ?", [result.import_id]).fetchall()]
    assert any(f"bytes not valid in UTF-8 at line {line}" in r for r in reasons), reasons
    raw = workspace.con.execute("SELECT raw FROM quarantine WHERE reason LIKE 'bytes not valid%'").fetchone()[0]
    assert "\ufffd" in raw


def test_a_mostly_undecodable_file_is_refused(tmp_path):
    from shailoo.importers import crowdtangle
    src = DATA / "crowdtangle" / "group.csv"
    lines = src.read_bytes().split(b"\n")
    body = [lines[1].replace(b",", b",\xff", 1) for _ in range(40)]  # the same row 40 times
    path = tmp_path / "cp1251-like.csv"
    path.write_bytes(b"\n".join([lines[0], *body]) + b"\n")
    with pytest.raises(WrongFormat, match="is not valid UTF-8 text"):
        list(crowdtangle.read(Source(path)))
