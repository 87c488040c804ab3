"""The workspace's pseudonym key: read only from a regular file, within bounds, and never overwritten.

The key is the privacy: HMAC-SHA256 pseudonyms (shailoo/privacy.py) can be reversed by anyone who
has it, or guessed when it is short or repeats a few byte values.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from shailoo.errors import PseudonymKeyError, printable

KEY_NAME = "pseudonym.key"  # keep out of anything you share: it links pseudonyms back to ids
MIN_KEY_BYTES = 32  # HMAC-SHA256 key: shorter keys can be guessed, and pseudonyms reversed
MAX_KEY_BYTES = 4096
MIN_KEY_DISTINCT_BYTES = 8  # 32 random bytes have ~30 distinct values; fewer than 8 is no secret


def read_key(folder: Path) -> bytes:
    path = folder / KEY_NAME
    where = printable(path)
    restore = "restore it from your backup of the workspace (pseudonyms already stored need the same key)"
    new = f"if this workspace never imported private authors, create one with `shailoo key new -w {printable(folder)}`"
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a device or a pipe would be read forever
            raise PseudonymKeyError(f"The pseudonym key {where} is not a regular file; {restore}, or {new}.")
        with open(path, "rb") as fh:
            key = fh.read(MAX_KEY_BYTES + 1)
    except FileNotFoundError:
        raise PseudonymKeyError(f"The pseudonym key {where} is missing; {restore}, or {new}.") from None
    except OSError as exc:
        raise PseudonymKeyError(f"The pseudonym key {where} cannot be read ({exc.strerror or exc}); "
                                "give this user read access to it.") from None
    if len(key) > MAX_KEY_BYTES:
        raise PseudonymKeyError(f"The pseudonym key {where} is longer than {MAX_KEY_BYTES:,} bytes, so it is not a "
                                f"key shailoo made; {restore}, or {new}.")
    if len(set(key)) < MIN_KEY_DISTINCT_BYTES:
        raise PseudonymKeyError(f"The pseudonym key {where} repeats a few byte values only (a file of zeros or "
                                f"newlines?), so pseudonyms made with it could be reversed; {restore}, or {new}.")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"The pseudonym key {where} is {len(key)} bytes long, too short to keep pseudonyms "
                                f"secret (at least {MIN_KEY_BYTES}); {restore}, or {new}.")
    return key


def write_key(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never overwrite a key
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(MIN_KEY_BYTES))
