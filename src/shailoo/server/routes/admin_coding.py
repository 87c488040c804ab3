"""Administration of coding (admin, coordinator): samples (draw with the kinds of `shailoo coding sample
draw`, list, show), assignments (to users with role coder, with overlap; release idle coders' posts),
and the codebook (import an uploaded YAML file or the built-in election codebook; show).

Every change is written to the audit log in the transaction that makes it. A refused change comes back
to its page with the library's one sentence (post/redirect/get).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from shailoo.errors import ShailooError, UsageError
from shailoo.server import audit
from shailoo.server import coding_data as data
from shailoo.server.auth import require
from shailoo.server.db import WorkspaceBusy
from shailoo.server.render import page
from shailoo.server.routes.coding import _t, flash, redirect, take_flash
from shailoo.server.users import User

router = APIRouter()
STAFF = require("admin", "coordinator")
SAMPLE_COLUMNS = ("sample", "purpose", "kind", "posts", "strata", "assigned_posts", "coders", "seed", "rule")
PROGRESS_COLUMNS = ("coder", "posts", "units", "coded", "remaining", "overlap_units", "overlap_coded",
                    "released_posts", "unassigned_posts", "last_act", "agreement_pct")


def _sample_url(name: str) -> str:
    return f"/admin/samples/{quote(name, safe='')}"


def _write(request: Request, change, back: str, done: str) -> Response:
    """Run a change in one write transaction; its refusal or success is shown on `back` after the redirect."""
    try:
        with request.app.state.gate.write() as ws:
            change(ws)
    except WorkspaceBusy:
        raise
    except ShailooError as exc:
        flash(request, str(exc))
        return redirect(back)
    flash(request, done, "ok")
    return redirect(back)


def _split(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in (text or "").split(",") if v.strip())


def _number(text: str, kind, what: str):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise UsageError(f"{what} must be a number, not '{text[:40]}'.") from None


@router.get("/admin/samples")
def samples_page(request: Request, user: User = Depends(STAFF)) -> Response:
    from shailoo.coding.samples import KINDS, PURPOSES, TOP_CATEGORIES, list_samples

    with request.app.state.gate.read() as ws:
        rows = list_samples(ws.con).to_pylist()
        periods = [p.name for p in ws.config.periods]
        book = data.codebook(ws)
    return page(request, "admin_samples.html", rows=rows, columns=SAMPLE_COLUMNS, kinds=KINDS, purposes=PURPOSES,
                top_categories=",".join(TOP_CATEGORIES), periods=periods, has_codebook=book is not None,
                flash=take_flash(request))


@router.post("/admin/samples")
def draw(request: Request, name: str = Form(..., max_length=100), kind: str = Form(..., max_length=20),
         count: str = Form("", max_length=20), fraction: str = Form("", max_length=20),
         by: str = Form("", max_length=200), top_categories: str = Form("", max_length=300),
         proportional: bool = Form(False), query: str = Form("", max_length=2000),
         purpose: str = Form("coding", max_length=20), seed: str = Form("", max_length=25),
         replace: bool = Form(False), period: str = Form("", max_length=200), platform: str = Form("", max_length=40),
         category: str = Form("", max_length=40), actor: str = Form("", max_length=200),
         all_posts: bool = Form(False), user: User = Depends(STAFF)) -> Response:
    """Draw a sample (the kinds of `shailoo coding sample draw`) and find the actors its posts mention."""
    from shailoo.api import select
    from shailoo.coding.mentions import find_mentions
    from shailoo.coding.samples import TOP_CATEGORIES, SampleRule, draw_sample

    def change(ws):
        rule = SampleRule(kind.strip().lower(), count=_number(count, int, "The count"),
                          fraction=_number(fraction, float, "The fraction"), by=_split(by),
                          top_categories=_split(top_categories) if top_categories.strip() else TOP_CATEGORIES,
                          proportional=proportional, query=query or None, seed=_number(seed, int, "The seed"),
                          purpose=purpose.strip().lower())
        flt, _ = select(ws, period=period.strip() or None, platform=platform.strip() or None,
                        category=category.strip() or None, actor=actor.strip() or None, all_posts=all_posts)
        summary = draw_sample(ws, name.strip(), rule, flt, replace_existing=replace)
        found = find_mentions(ws.con, summary["sample"])
        audit.record(ws, user.username, "sample.draw", summary["sample"], rule=summary["rule"],
                     posts=summary["posts"], added=summary["added"], removed=summary["removed"],
                     mentions=found["mentions"])

    return _write(request, change, _sample_url(name.strip()) if name.strip() else "/admin/samples",
                  _t(request, "samples.drawn"))


@router.get("/admin/samples/{sample}")
def sample_page(request: Request, sample: str, user: User = Depends(STAFF)) -> Response:
    from shailoo.coding.assign import progress
    from shailoo.coding.samples import describe, load_rule, sample_strata

    try:
        with request.app.state.gate.read() as ws:
            rule = load_rule(ws.con, sample)
            strata = sample_strata(ws.con, sample).to_pylist()
            prog = progress(ws.con, sample).to_pylist()
            coders = data.coders(ws)
    except WorkspaceBusy:
        raise
    except ShailooError as exc:
        flash(request, str(exc))
        return redirect("/admin/samples")
    return page(request, "admin_samples_show.html", sample=sample, rule=describe(rule), strata=strata, progress=prog,
                columns=PROGRESS_COLUMNS, coders=coders, url=_sample_url(sample), flash=take_flash(request))


@router.post("/admin/samples/{sample}/assign")
async def assign_sample(request: Request, sample: str, user: User = Depends(STAFF)) -> Response:
    """Assign the sample's unassigned posts to the chosen coders (users with role coder), with overlap."""
    from fastapi.concurrency import run_in_threadpool

    from shailoo.coding.assign import assign

    form = await request.form()
    chosen = [c for c in form.getlist("coders") if isinstance(c, str)][:200]
    overlap_text = str(form.get("overlap") or "20")[:20]
    group_text = str(form.get("overlap_coders") or "2")[:5]
    reassign = form.get("reassign_released") in ("on", "true", "1")

    def change(ws):
        known = set(data.coders(ws))
        strangers = [c for c in chosen if c not in known]
        if strangers:
            raise UsageError(_t(request, "samples.not_a_coder", name=strangers[0][:100]))
        if not chosen:
            raise UsageError(_t(request, "samples.choose_coders"))
        overlap = _number(overlap_text, float, "The overlap") / 100
        summary = assign(ws.con, sample, chosen, overlap=overlap, overlap_coders=_number(group_text, int, "The coders per overlap post"),
                         reassign_released=reassign)
        audit.record(ws, user.username, "sample.assign", sample, coders=chosen, overlap=overlap,
                     new_posts=summary["new_posts"], new_overlap_posts=summary["new_overlap_posts"],
                     reassigned=summary["reassigned"])

    return await run_in_threadpool(_write, request, change, _sample_url(sample), _t(request, "samples.assigned"))


