"""shailoo import: load export files with a progress bar and a summary table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shailoo.cli.common import WorkspaceOpt, console, err_console, open_workspace
from shailoo.store.loader import ImportResult, import_file


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        paths: Annotated[list[Path], typer.Argument(help="Export files, or folders to search for export files.")],
        workspace: WorkspaceOpt = None,
        format: Annotated[Optional[str], typer.Option("--format", help="Format id (default: detected). See `shailoo formats`.")] = None,
        mapping: Annotated[Optional[Path], typer.Option(help="Column-mapping YAML for --format generic.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with the counts.")] = False,
        reread: Annotated[bool, typer.Option("--reread", help="Read a file again even if an identical one was imported.")] = False,
    ) -> None:
        """Import export files (CrowdTangle, Meta Content Library, Telegram, VK, YouTube, X, mapped CSV/XLSX)."""
        options = {"mapping": mapping} if mapping else {}
        results: list[ImportResult] = []
        with open_workspace(workspace) as ws:
            for path in _expand(paths, format, quiet=as_json):
                results.append(_import_one(ws, path, format, options, quiet=as_json, reread=reread))
        if as_json:
            totals = {k: sum(getattr(r, k) for r in results)
                      for k in ("records", "imported", "updated", "unchanged", "quarantined", "skipped")}
            payload = dict(totals, files=[r.as_dict() for r in results]) if len(results) > 1 else results[0].as_dict()
            typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))
            return
        _print_results(results)

    @app.command()
    def formats() -> None:
        """List the import formats shailoo reads."""
        from shailoo.importers import all_importers

        table = Table(title="Import formats", title_justify="left")
        table.add_column("--format")
        table.add_column("name")
        table.add_column("what it reads")
        for module in all_importers():
            table.add_row(module.FORMAT.id, module.FORMAT.name, module.FORMAT.description)
        console.print(table)


def _expand(paths: list[Path], format_id: str | None, quiet: bool) -> list[Path]:
    """Folders stand for the export files inside them; files that are not exports are listed, not imported."""
    from shailoo.errors import InputFileError
    from shailoo.importers import find_exports

    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        if format_id:  # the user says what the files are: take every file
            found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            others: list[Path] = []
        else:
            found, others = find_exports(path)
        if not found:
            raise InputFileError(f"The folder {path} holds no export file shailoo recognises; "
                                 "see `shailoo formats`, or give --format.")
        if others and not quiet:
            names = ", ".join(str(p.relative_to(path)) for p in others[:5]) + (" …" if len(others) > 5 else "")
            err_console.print(f"[dim]{path}: {len(others)} file(s) are not exports and were left alone: {names}[/dim]")
        files.extend(found)
    return files


def _import_one(ws, path: Path, format_id: str | None, options: dict, quiet: bool, reread: bool) -> ImportResult:
    size = path.stat().st_size if path.is_file() else 0
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                  TextColumn("{task.fields[records]:,} records"), TimeElapsedColumn(),
                  console=err_console, disable=quiet, transient=False) as bar:
        task = bar.add_task(f"Importing {path.name}", total=size or None, records=0)

        def progress(records: int, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, records=records)

        return import_file(ws, path, format_id, options, progress, reread=reread)


def _print_results(results: list[ImportResult]) -> None:
    table = Table(title="Import summary", title_justify="left")
    for name in ("file", "format", "records", "imported", "updated", "quarantined", "skipped", "seconds"):
        table.add_column(name, justify="left" if name in ("file", "format") else "right")
    for r in results:
        table.add_row(r.file, r.format, f"{r.records:,}", f"{r.imported:,}", f"{r.updated:,}",
                      f"{r.quarantined:,}", f"{r.skipped:,}", f"{r.duration_s:.1f}")
    console.print(table)
    for r in results:
        if r.quarantined:
            console.print(f"[yellow]{r.quarantined:,} rows of {r.file} were quarantined[/yellow]: "
                          "see `shailoo quarantine list`.")
        for reason, n in r.skipped_reasons.items():
            console.print(f"[dim]{r.file}: skipped {n:,} — {reason}[/dim]")
