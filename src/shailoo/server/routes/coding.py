"""The coding screen: a coder's samples, and one unit at a time with the codebook's variables.

Saves are coding acts (`shailoo.coding.codes.record_code`, origin 'web'), written at once (a number
key saves through static/coding.js; without JavaScript the form posts), each change with an audit
entry in the same transaction. A coder reaches only their own units (an active assignment of theirs;
for a post_actor unit, a mention of the post) and sees only their own codes: the pages never read
another coder's codes or a machine suggestion (server/coding_data.py).
"""

from __future__ import annotations

import threading
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from shailoo.errors import ShailooError
from shailoo.server import audit
from shailoo.server import coding_data as data
from shailoo.server.auth import require
from shailoo.server.db import WorkspaceBusy
from shailoo.server.render import page
from shailoo.server.users import User

router = APIRouter()
CODERS = require("admin", "coordinator", "coder")
NONE = "__none__"  # the form's "none of these" of a multi-label variable
MAX_ID = 2**62


# -- one-time messages after a redirect (post/redirect/get), kept per session in the server's memory --

_FLASH_LOCK = threading.Lock()


def flash(request: Request, message: str, kind: str = "error") -> None:
    with _FLASH_LOCK:
        store = getattr(request.app.state, "coding_flash", None)
        if store is None:
            store = request.app.state.coding_flash = {}
        if len(store) > 10_000:
            store.clear()
        store[request.state.session.token] = (kind, message[:500])


def take_flash(request: Request) -> tuple[str, str] | None:
    with _FLASH_LOCK:
        store = getattr(request.app.state, "coding_flash", None) or {}
        return store.pop(request.state.session.token, None)


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def unit_url(sample: str, key: tuple[int, int | None] | None) -> str:
    base = f"/coding/{quote(sample, safe='')}"
    if key is None:
        return base
    post_id, actor_id = key
    return f"{base}/{post_id}" + (f"?actor={actor_id}" if actor_id is not None else "")


def _int(value: object) -> int | None:
    """An id from a form or query: a non-negative integer, else None."""
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        n = int(value)
        return n if n < MAX_ID else None
    return None


# -- pages ------------------------------------------------------------------------------------------

@router.get("/coding")
def coding_home(request: Request, user: User = Depends(CODERS)) -> Response:
    with request.app.state.gate.read() as ws:
        book = data.codebook(ws)
        samples = data.my_samples(ws, user.username)
        for s in samples:
            keys = data.unit_keys(ws, user.username, s["sample"], book) if book else None
            s["units"] = keys.num_rows if keys is not None else None
            s["coded"] = sum(keys.column("coded").to_pylist()) if keys is not None else None
    return page(request, "coding_home.html", samples=samples, has_codebook=book is not None,
                flash=take_flash(request))


@router.get("/coding/{sample}")
def coding_sample(request: Request, sample: str, user: User = Depends(CODERS)) -> Response:
    """The coder's next unit to code in the sample (or a page saying there is none)."""
    with request.app.state.gate.read() as ws:
        book = data.codebook(ws)
        keys = data.unit_keys(ws, user.username, sample, book) if book else None
    if keys is not None and keys.num_rows:
        pos = data.position(keys, None, None)
        if pos.next_uncoded is not None:
            return redirect(unit_url(sample, pos.next_uncoded))
    return page(request, "coding_done.html", sample=sample, has_codebook=book is not None,
                total=keys.num_rows if keys is not None else 0, first=unit_url(sample, data._key(keys, 0))
                if keys is not None and keys.num_rows else None, flash=take_flash(request))


@router.get("/coding/{sample}/{post_id}")
def coding_unit(request: Request, sample: str, post_id: int, actor: str = "",
                user: User = Depends(CODERS)) -> Response:
    actor_id = _int(actor) if actor else None
    if actor and actor_id is None:
        return redirect(unit_url(sample, None))
    with request.app.state.gate.read() as ws:
        book = data.codebook(ws)
        if book is None or not data.is_assigned(ws, user.username, sample, post_id, actor_id):
            flash(request, _t(request, "coding.not_yours"))
            return redirect(unit_url(sample, None))
        keys = data.unit_keys(ws, user.username, sample, book)
        unit = data.unit(ws, user.username, post_id, actor_id)
        actors = data.actors(ws)
    pos = data.position(keys, post_id, actor_id)
    variables = data.variables_for(book, actor_id)
    return page(request, "coding_unit.html", sample=sample, unit=unit, variables=variables, pos=pos,
                book=book, actors=actors, none=NONE, flash=take_flash(request),
                prev_url=unit_url(sample, pos.prev) if pos.prev else None,
                next_url=unit_url(sample, pos.next) if pos.next else None,
                save_url=f"/coding/{quote(sample, safe='')}/{post_id}/save",
                mention_url=f"/coding/{quote(sample, safe='')}/{post_id}/mention")


