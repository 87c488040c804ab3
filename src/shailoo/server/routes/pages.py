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


@router.get("/coding")
def coding(request: Request, user: User = Depends(require("admin", "coordinator", "coder"))) -> Response:
    return page(request, "placeholder.html", title_key="nav.coding", body_key="soon.coding")


@router.get("/reliability")
def reliability(request: Request, user: User = Depends(require("admin", "coordinator"))) -> Response:
    return page(request, "placeholder.html", title_key="nav.reliability", body_key="soon.reliability")
