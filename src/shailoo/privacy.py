"""Keyed pseudonyms for private individuals (commenters, group members, people who forward).

HMAC-SHA256 with the workspace's secret key: the same person gets the same pseudonym in every
import (so activity can be counted and linked), and nobody without the key can recover the id.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "p_"


def pseudonym(key: bytes, platform: str, account_id: str) -> str:
    digest = hmac.new(key, f"{platform}:{account_id}".encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:24]
