"""The API's description, for logged-in users only: the OpenAPI document and a page listing the
routes (server-rendered: Swagger UI would load scripts from a CDN, which the app never does)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response

from shailoo.server.auth import require
from shailoo.server.render import page
from shailoo.server.users import User

router = APIRouter()


def _schema(request: Request) -> dict:
    app = request.app
    if getattr(app.state, "openapi", None) is None:
        app.state.openapi = get_openapi(title=app.title, version="1", routes=app.routes)
    return app.state.openapi


@router.get("/api/openapi.json")
def openapi(request: Request, user: User = Depends(require())) -> Response:
    return JSONResponse(_schema(request))


@router.get("/api/docs")
def docs(request: Request, user: User = Depends(require())) -> Response:
    paths = [(path, method.upper(), op.get("summary", ""))
             for path, ops in sorted(_schema(request).get("paths", {}).items()) for method, op in ops.items()]
    return page(request, "api_docs.html", paths=paths)