@router.post("/admin/samples/{sample}/release")
def release_sample(request: Request, sample: str, idle_hours: str = Form("48", max_length=20),
                   user: User = Depends(STAFF)) -> Response:
    """Release the unfinished posts of coders idle for the given hours (coding.assign.release)."""
    from shailoo.coding.assign import release

    def change(ws):
        released = release(ws.con, _number(idle_hours, float, "The idle time") or 0, sample).to_pylist()
        audit.record(ws, user.username, "sample.release", sample, idle_hours=idle_hours,
                     released={r["coder"]: r["released_posts"] for r in released})

    return _write(request, change, _sample_url(sample), _t(request, "samples.released"))


@router.get("/admin/codebook")
def codebook_page(request: Request, user: User = Depends(STAFF)) -> Response:
    with request.app.state.gate.read() as ws:
        book = data.codebook(ws)
        versions = ws.con.execute("SELECT version, imported_at, source_file, changes FROM codebooks "
                                  "ORDER BY version DESC").fetchall()
    return page(request, "admin_codebook.html", book=book, versions=versions, flash=take_flash(request))


@router.post("/admin/codebook")
async def import_codebook(request: Request, user: User = Depends(STAFF)) -> Response:
    """Import an uploaded codebook (YAML, UTF-8, at most 1 MB) or the built-in election codebook."""
    from fastapi.concurrency import run_in_threadpool

    from shailoo.coding.codebook import MAX_BYTES, builtin_codebook_text, store_codebook

    form = await request.form()
    builtin = str(form.get("builtin") or "").strip()[:40]
    upload = form.get("file")
    try:
        if builtin:
            text, source = builtin_codebook_text(builtin), f"builtin:{builtin}"
        elif upload is not None and not isinstance(upload, str) and getattr(upload, "filename", ""):
            raw = await upload.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                raise UsageError(_t(request, "codebook.too_large"))
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise UsageError(_t(request, "codebook.not_utf8")) from None
            source = str(upload.filename)[:200]
        else:
            raise UsageError(_t(request, "codebook.choose"))
    except ShailooError as exc:
        flash(request, str(exc))
        return redirect("/admin/codebook")

    def change(ws):
        book, stored = store_codebook(ws.con, text, source)
        if stored:
            audit.record(ws, user.username, "codebook.import", f"version {book.version}", source=source,
                         changes=list(book.changes))

    return await run_in_threadpool(_write, request, change, "/admin/codebook", _t(request, "codebook.imported"))

