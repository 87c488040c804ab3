"""The coding screen: a coder's samples, and one unit at a time with the codebook's variables.

Saves are coding acts (`shailoo.coding.codes.record_code`, origin 'web'): a number key saves through
static/coding.js (without JavaScript the form posts). A save is checked against the read-only workspace
(the unit is the coder's, the variables and values are the codebook's) and refused at once with its
sentence, or written to the save journal and answered; the journal reaches the workspace within a
moment, each change with an audit entry in the same transaction (server/coding_journal.py). A coder
reaches only their own units (an active assignment of theirs; for a post_actor unit, a mention of the
post) and sees only their own codes, pending saves included: the pages never read another coder's
codes or a machine suggestion (server/coding_data.py).
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
from shailoo.server.coding_journal import pending_codes
from shailoo.server.coding_journal import target as _target
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
        mine = _pending(request, user)
        for s in samples:
            keys = data.unit_keys(ws, user.username, s["sample"], book, mine) if book else None
            s["units"] = keys.num_rows if keys is not None else None
            s["coded"] = sum(keys.column("coded").to_pylist()) if keys is not None else None
    return page(request, "coding_home.html", samples=samples, has_codebook=book is not None,
                flash=take_flash(request))


@router.get("/coding/{sample}")
def coding_sample(request: Request, sample: str, user: User = Depends(CODERS)) -> Response:
    """The coder's next unit to code in the sample (or a page saying there is none)."""
    with request.app.state.gate.read() as ws:
        book = data.codebook(ws)
        keys = data.unit_keys(ws, user.username, sample, book, _pending(request, user)) if book else None
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
        mine = _pending(request, user)
        keys = data.unit_keys(ws, user.username, sample, book, mine)
        unit = data.unit(ws, user.username, post_id, actor_id, mine)
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


def _pending(request: Request, user: User) -> list:
    """The user's own saves not yet in the workspace (read while holding the gate for reading: none is
    applied meanwhile, so each save is seen either pending or stored)."""
    return pending_codes(request.app.state.coding_saves.journal.pending(user.username))


def _save(request: Request, user: User, sample: str, post_id: int, actor_id: int | None,
          given: dict[str, list[str]]):
    """Check the save against the coder's state (server/coder_state.py: their units and codes, read from
    the workspace only when it changed), journal what it changes, then have it applied. Returns (changed
    variables, whether the unit was fully coded before, and after — or, for a form, the coder's unit
    keys), None when the unit is not theirs; a refused save raises its sentence."""
    saves = request.app.state.coding_saves
    states = saves.states
    for _ in range(3):  # a state gone stale between reading it and using it is read again
        with states.lock:
            state = states.fresh(user.username, sample)
            if state is not None:
                outcome = _journal(request, user, state, sample, post_id, actor_id, given)
                break
        states.load(user.username, sample)
    else:
        raise WorkspaceBusy("The workspace keeps changing under this save; try again in a moment.")
    if outcome is None:
        return None
    changed, was, now = outcome
    if changed:
        saves.saved()  # outside the gate and the lock: applying needs the workspace to itself
    if _wants_json(request):
        return sorted(changed), was, now
    with request.app.state.gate.read() as ws:  # a form goes on to a page: the coder's units in order
        keys = data.unit_keys(ws, user.username, sample, state.book, _pending(request, user))
    return sorted(changed), was, keys


def _journal(request: Request, user: User, state, sample: str, post_id: int, actor_id: int | None,
             given: dict[str, list[str]]) -> tuple[dict, bool, bool] | None:
    """Under the states' lock: the save's changes against the coder's stored and pending codes, journaled
    (durable when this returns); None when the unit is not the coder's."""
    book = state.book
    if book is None or (post_id, actor_id) not in state.units:
        return None
    names = [v.name for v in data.variables_for(book, actor_id)]
    codes = _checked(request, book, user, actor_id, given, names)
    current = state.codes((post_id, actor_id), _pending(request, user))
    was = set(names) <= set(current)  # as unit_coded: a code for every variable of the unit
    changed = {var: vals for var, vals in codes.items() if var not in current or sorted(current[var]) != sorted(vals)}
    if changed:
        request.app.state.coding_saves.journal.add(user.username, sample, post_id, actor_id, changed)
    return changed, was, set(names) <= set(current) | set(changed)


def _checked(request: Request, book, user: User, actor_id: int | None, given: dict[str, list[str]],
             names: list[str]) -> dict[str, list[str]]:
    """The save's codes per variable, in codebook order, or a refusal with the sentence record_code gives."""
    from shailoo.coding.codes import check_act, check_person

    unknown = sorted(set(given) - set(names))
    if unknown:  # a variable of the other kind of unit, or none of the codebook's
        raise _Refusal(_t(request, "coding.unknown_variable", name=unknown[0][:60]))
    if check_person(user.username) is None:
        raise _Refusal("A coder's name must be 1 to 100 printable characters, not starting with = + - @.")
    codes = {}
    for variable in sorted(given):
        checked = check_act(book, variable, given[variable], actor_id)
        if isinstance(checked, str):  # an unknown value, or none for a variable that takes one
            raise _Refusal(checked[0].upper() + checked[1:] + ".")
        codes[variable] = list(checked[1])
    return codes


class _Refusal(ShailooError):
    """A save the screen refuses (a variable the unit does not have), in one sentence."""


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
