"""Posts: browse and search the workspace's posts (kwic's query language), every role."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from shailoo.server import posts_data as data
from shailoo.server.auth import require
from shailoo.server.dashboard import choices
from shailoo.server.posts_search import IndexCache
from shailoo.server.render import page
from shailoo.server.users import User

router = APIRouter()
READ = require()  # every role reads the posts


def _query(q: str = Query("", max_length=data.MAX_QUERY), period: str = Query("", max_length=200),
           platform: str = Query("", max_length=40), category: str = Query("", max_length=40),
           actor: str = Query("", max_length=200), since: str = Query("", max_length=10),
           until: str = Query("", max_length=10), all: bool = Query(False), own: bool = Query(False),
           sort: str = Query("time", max_length=20), page: int = Query(1, ge=1, le=data.MAX_PAGE)) -> data.PostsQuery:
    return data.PostsQuery(q.strip(), period.strip(), platform.strip(), category.strip(), actor.strip(),
                           since.strip(), until.strip(), all, own, sort.strip(), page)


def index_cache(request: Request) -> IndexCache:
    """The app's search index (built at the first search, rebuilt after an import)."""
    state = request.app.state
    if getattr(state, "posts_index", None) is None:
        state.posts_index = IndexCache()
    return state.posts_index


@router.get("/posts")
def posts(request: Request, user: User = Depends(READ), q: data.PostsQuery = Depends(_query)) -> Response:
    cache = index_cache(request)
    with request.app.state.gate.read() as ws:
        offered = choices(ws)
        result = data.browse(ws, cache, q)
        zone = ws.config.timezone
    return page(request, "posts.html", q=q, choices=offered, result=result, zone=zone, sorts=data.SORTS,
                page_size=data.PAGE_SIZE)
