"""Reliability and review (admin, coordinator — the reviewers): alpha and kappa per variable with their
intervals, the disagreement list, and adjudication of a unit (audited).

Reviewers see every coder's codes; the coders' own screen (routes/coding.py) never does.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from shailoo.errors import ShailooError
from shailoo.server import audit
from shailoo.server import coding_data as data
from shailoo.server.auth import require
from shailoo.server.db import WorkspaceBusy
from shailoo.server.render import page
from shailoo.server.routes.coding import (
    NONE,
    _int,
    _t,
    flash,
    query_string,
    redirect,
    take_flash,
)
from shailoo.server.users import User

router = APIRouter()
REVIEWERS = require("admin", "coordinator")
SHOWN = ("variable", "value", "level", "alpha", "ci_low", "ci_high", "units", "coders", "pairable_values",
         "kappa", "weighted_kappa", "percent_agreement", "ac1", "note")
MAX_DISAGREEMENTS = 500


def _sample_names(ws) -> list[str]:
    return [r[0] for r in ws.con.execute("SELECT name FROM samples ORDER BY drawn_at, name").fetchall()]


@router.get("/reliability")
def reliability(request: Request, sample: str = Query("", max_length=100), variable: str = Query("", max_length=64),
                user: User = Depends(REVIEWERS)) -> Response:
    from shailoo.coding.disagreements import disagreements
    from shailoo.coding.reliability import reliability_table

    sample = sample.strip() or None
    table, lists, error = None, {}, None
    with request.app.state.gate.read() as ws:
        book = data.codebook(ws)
        samples = _sample_names(ws)
        if book is not None and (sample is None or sample in samples):
            chosen = [v for v in book.variables if not variable or v.name == variable]
            try:
                table = reliability_table(ws.con, book, variable or None, sample=sample).to_pylist()
            except ShailooError as exc:
                error = str(exc)
            for v in chosen:
                try:
                    rows = disagreements(ws.con, book, v.name, sample).to_pylist()
                except ShailooError as exc:
                    lists[v.name] = (str(exc), [], 0)
                    continue
                lists[v.name] = (None, rows[:MAX_DISAGREEMENTS], len(rows))
        elif sample is not None:
            error = _t(request, "review.unknown_sample", name=sample[:100])
    return page(request, "review_reliability.html", book=book, samples=samples, sample=sample or "",
                variable=variable, table=table, columns=SHOWN, lists=lists, error=error,
                flash=take_flash(request), qs=query_string)


@router.get("/reliability/unit/{post_id}")
def review_unit(request: Request, post_id: int, variable: str = Query(..., max_length=64),
                actor: str = Query("", max_length=20), sample: str = Query("", max_length=100),
                user: User = Depends(REVIEWERS)) -> Response:
    """One unit and variable: the post, what each coder said, the final code, and the adjudication form."""
    from shailoo.coding.codes import current_codes, final_codes

    actor_id = _int(actor) if actor else None
    with request.app.state.gate.read() as ws:
        book = data.codebook(ws)
        var = next((v for v in book.variables if v.name == variable), None) if book else None
        exists = ws.con.execute("SELECT count(*) FROM posts WHERE post_id = ?", [post_id]).fetchall()[0][0]
        if var is None or not exists or (actor and actor_id is None) or ((actor_id is None) != (var.unit == "post")):
            flash(request, _t(request, "review.no_unit"))
            return redirect("/reliability" + ("?" + query_string(sample=sample) if sample else ""))
        unit = data.unit(ws, "", post_id, actor_id)  # "" is no coder: the page lists every coder's codes below

        def of_unit(t):
            rows = t.to_pylist()
            return [r for r in rows if r["post_id"] == post_id and r["actor_id"] == actor_id]

        codes = of_unit(_unit_codes(ws, current_codes, post_id, actor_id, variable))
        final = of_unit(_unit_codes(ws, final_codes, post_id, actor_id, variable))
    by_coder: dict[str, list] = {}
    for r in codes:
        by_coder.setdefault(r["coder"], [])
        if r["value"] is not None:
            by_coder[r["coder"]].append(r["value"])
    return page(request, "review_unit.html", unit=unit, var=var, by_coder=by_coder, final=final, sample=sample,
                none=NONE, flash=take_flash(request), back="/reliability?" + query_string(sample=sample),
                action=f"/reliability/unit/{post_id}/adjudicate")


def _unit_codes(ws, func, post_id: int, actor_id: int | None, variable: str):
    """current_codes / final_codes of one variable, kept to one post (the library reads them per variable)."""
    import pyarrow.compute as pc

    t = func(ws.con, [variable])
    return t.filter(pc.equal(t.column("post_id"), post_id))


@router.post("/reliability/unit/{post_id}/adjudicate")
async def adjudicate_unit(request: Request, post_id: int, user: User = Depends(REVIEWERS)) -> Response:
    """Record the reviewer's final code for a unit (coding.codes.adjudicate) with an audit entry."""
    form = await request.form()
    variable = str(form.get("variable") or "")[:64]
    actor_raw = str(form.get("actor") or "")[:20]
    sample = str(form.get("sample") or "")[:100]
    note = str(form.get("note") or "").strip()[:2000] or None
    values = [v for v in form.getlist("value") if isinstance(v, str) and len(v) <= 200][:200]
    actor_id = _int(actor_raw) if actor_raw else None
    back = f"/reliability/unit/{post_id}?" + query_string(variable=variable, actor=actor_raw, sample=sample)
    if not values:
        flash(request, _t(request, "review.choose"))
        return redirect(back)
    values = [] if values == [NONE] else [v for v in values if v != NONE]
    try:
        await run_in_threadpool(_adjudicate, request, user, post_id, actor_id, variable, values, note)
    except WorkspaceBusy:
        raise
    except ShailooError as exc:
        flash(request, str(exc))
        return redirect(back)
    flash(request, _t(request, "review.decided"), "ok")
    return redirect(back)


def _adjudicate(request: Request, user: User, post_id: int, actor_id: int | None, variable: str,
                values: list[str], note: str | None) -> None:
    from shailoo.coding.codes import adjudicate

    with request.app.state.gate.write() as ws:
        ws.con.execute("BEGIN TRANSACTION")
        try:
            act = adjudicate(ws.con, post_id, actor_id, variable, values, user.username, note)
            audit.record(ws, user.username, "code.adjudicate",
                         f"post {post_id}" + (f", actor {actor_id}" if actor_id is not None else ""),
                         variable=variable, values=values, note=note, act_id=act)
            ws.con.execute("COMMIT")
        except Exception:
            ws.con.execute("ROLLBACK")
            raise
