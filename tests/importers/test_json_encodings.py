"""JSON and JSON Lines saved as UTF-16 or UTF-32 (PowerShell's `Out-File` default) are read whole
(issue #7 review F9): before, a UTF-16 group.jsonl gave 1 of 5 messages and 6 quarantined rows."""

from __future__ import annotations

import pytest

from shailoo.importers import detect
from shailoo.store.loader import import_file
from tests.conftest import DATA
from tests.importers.helpers import balanced

ENCODINGS = [("utf-16", True), ("utf-16-le", False), ("utf-16-be", False), ("utf-32", True)]


def _resave(src, dst, encoding: str, bom: bool) -> None:
    text = src.read_text(encoding="utf-8").replace("\n", "\r\n")  # PowerShell writes CRLF too
    data = text.encode(encoding)
    if bom and encoding in ("utf-16-le", "utf-16-be"):
        data = "\ufeff".encode(encoding) + data
    dst.write_bytes(data)


@pytest.mark.parametrize("encoding,bom", ENCODINGS)
@pytest.mark.parametrize("fixture,fmt", [("telethon/group.jsonl", "telethon"), ("telethon/channel.json", "telethon"),
                                         ("telegram_desktop/group.json", "telegram_desktop"),
                                         ("vk/wall_reposts.json", "vk"), ("twitter/search-pages.jsonl", "twitter")])
def test_utf16_and_utf32_json_read_like_utf8(workspace, tmp_path, fixture, fmt, encoding, bom):
    src = DATA / fixture
    expected = import_file(workspace, src)
    path = tmp_path / f"{encoding}-{src.name}"
    _resave(src, path, encoding, bom)
    assert detect(path).FORMAT.id == fmt
    got = import_file(workspace, path)
    assert balanced(got)
    assert (got.records, got.quarantined) == (expected.records, expected.quarantined), got
    assert got.imported + got.updated + got.skipped == expected.imported + expected.updated + expected.skipped
