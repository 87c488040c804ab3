"""shailoo import: load export files with a progress bar and a summary table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from shailoo.actors import describe_unmatched, unmatched_registry_accounts
from shailoo.cli.common import (FORMATS, JsonOpt, OutputOptions, WorkspaceOpt, console, err_console, print_table,
                                quiet, table_command)
from shailoo.cli.options import examples
from shailoo.errors import (
    InputFileError,
    Interrupted,
    ShailooError,
    UsageError,
    WrongFormat,
    os_error_sentence,
    printable,
)
from shailoo.store.loader import ImportResult, check_input_file, import_file
from shailoo.store.workspace import open_workspace

COUNTS = ("records", "lines", "imported", "updated", "unchanged", "quarantined", "skipped")


@dataclass
class Candidate:
    """A file to import: given by name (a failure is an error) or found in a folder (a misfit is left alone)."""

    path: Path
    named: bool
    shown: str  # its name as printed: relative to the folder it was found in


@dataclass
class Outcome:
    file: str
    reason: str
    error: bool  # True: could not be read or imported; False: not an export (of --format), left alone

    def as_dict(self) -> dict:
        return {"file": self.file, "reason": self.reason, "error": self.error}


def register(app: typer.Typer) -> None:
    @app.command("import", epilog=examples("shailoo import exports/", "shailoo import posts.csv --from crowdtangle",
                                           "shailoo import ok-export.xlsx --from generic --mapping ok.yaml",
                                           "shailoo import exports/ --json > import.json",
                                           "shailoo import parquet team-b-parquet/"))
    @table_command
    def import_(
        paths: Annotated[list[Path], typer.Argument(help="Export files, or folders to search for export files.")],
        workspace: WorkspaceOpt = None,
        from_: Annotated[Optional[str], typer.Option("--from", help="Input format id (default: detected); see "
                                                     "`shailoo formats`. (--format ID still works.)")] = None,
        mapping: Annotated[Optional[Path], typer.Option(help="Column-mapping YAML for --format generic.")] = None,
        timezone: Annotated[Optional[str], typer.Option(
            "--timezone", help="Zone of times written without one in CSV files, e.g. Asia/Almaty (default: the "
                               "workspace's; Meta Content Library: UTC).")] = None,
        as_json: JsonOpt = False,
        reread: Annotated[bool, typer.Option("--reread", help="Read a file again even if an identical one was imported.")] = False,
        accept_other_key: Annotated[bool, typer.Option(
            "--accept-other-key", help="import parquet: import an export made under another pseudonym key (the "
                                       "two teams' pseudonyms of private authors then do not match).")] = False,
        out: OutputOptions = None,
    ) -> None:
        """Import export files (CrowdTangle, Meta Content Library, Telegram, VK, YouTube, X, mapped CSV/XLSX), or
        `import parquet DIR`: a Parquet export of a workspace (`shailoo export parquet`)."""
        parquet = _parquet_folder(paths)
        if parquet is not None:
            return _import_parquet(parquet, workspace, accept_other_key, as_json, out)
        if accept_other_key:
            raise UsageError("--accept-other-key is for `shailoo import parquet DIR` only.")
        # `--format ID` is the older spelling of `--from ID`: an importer id is never an output format.
        format = from_
        if out.format and out.format.strip().lower() not in FORMATS + ("xlsx",):
            if from_ and from_ != out.format:
                raise UsageError(f"--format {out.format} is an input format and --from says {from_}; give one.")
            format, out.format = out.format, None
        fmt = "json" if as_json else out.resolved_format()
        as_json = fmt == "json"
        options = {"mapping": mapping} if mapping else {}
        if timezone:
            options["timezone"] = timezone
        if format:
            from shailoo.importers import get_importer

            get_importer(format)  # an unknown format id stops before anything is read
        candidates, left = _expand(paths, format)
        if len(candidates) == 1 and candidates[0].named and not left:
            check_input_file(candidates[0].path)  # one file named: its problem is the error, as one sentence
        results: list[ImportResult] = []
        shown: list[str] = []  # each file's path relative to the folder it was found in
        with open_workspace(workspace) as ws:
            ws.check_key()
            for cand in candidates:
                try:
                    results.append(_import_one(ws, cand, format, options, quiet=as_json or quiet(), reread=reread))
                    shown.append(cand.shown)
                except KeyboardInterrupt:
                    done = f" ({len(results)} file(s) before it were imported)" if results else ""
                    raise Interrupted(f"Interrupted; nothing was imported from {cand.shown}{done}.") from None
                except (WrongFormat, InputFileError, OSError) as exc:
                    if len(candidates) == 1 and not left:
                        raise
                    reason = os_error_sentence(exc) if isinstance(exc, OSError) else str(exc)
                    left.append(Outcome(cand.shown, reason, error=cand.named or not isinstance(exc, WrongFormat)))
            unmatched = _unmatched_on_imported_platforms(ws, results)
        errors = [o for o in left if o.error]
        if as_json:
            totals = {k: sum(getattr(r, k) or 0 for r in results) for k in COUNTS}
            files = [dict(r.as_dict(), file=name) for r, name in zip(results, shown)]
            if len(results) == 1 and not left:
                payload = files[0]
            else:
                payload = dict(totals, files=files, not_imported=[o.as_dict() for o in left])
            text = json.dumps(payload, ensure_ascii=False, indent=1)
            if out.output is not None:
                from shailoo.outputs import write_output

                write_output(out.output, text + "\n")
            else:
                typer.echo(text)
        else:
            for r, name in zip(results, shown):
                r.file = name
            _print_results(results, left, out, fmt)
        for line in describe_unmatched(unmatched):  # registry rows that still match no post, on stderr
            err_console.print(line, markup=False, style="yellow")
        if errors:
            raise InputFileError(f"{len(errors)} file(s) could not be imported ({errors[0].file}: {errors[0].reason}"
                                 + (" …" if len(errors) > 1 else "") + "); the others were.")

    @app.command(epilog=examples("shailoo formats", "shailoo formats -f json"))
    @table_command
    def formats(out: OutputOptions = None) -> None:
        """List the import formats shailoo reads (the ids `shailoo import --from` takes)."""
        from shailoo.importers import all_importers

        print_table([{"from": m.FORMAT.id, "name": m.FORMAT.name, "what it reads": m.FORMAT.description}
                     for m in all_importers()], out, title="Import formats")


def _parquet_folder(paths: list[Path]) -> Path | None:
    """The export folder of `import parquet DIR` (or of `import DIR` naming one export); None for files."""
    from shailoo.store.parquet import is_export

    if paths and paths[0] == Path("parquet") and (not paths[0].exists() or (len(paths) == 2 and is_export(paths[1]))):
        if len(paths) != 2:
            raise UsageError("`shailoo import parquet` takes one folder: the one `shailoo export parquet` wrote.")
        if not paths[1].is_dir():
            raise InputFileError(f"There is no folder {printable(paths[1])}; give the folder `shailoo export parquet` "
                                 "wrote.")
        return paths[1]
    if len(paths) == 1 and paths[0].is_dir() and is_export(paths[0]):
        return paths[0]
    return None


def _import_parquet(folder: Path, workspace: Path | None, accept_other_key: bool, as_json: bool,
                    out: OutputOptions) -> None:
    from shailoo.cli.common import progress
    from shailoo.store.parquet_import import import_parquet

    fmt = "json" if as_json else out.resolved_format()
    with open_workspace(workspace) as ws:
        with progress(f"Importing the Parquet export {printable(folder)}…"):
            result = import_parquet(ws, folder, accept_other_key=accept_other_key)
    if fmt == "json":
        text = json.dumps(result.as_dict(), ensure_ascii=False, indent=1)
        if out.output is not None:
            from shailoo.outputs import write_output

            write_output(out.output, text + "\n")
        else:
            typer.echo(text)
    else:
        print_table([{"export": result.folder, "mode": result.mode, "posts": result.posts,
                      "imported": result.imported, "updated": result.updated, "unchanged": result.unchanged,
                      "snapshots added": result.snapshots_added, "accounts added": result.accounts_added,
                      "seconds": round(result.duration_s, 1)}], out, title="Import summary")
    for note in result.notes:
        err_console.print(note, style="yellow", markup=False)


def _unmatched_on_imported_platforms(ws, results: list[ImportResult]) -> list[dict]:
    """Registry rows that match no post, on the platforms these files brought posts for (a Telegram
    import says nothing of the Facebook rows)."""
    ids = [r.import_id for r in results]
    if not ids:
        return []
    platforms = {p for (p,) in ws.con.execute(
        f"SELECT DISTINCT platform FROM posts WHERE last_import_id IN ({', '.join('?' for _ in ids)})", ids).fetchall()}
    return [r for r in unmatched_registry_accounts(ws) if r["platform"] in platforms]


def _expand(paths: list[Path], format_id: str | None) -> tuple[list[Candidate], list[Outcome]]:
    """Folders stand for the export files inside them; files that are not exports are listed, not imported.

    With --format every file of a folder is tried in that format (a misfit is reported when it is
    read); without it, each file is detected here, and one that cannot be read is reported as an error.
    """
    from shailoo.importers import detect

    files: list[Candidate] = []
    left: list[Outcome] = []
    for path in paths:
        if not path.is_dir():
            files.append(Candidate(path, True, printable(path.name)))  # the user knows where it is
            continue
        found: list[Candidate] = []
        try:
            inside = sorted(p for p in path.rglob("*") if p.is_file()
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        except OSError as exc:
            raise InputFileError(f"Cannot list the folder {printable(path)} ({exc.strerror or exc}).") from None
        for p in inside:
            shown = printable(p.relative_to(path))
            if format_id:
                found.append(Candidate(p, False, shown))
                continue
            try:
                detect(p)
                found.append(Candidate(p, False, shown))
            except WrongFormat:
                left.append(Outcome(shown, "not an export shailoo recognises", error=False))
            except (OSError, ShailooError) as exc:
                reason = os_error_sentence(exc) if isinstance(exc, OSError) else str(exc)
                left.append(Outcome(shown, reason, error=True))
        if not found and not left:
            raise InputFileError(f"The folder {printable(path)} holds no export file shailoo recognises; "
                                 "see `shailoo formats`, or give --format.")
        files.extend(found)
    if not files and left and not any(o.error for o in left):
        raise InputFileError(f"No export file shailoo recognises in {', '.join(printable(p) for p in paths)[:200]}; "
                             "see `shailoo formats`, or give --format.")
    return files, left


def _import_one(ws, cand: Candidate, format_id: str | None, options: dict, quiet: bool, reread: bool) -> ImportResult:
    path = cand.path
    size = path.stat().st_size if path.is_file() else 0
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                  TextColumn("{task.fields[records]:,} records"), TimeElapsedColumn(),
                  console=err_console, disable=quiet or not err_console.is_terminal, transient=False) as bar:
        task = bar.add_task(f"Importing {printable(path.name)}".replace("[", r"\["), total=size or None, records=0)

        def progress(records: int, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, records=records)

        return import_file(ws, path, format_id, options, progress, reread=reread)


def _print_results(results: list[ImportResult], left: list[Outcome], out: OutputOptions, fmt: str) -> None:
    if results and (fmt != "table" or out.output is not None):
        print_table([{"file": r.file, "format": r.format, **{k: getattr(r, k) for k in COUNTS},
                      "seconds": round(r.duration_s, 1)} for r in results], out, title="Import summary")
        return
    if results:
        table = Table(title="Import summary", title_justify="left")
        for name in ("file", "format", "records", "lines", "imported", "updated", "quarantined", "skipped", "seconds"):
            table.add_column(name, justify="left" if name in ("file", "format") else "right")
        for r in results:
            table.add_row(r.file, r.format, f"{r.records:,}", "—" if r.lines is None else f"{r.lines:,}",
                          f"{r.imported:,}", f"{r.updated:,}", f"{r.quarantined:,}", f"{r.skipped:,}",
                          f"{r.duration_s:.1f}")
        console.print(table)
    for r in results:
        if r.quarantined:
            console.print(f"{r.quarantined:,} rows of {r.file} were quarantined: see `shailoo quarantine list`.",
                          style="yellow", markup=False)
        for reason, n in r.skipped_reasons.items():
            console.print(f"{r.file}: skipped {n:,} — {reason}", style="dim", markup=False)
        if r.dialect:
            console.print(f"{r.file}: read as {r.dialect}", style="dim", markup=False)
        for warning in r.warnings:
            console.print(f"{r.file}: {warning}", style="yellow", markup=False)
    alone = [o.file for o in left if not o.error]
    if alone:  # an export folder may hold hundreds of photos: name a few
        names = ", ".join(alone[:5]) + (" …" if len(alone) > 5 else "")
        err_console.print(f"{len(alone)} file(s) are not exports and were left alone: {names}", style="dim", markup=False)
    for o in left:
        if o.error:
            err_console.print(f"{o.file}: not imported — {o.reason}", style="yellow", markup=False)
