"""Placeholders for pages issue #12 adds next (each says what it will hold until it lands); every
page of the issue has landed in its own module, so none is left here."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
