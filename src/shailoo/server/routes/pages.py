"""The pages issue #12 adds next, each saying what it will hold until it lands (with its roles)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from shailoo.server.auth import require
from shailoo.server.render import page
from shailoo.server.users import User

router = APIRouter()


@router.get("/posts")
def posts(request: Request, user: User = Depends(require())) -> Response:
    return page(request, "placeholder.html", title_key="nav.posts", body_key="soon.posts")

