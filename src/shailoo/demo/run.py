"""Build the demo workspace: generate the data, register the actors, import every file, write the report."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from shailoo.config import CONFIG_NAME
from shailoo.demo.cast import ELECTION_NAME
from shailoo.demo.generate import DEFAULT_SEED, DemoFile, generate
from shailoo.errors import ShailooError, UnknownFormat, UsageError, WorkspaceExists
from shailoo.store.workspace import DB_NAME, KEY_NAME, init_workspace, open_workspace

PROJECT = "Demo — generated data"
DATA_DIR = "demo-data"
RIA_CREDIT = ("RIA Novosti Telegram posts from github.com/NKTKLN/telegram-news-classifier "
              "(commit 7c78d2e), CC BY 4.0, unchanged")
# What the demo itself creates in its folder (all that --force removes).
_OWN = (CONFIG_NAME, DB_NAME, DB_NAME + ".wal", KEY_NAME, DATA_DIR, "report.html")


def _is_workspace(folder: Path) -> bool:
    return (folder / CONFIG_NAME).exists() or (folder / DB_NAME).exists()


def _clear(folder: Path) -> None:
    """Remove a previous demo from `folder`; refuse when the workspace there is not a demo."""
    if (folder / CONFIG_NAME).exists():
        with open_workspace(folder, read_only=True) as ws:
            project = ws.config.project
        if project != PROJECT:
            raise UsageError(f"{folder} holds the workspace '{project}', not a demo workspace; --force only "
                             "rebuilds a demo. Choose another folder for the demo.")
    for name in _OWN:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def _import(ws, item: DemoFile, data_dir: Path) -> dict:
    """Import one demo file, or say why it was skipped (an importer not in this version of shailoo)."""
    from shailoo import importers
    from shailoo.store.loader import import_file

    entry = {"file": str(item.path.relative_to(data_dir)), "format": item.format, "platform": item.platform,
             "kind": item.kind}
    try:
        importers.get_importer(item.format)
    except UnknownFormat:
        entry["skipped"] = f"this shailoo has no '{item.format}' importer yet"
        return entry
    result = import_file(ws, item.path, item.format)
    entry.update(records=result.records, imported=result.imported, updated=result.updated,
                 quarantined=result.quarantined, skipped_records=result.skipped)
    return entry


def _coding(ws, data_dir: Path, console) -> dict:
    """The demo's coding round: codebook, sample, mentions, assignments, and the demo coders' codes (a CSV
    file, imported as a user would with `shailoo coding codes import`)."""
    from shailoo.coding.codes_csv import import_codes
    from shailoo.demo.coding import CODERS, SAMPLE, write_demo_codes

    made = write_demo_codes(ws, data_dir / "codes.csv")
    loaded = import_codes(ws.con, data_dir / "codes.csv")
    console.print(f"Coding: the election-monitoring codebook (version {made['codebook_version']}); sample "
                  f"'{SAMPLE}' of {made['sample_posts']:,} posts (seed 002's top-posts rule) assigned to "
                  f"{len(CODERS)} demo coders with a 20 % overlap; their {loaded.acts:,} codes imported from "
                  f"{data_dir / 'codes.csv'}.", soft_wrap=True)
    return {**made, "acts": loaded.acts, "quarantined": loaded.quarantined}


def _admin(ws, console) -> dict | None:
    """A demo admin for the web app, with a random password printed once (there is no default account)."""
    import secrets

    try:
        from shailoo.server.users import add_user
    except ImportError:
        return None
    password = secrets.token_urlsafe(12)
    add_user(ws, "admin", "admin", password, actor="demo")
    return {"name": "admin", "password": password}


def _write_report(ws, out: Path) -> tuple[Path | None, str | None]:
    try:
        from shailoo.report.build import write_report
    except ImportError:
        return None, "the HTML report is not part of this shailoo yet"
    try:
        write_report(ws, out)
    except ShailooError as exc:  # the demo still stands without its report
        return None, f"the report failed: {exc}"
    return out, None


def run_demo(folder: Path, console, force: bool = False, seed: int = DEFAULT_SEED, report: bool = True) -> dict:
    """Build a demo workspace in `folder` from generated data (plus one real CC BY 4.0 sample); print each step."""
    started = time.perf_counter()
    folder = Path(folder)
    if _is_workspace(folder):
        if not force:
            raise WorkspaceExists(f"{folder} is already a shailoo workspace; open it with `shailoo status -w {folder}`, "
                                  f"or rebuild the demo with `shailoo demo {folder} --force`.")
        _clear(folder)
        console.print(f"Removed the previous demo in {folder}.")
    console.print(f"[bold]Building the shailoo demo in {folder}[/bold] — [yellow]generated demo data[/yellow] "
                  f"about the {ELECTION_NAME}, seed {seed}.")
    ws = init_workspace(folder, project=PROJECT, timezone="Asia/Bishkek")
    try:
        return _build(ws, folder, console, seed, started, report)
    finally:
        ws.close()


def _build(ws, folder: Path, console, seed: int, started: float, with_report: bool) -> dict:
    from shailoo.actors import import_registry

    data_dir = folder / DATA_DIR
    data = generate(data_dir, seed)
    generated = sum(data.posts.values())
    console.print(f"Generated {generated:,} posts ({', '.join(f'{p} {n:,}' for p, n in data.posts.items())}) "
                  f"in {len(data.files) - 1} export files under {data_dir}; see {data_dir / 'README.md'}.")
    registry = import_registry(ws, data.registry)
    console.print(f"Registered {registry['actors']} actors with {registry['accounts']} accounts "
                  f"from {data.registry.name}.")
    for name, start, end in data.periods:
        ws.add_period(name, start, end)
    console.print("Periods: " + ", ".join(f"{n} {s} – {e}" for n, s, e in data.periods) + ".")

    files = []
    console.print(f"Importing {len(data.files)} files from {data_dir}:")
    for item in data.files:
        entry = _import(ws, item, data_dir)
        files.append(entry)
        label = "[green]real data, CC BY 4.0[/green]" if item.kind == "real" else "generated"
        if "skipped" in entry:
            console.print(f"  [yellow]skipped[/yellow] {entry['file']} ({item.format}, {label}): {entry['skipped']}",
                          soft_wrap=True)
            continue
        console.print(f"  {entry['file']} ({item.format}, {label}): {entry['records']:,} records, "
                      f"{entry['imported']:,} new posts, {entry['updated']:,} updated, "
                      f"{entry['quarantined']:,} quarantined"
                      + (f", {entry['skipped_records']:,} skipped" if entry["skipped_records"] else ""), soft_wrap=True)

    posts, snapshots = ws.con.execute(
        "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM engagement_snapshots)").fetchall()[0]
    console.print(f"The workspace holds {posts:,} posts with {snapshots:,} engagement snapshots.")
    skipped = [f for f in files if "skipped" in f]
    if skipped:
        reasons = "; ".join(sorted({f["skipped"] for f in skipped}))
        console.print(f"[yellow]Note:[/yellow] {len(skipped)} files were not imported ({reasons}); "
                      "rebuild with `shailoo demo DIR --force` once this shailoo reads them.")
    if any(f["kind"] == "real" and "skipped" not in f for f in files):
        console.print(f"Real data: {RIA_CREDIT}; see {data_dir / 'real' / 'ATTRIBUTION.md'}.")

    from shailoo.demo.crisis import add_crisis

    crisis = add_crisis(ws, data_dir, console, seed)  # a border clash and a rally: events and a burst
    coding = _coding(ws, data_dir, console)
    admin = _admin(ws, console)

    report, why_not = _write_report(ws, folder / "report.html") if with_report else (None, "--no-report was given")
    if report:
        console.print(f"Report: {report}")
    else:
        console.print(f"[dim]No report written: {why_not}.[/dim]")
    seconds = round(time.perf_counter() - started, 1)
    console.print(f"Done in {seconds} s. All posts except the RIA Novosti sample are [yellow]generated demo data"
                  "[/yellow] about a fictional election.")
    w = str(folder)
    console.print("\n[bold]Try next:[/bold]")
    for command in (f"shailoo status -w {w}", f"shailoo actors list -w {w}",
                    f"shailoo metrics posts -w {w} --by actor", f"shailoo terms -w {w} --platform facebook",
                    f"shailoo kwic -w {w} шайлоо", f"shailoo coding reliability -w {w}",
                    f"shailoo coding reliability -w {w} --leave-one-out", f"shailoo coordination -w {w} --object link",
                    f"shailoo copypasta -w {w}", f"shailoo bursts -w {w}", f"shailoo report -w {w} -o report.html"):
        console.print(f"  {command}")
    if admin:
        console.print(f"\n[bold]The team web app:[/bold] shailoo serve -w {w}   then open http://127.0.0.1:8765/login "
                      f"as [bold]{admin['name']}[/bold] with the password [bold]{admin['password']}[/bold] "
                      "(printed this once; change it under Account).", soft_wrap=True)
    return {"workspace": str(folder), "seed": seed, "generated_posts": data.posts, "actors": registry["actors"],
            "accounts": registry["accounts"], "files": files, "posts": posts, "snapshots": snapshots,
            "report": str(report) if report else None, "seconds": seconds, "coding": coding,
            "admin": admin and admin["name"], "crisis": crisis}