def _t(request: Request, key: str, **values) -> str:
    from shailoo.server.i18n import Messages
    from shailoo.server.render import language

    return Messages(language(request))(key, **values)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _refused(request: Request, sample: str, message: str, post_id: int | None = None,
             actor_id: int | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"saved": False, "error": message}, status_code=409)
    flash(request, message)
    return redirect(unit_url(sample, (post_id, actor_id) if post_id is not None else None))


@router.post("/coding/{sample}/{post_id}/save")
async def coding_save(request: Request, sample: str, post_id: int, user: User = Depends(CODERS)) -> Response:
    """Save the unit's values (each variable given is one coding act), then show the next unit or stay.

    Form: actor (for a post_actor unit), `v:<variable>` (one value; several for a multi-label
    variable, or __none__ for none of them), go = next | stay."""
    form = await request.form()
    actor_raw = form.get("actor") or ""
    actor_id = _int(actor_raw) if actor_raw else None
    if actor_raw and actor_id is None:
        return _refused(request, sample, _t(request, "coding.not_yours"))
    given = {}
    for key in set(form.keys()):
        if key.startswith("v:") and len(key) <= 70:
            values = [v for v in form.getlist(key) if isinstance(v, str) and len(v) <= 200][:200]
            if values:
                given[key[2:]] = [] if values == [NONE] else [v for v in values if v != NONE]
    go = form.get("go") or "stay"
    try:
        saved = await run_in_threadpool(_save, request, user, sample, post_id, actor_id, given)
    except WorkspaceBusy:
        raise
    except ShailooError as exc:
        return _refused(request, sample, str(exc), post_id, actor_id)
    if saved is None:
        return _refused(request, sample, _t(request, "coding.not_yours"))
    if _wants_json(request):
        changed, was, now = saved
        return JSONResponse({"saved": True, "changed": changed, "was_coded": was, "unit_coded": now})
    changed, was, keys = saved
    pos = data.position(keys, post_id, actor_id)
    if go == "next":
        return redirect(unit_url(sample, pos.next_uncoded) if pos.next_uncoded else unit_url(sample, None))
    flash(request, _t(request, "coding.saved"), "ok")
    return redirect(unit_url(sample, (post_id, actor_id)))


def _save(request: Request, user: User, sample: str, post_id: int, actor_id: int | None,
          given: dict[str, list[str]]):
    """Record the save through the app's writer (group commit), then, for a form, the coder's unit keys."""
    done = _writer(request).submit(lambda ws: _record(request, ws, user, sample, post_id, actor_id, given))
    if done is None or _wants_json(request):
        return done
    with request.app.state.gate.read() as ws:
        return done[0], done[1], data.unit_keys(ws, user.username, sample, data.codebook(ws))


def _record(request: Request, ws, user: User, sample: str, post_id: int, actor_id: int | None,
            given: dict[str, list[str]]):
    """In one transaction: check the unit is the user's, record each variable's act, audit each change.
    Returns (changed variables, whether the unit was fully coded before, and after), None when not theirs."""
    from shailoo.coding.codes import current_value_set, record_code

    book = data.codebook(ws)
    if book is None or not data.is_assigned(ws, user.username, sample, post_id, actor_id):
        return None
    wanted = data.variables_for(book, actor_id)
    unknown = sorted(set(given) - {v.name for v in wanted})
    if unknown:  # a variable of the other kind of unit, or none of the codebook's
        raise _Refusal(_t(request, "coding.unknown_variable", name=unknown[0][:60]))
    was = data.unit_coded(ws, user.username, post_id, actor_id, [v.name for v in wanted])
    changed = []
    ws.con.execute("BEGIN TRANSACTION")
    try:
        for variable in sorted(given):
            before = current_value_set(ws.con, post_id, actor_id, variable, user.username)
            act = record_code(ws.con, post_id, actor_id, variable, given[variable], user.username, "web")
            if before is None or before[0] != act:
                after = current_value_set(ws.con, post_id, actor_id, variable, user.username)
                audit.record(ws, user.username, "code.record", _target(sample, post_id, actor_id),
                             variable=variable, before=list(before[1]) if before else None,
                             after=list(after[1]) if after else None, act_id=act)
                changed.append(variable)
        ws.con.execute("COMMIT")
    except Exception:
        ws.con.execute("ROLLBACK")
        raise
    return changed, was, data.unit_coded(ws, user.username, post_id, actor_id, [v.name for v in wanted])


