"""`shailoo collect`: keep the workspace fed from platform APIs and public pages (docs/collect.md)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Optional
from urllib.parse import urlsplit

import typer

from shailoo.cli.common import (JsonOpt, OutputOptions, WorkspaceOpt, console, note_line, print_table, progress,
                                table_command)
from shailoo.cli.options import examples

_HELP = """Collect what is due for every registered account: new posts, and readings of recent posts.

Readings are taken 24 h, 72 h and 7 days after posting (shailoo.toml [collect] reading_ages), so
the 72-hour snapshot rule is met by design. Credentials come from the environment or the keyring
(SHAILOO_VK_TOKEN, SHAILOO_YOUTUBE_KEY, SHAILOO_TELEGRAM_API_ID, SHAILOO_TELEGRAM_API_HASH), never
from the workspace. Every answer is archived in the workspace before it is imported; --reimport
imports the archive again without calling any platform; archived bodies are deleted after
[collect] archive_days (default 30) or with --purge-archive, as they name private individuals.
Run it from cron, a systemd timer or the Task Scheduler (docs/collect.md).

Telegram through its API (--method mtproto) signs in once with --login (your api id and hash,
then the code Telegram sends, asked at the prompt); the session file sits beside the workspace.

Facebook and Instagram have no open API since CrowdTangle closed (August 2024), and Meta Content
Library exports stay in Meta's environment: import what you may export with `shailoo import`
(formats crowdtangle, meta_content_library).
"""


def _since(value: str | None, timezone: str) -> datetime | None:
    return _day_start(value, "--since", timezone) if value else None


def _day_start(value: str, option: str, timezone: str) -> datetime:
    from zoneinfo import ZoneInfo

    from shailoo.errors import UsageError

    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{option} must be a date like 2026-02-16, not '{value[:40]}'.") from None
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone))


def _check_api_base(api_base: str | None) -> None:
    """An http(s) address without user:password (credentials come from the environment or keyring)."""
    from shailoo.errors import UsageError

    if api_base is None:
        return
    try:
        parts = urlsplit(api_base.strip())
        has_userinfo = "@" in parts.netloc
        host = parts.hostname
    except ValueError:
        has_userinfo, host, parts = False, None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise UsageError("--api-base must be an http:// or https:// address, such as http://127.0.0.1:8080/method/.")
    if has_userinfo:
        raise UsageError("--api-base must not hold a user name or password (user:password@host): they would be "
                         "stored with the run; give a mirror that needs none, or put its credentials in a proxy.")


def _check_no_rate_limit(api_base: str | None) -> None:
    from shailoo.errors import UsageError

    host = urlsplit(api_base or "").hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise UsageError("--no-rate-limit is for benchmarks against a local server only: give --api-base "
                         "http://127.0.0.1:PORT/..., or leave the platforms' limits on.")


def _plan_lines(dues) -> list[str]:
    lines = []
    for due in dues:
        cursor = due.cursor or {}
        if "pass" in cursor:
            new = "new posts: resume the pass interrupted last time"
        elif cursor:
            new = "new posts since the last run"
        else:
            new = "new posts: first run"
        lines.append(f"{due.account.label} ({due.actor}): {new}; {len(due.readings):,} readings due")
    return lines


def _summary_lines(summary) -> list[str]:
    lines = []
    for p in summary.platforms.values():
        line = (f"{p.platform}: {p.accounts_done:,} of {p.accounts:,} accounts done, {p.posts_new:,} new posts, "
                f"{p.posts_updated:,} updated, {p.readings:,} readings, {len(p.failures):,} failed")
        lines.append(line + (f"; {p.quota}" if p.quota else "") + ".")
        lines += [f"  failed {f['account'] or p.platform}: {f['message']}" for f in p.failures]
        if p.left:
            lines.append(f"  not collected: {', '.join(p.left[:20])}" + (" …" if len(p.left) > 20 else ""))
        notes = list(dict.fromkeys(p.notes))
        lines += [f"  note: {n}" for n in notes[:10]]
    return lines


_ROW = ("platform", "accounts", "accounts_done", "posts_new", "posts_updated", "readings", "failures", "left", "quota")


def _row(p) -> dict:
    return {"platform": p.platform, "accounts": p.accounts, "accounts_done": p.accounts_done,
            "posts_new": p.posts_new, "posts_updated": p.posts_updated, "readings": p.readings,
            "failures": "; ".join(f"{f['account'] or p.platform}: {f['message']}" for f in p.failures),
            "left": ", ".join(p.left), "quota": p.quota or ""}


@table_command
def collect_cmd(
    platform: Annotated[Optional[list[str]], typer.Option(
        "--platform", "-p", help="Only this platform: vk, youtube or telegram (repeat for several).")] = None,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Only this actor's accounts (name or alias).")] = None,
    plan_only: Annotated[bool, typer.Option("--plan", help="Print what is due, calling nothing.")] = False,
    since: Annotated[Optional[str], typer.Option(
        "--since", help="On an account's first run, collect posts from this day (YYYY-MM-DD); default: all.")] = None,
    api_base: Annotated[Optional[str], typer.Option(
        "--api-base", "--base-url", help="Call this address instead of the platform's (a mirror, a test server).")] = None,
    method: Annotated[Optional[str], typer.Option(
        "--method", help="Telegram: web (public t.me/s pages, default) or mtproto (your API id, Telethon).")] = None,
    comments: Annotated[bool, typer.Option("--comments", help=(
        "Also collect comment threads: VK wall.getComments, and Telegram discussion threads (--method mtproto)."))
    ] = False,
    from_id: Annotated[Optional[int], typer.Option("--from-id", min=1, help=(
        "Telegram: on a channel's first run, follow it from the message after this id (with --actor for one "
        "channel)."))] = None,
    login: Annotated[bool, typer.Option("--login", help=(
        "With --method mtproto: sign in to Telegram once (api id/hash from the environment or keyring, the "
        "code at the prompt); the session file sits beside the workspace."))] = False,
    purge_archive: Annotated[bool, typer.Option("--purge-archive", help=(
        "Delete the archived bodies (all, or those received before --before); their rows stay, marked purged."))
    ] = False,
    before: Annotated[Optional[str], typer.Option(
        "--before", help="With --purge-archive: only bodies received before this day (YYYY-MM-DD).")] = None,
    no_rate_limit: Annotated[bool, typer.Option(
        "--no-rate-limit", help="Switch the client-side rate limit off (benchmarks against a local server only).")] = False,
    reimport_: Annotated[bool, typer.Option(
        "--reimport", help="Import the archived answers again, calling no platform.")] = False,
    run: Annotated[Optional[int], typer.Option("--run", help="With --reimport: only this run's answers.")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    out: OutputOptions = None,
) -> None:
    """Collect new posts and engagement readings for the registered accounts (VK, YouTube, Telegram)."""
    from shailoo.cli.common import open_workspace
    from shailoo.cli.options import _root_obj
    from shailoo.collect.run import Options, collect, collectable, reimport
    from shailoo.collect.schedule import plan
    from shailoo.errors import UsageError

    fmt = out.resolved_format()
    to_table = fmt != "table" or out.output is not None  # rows for scripts and files
    if run is not None and not reimport_:
        raise UsageError("--run goes with --reimport (which run's archived answers to import again).")
    if before is not None and not purge_archive:
        raise UsageError("--before goes with --purge-archive (delete the archived bodies received before a day).")
    if login and method != "mtproto":
        raise UsageError("--login signs in to Telegram's API: give it with --method mtproto.")
    if from_id is not None and platform != ["telegram"]:
        raise UsageError("--from-id follows a Telegram channel from a message id: give it with --platform telegram "
                         "(and --actor for one channel).")
    _check_api_base(api_base)
    if no_rate_limit:
        _check_no_rate_limit(api_base)
    if login:
        _login(workspace)
        return
    if purge_archive:
        _purge(workspace, before)
        return
    with open_workspace(workspace, read_only=True if plan_only else False) as ws:
        if plan_only:
            from datetime import timezone

            dues, notes = collectable(plan(ws, datetime.now(timezone.utc), platform, actor))
            for line in notes:
                note_line(line)
            if to_table:
                rows = [{"account": d.account.label, "actor": d.actor, "first_run": not d.cursor,
                         "resumes": "pass" in (d.cursor or {}), "readings_due": len(d.readings)} for d in dues]
                print_table(rows, out, title="Collection plan",
                            columns=("account", "actor", "first_run", "resumes", "readings_due"))
                return
            empty = "Nothing to collect." if notes else "No registered account to collect: `shailoo actors import` adds them."
            for line in _plan_lines(dues) or [empty]:
                console.print(line, markup=False, soft_wrap=True)
            return
        with progress("Collecting") as update:
            if reimport_:
                summary = reimport(ws, run, platform[0] if platform and len(platform) == 1 else None, update)
            else:
                options = Options(platforms=platform, actor=actor, since=_since(since, ws.config.timezone),
                                  api_base=api_base, rate_limit=not no_rate_limit, comments=comments, method=method,
                                  from_id=from_id)
                summary = collect(ws, options, progress=update, debug=bool(_root_obj().get("debug")))
    if fmt != "json":
        for line in summary.notes:  # e.g. registered platforms shailoo cannot collect
            note_line(line)
    if fmt == "json" and out.output is None:
        typer.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1, default=str))
    elif to_table:
        print_table([_row(p) for p in summary.platforms.values()], out, title=f"Collection run {summary.run_id}",
                    columns=_ROW)
    else:
        lines = _summary_lines(summary)
        head = f"{'Re-import' if reimport_ else 'Collection'} run {summary.run_id}"
        console.print(f"{head}{':' if lines else ': nothing was due.'}", markup=False, soft_wrap=True)
        for line in lines + _archive_lines(summary):
            console.print(line, markup=False, soft_wrap=True)
    if summary.interrupted:
        note_line("interrupted: what was imported is kept; run `shailoo collect` again to collect what is left.")
        raise typer.Exit(130)
    if summary.failures:
        raise typer.Exit(1)


def _archive_lines(summary) -> list[str]:
    lines = []
    if summary.purged:
        lines.append(f"{summary.purged:,} archived bodies older than [collect] archive_days were purged (their rows stay).")
    if summary.unavailable:
        lines.append(f"{summary.unavailable:,} archived bodies were purged earlier and cannot be re-imported.")
    return lines


def _login(workspace) -> None:
    from shailoo.cli.common import open_workspace
    from shailoo.collect import telegram_mtproto
    from shailoo.collect.credentials import Credentials

    with open_workspace(workspace, read_only=True) as ws:
        session = telegram_mtproto.session_path(ws.path)
    telegram_mtproto.login(session, Credentials())
    console.print(f"Signed in to Telegram; the session is {session} (beside the workspace, never inside it). "
                  "Keep it private: it signs in as you.", markup=False, soft_wrap=True)


def _purge(workspace, before: str | None) -> None:
    from shailoo.cli.common import open_workspace
    from shailoo.collect.run import purge_archive

    from shailoo.store.workspace import DB_NAME

    with open_workspace(workspace) as ws:
        cut = _day_start(before, "--before", ws.config.timezone) if before else None
        size = (ws.path / DB_NAME).stat().st_size
        count = purge_archive(ws, before=cut)
        after = (ws.path / DB_NAME).stat().st_size
    when = f" received before {before}" if before else ""
    rewrote = f"; rewrote the workspace file so they are gone from its bytes ({_mb(size)} → {_mb(after)})" if count else ""
    console.print(f"Purged {count:,} archived bodies{when}{rewrote}. Their rows (time, size, sha256) stay, and what "
                  "they brought stays imported.", markup=False, soft_wrap=True)


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


def register(app: typer.Typer) -> None:
    app.command("collect", help=_HELP, epilog=examples(
        "shailoo -w kg2026 collect --plan", "shailoo -w kg2026 collect --platform vk --since 2026-01-01",
        "shailoo -w kg2026 collect --login --method mtproto",
        "shailoo -w kg2026 collect --platform telegram --method mtproto --comments",
        "shailoo -w kg2026 collect --platform telegram --actor 'Kloop' --from-id 5200",
        "shailoo -w kg2026 collect --purge-archive --before 2026-01-01",
        "shailoo -w kg2026 collect --reimport --run 12"))(collect_cmd)