class Writer:
    """Group commit for saves: twenty coders pressing keys at once share one opening of the workspace for
    writing (opening and closing it costs more than a save). A save waits for its own transaction to
    commit before it is answered, so an answered save is stored. One daemon thread per app writes."""

    def __init__(self, gate) -> None:
        self.gate = gate
        self._cond = threading.Condition()
        self._jobs: list = []
        threading.Thread(target=self._run, name="shailoo-coding-writer", daemon=True).start()

    def submit(self, job):
        from concurrent.futures import Future

        done: Future = Future()
        with self._cond:
            self._jobs.append((job, done))
            self._cond.notify()
        return done.result()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs:
                    self._cond.wait()
                batch, self._jobs = self._jobs[:200], self._jobs[200:]
            outcomes = []
            try:
                with self.gate.write() as ws:
                    for job, _ in batch:  # each its own transaction: one refused save fails alone
                        try:
                            outcomes.append((True, job(ws)))
                        except BaseException as exc:  # noqa: BLE001 - handed to the request that asked
                            outcomes.append((False, exc))
            except BaseException as exc:  # noqa: BLE001 - the workspace could not be opened (busy)
                outcomes = [(False, exc)] * len(batch)
            # answered once the workspace is closed again: between requests the server holds nothing
            for (_, done), (ok, value) in zip(batch, outcomes):
                done.set_result(value) if ok else done.set_exception(value)


_WRITER_LOCK = threading.Lock()


def _writer(request: Request) -> Writer:
    with _WRITER_LOCK:
        writer = getattr(request.app.state, "coding_writer", None)
        if writer is None:
            writer = request.app.state.coding_writer = Writer(request.app.state.gate)
    return writer


class _Refusal(ShailooError):
    """A save the screen refuses (a variable the unit does not have), in one sentence."""


def _target(sample: str, post_id: int, actor_id: int | None) -> str:
    return f"sample {sample}, post {post_id}" + (f", actor {actor_id}" if actor_id is not None else "")


@router.post("/coding/{sample}/{post_id}/mention")
def coding_mention(request: Request, sample: str, post_id: int, actor_id: str = Form("", max_length=20),
                   user: User = Depends(CODERS)) -> Response:
    """Add an actor the post mentions that the alias search missed; the new unit opens."""
    from shailoo.coding.mentions import add_mention

    actor_id = _int(actor_id)
    if actor_id is None:
        return _refused(request, sample, _t(request, "coding.choose_actor"), post_id)
    try:
        with request.app.state.gate.write() as ws:
            if not data.is_assigned(ws, user.username, sample, post_id, None):
                return _refused(request, sample, _t(request, "coding.not_yours"))
            if not ws.con.execute("SELECT count(*) FROM actors WHERE actor_id = ?", [actor_id]).fetchall()[0][0]:
                return _refused(request, sample, _t(request, "coding.choose_actor"), post_id)
            ws.con.execute("BEGIN TRANSACTION")
            try:
                if add_mention(ws.con, post_id, actor_id, user.username):
                    audit.record(ws, user.username, "mention.add", _target(sample, post_id, actor_id))
                ws.con.execute("COMMIT")
            except Exception:
                ws.con.execute("ROLLBACK")
                raise
    except WorkspaceBusy:
        raise
    except ShailooError as exc:
        return _refused(request, sample, str(exc), post_id)
    return redirect(unit_url(sample, (post_id, actor_id)))


def query_string(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
