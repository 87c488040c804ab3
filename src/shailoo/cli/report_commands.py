"""shailoo report: write the HTML report (self-contained, offline), the XLSX workbook and a PDF;
`shailoo report init` writes the team's starting configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shailoo.cli.common import WorkspaceOpt, console, err_console, open_workspace
from shailoo.cli.options import examples
from shailoo.cli.options import quiet as global_quiet
from shailoo.cli.filters import (
    ActorOpt,
    AllOpt,
    CategoryOpt,
    PeriodOpt,
    PlatformOpt,
    SinceOpt,
    UntilOpt,
    post_filter,
)

LangOpt = Annotated[str | None, typer.Option("--lang", help="Language of the report: en, ru or ky "
                                                "(default: the report configuration's, else en).")]


def register(app: typer.Typer) -> None:
    report_app = typer.Typer(help="Write the monitoring report (HTML, XLSX, PDF), or its starting configuration.",
                             no_args_is_help=False)

    @report_app.callback(invoke_without_command=True, epilog=examples(
        "shailoo report --lang ru -o report.html --xlsx report.xlsx --pdf report.pdf",
        "shailoo report --period campaign --platform facebook -o facebook.html",
        "shailoo report init --lang ru     (then edit report/report.yaml and its Markdown files)"))
    def report(ctx: typer.Context, workspace: WorkspaceOpt = None,
               period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
               actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
               out: Annotated[Path | None, typer.Option("--output", "-o", "--out", help="HTML file to write "
                                                           "(default: report.html unless only --xlsx or --pdf is given).")] = None,
               xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write every table as a sheet "
                                                            "of this XLSX file.")] = None,
               pdf: Annotated[Path | None, typer.Option("--pdf", help="Also print the report to this A4 PDF "
                                                           "(needs Chromium).")] = None,
               lang: LangOpt = None,
               no_text: Annotated[bool, typer.Option("--no-text", help="Leave out the text-analysis sections.")] = False,
               with_suggestions: Annotated[bool, typer.Option(
                   "--with-suggestions", help="Also count machine suggestions for uncoded units, in separate tables "
                   "labelled as such.")] = False,
               quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Show no progress.")] = False,
               ) -> None:
        """Write the monitoring report: one offline HTML file with charts, tables and CSV downloads."""
        if ctx.invoked_subcommand is not None:
            return
        from shailoo.errors import UsageError
        from shailoo.outputs import check_output
        from shailoo.report.build import (
            build_report,
            write_pdf,
            write_report,
            write_xlsx,
        )
        from shailoo.report.i18n import check_language

        if all_posts and (period or since or until):
            raise UsageError("--all takes every post; do not combine it with --period, --since or --until.")
        if lang is not None:
            lang = check_language(lang)
        flt = post_filter(None, platform, category, actor, since, until)
        if out is not None and out.suffix.lower() in (".xlsx", ".pdf"):  # -o picks the format everywhere else
            if (xlsx if out.suffix.lower() == ".xlsx" else pdf) is not None:
                raise UsageError(f"-o {out} and --{out.suffix.lower()[1:]} both name a {out.suffix.lower()[1:].upper()} "
                                 "file; give one.")
            xlsx, pdf = (out, pdf) if out.suffix.lower() == ".xlsx" else (xlsx, out)
            out = None
        html = out or (Path("report.html") if xlsx is None and pdf is None else None)
        for target in (html, xlsx, pdf):  # a folder, device or read-only file fails before any work
            if target is not None:
                check_output(target)
        if pdf is not None:
            from shailoo.report.pdf import find_browser

            find_browser()  # a clear error before the work
        silent = quiet or global_quiet()
        spinner = not silent and err_console.is_terminal  # no spinner in logs and pipes
        with open_workspace(workspace, read_only=None) as ws, _progress(not spinner) as step:
            report_doc = build_report(ws, period, include_text=not no_text, flt=flt, all_posts=all_posts, lang=lang,
                                      progress=step, with_suggestions=with_suggestions)
            if not silent:
                err_console.print(f"Note: {report_doc.scope}", markup=False, soft_wrap=True)
            if html is not None:
                path = write_report(ws, html, report=report_doc, progress=step)
                console.print(f"Wrote the report to {path} ({path.stat().st_size / 1e6:.1f} MB); open it in a browser.",
                              markup=False)
            if xlsx is not None:
                path = write_xlsx(ws, xlsx, report=report_doc, progress=step)
                console.print(f"Wrote every table to {path}.", markup=False)
            if pdf is not None:
                path = write_pdf(ws, pdf, report=report_doc, progress=step)
                console.print(f"Printed the report to {path}.", markup=False)

    @report_app.command("init", epilog=examples("shailoo report init --lang ru"))
    def init(workspace: WorkspaceOpt = None, lang: LangOpt = None) -> None:
        """Write a starting report configuration (report/report.yaml and Markdown files); never overwrite one."""
        from shailoo.report.config import init_config, report_folder

        with open_workspace(workspace, read_only=True) as ws:
            written = init_config(ws, lang or "en")
            folder = report_folder(ws)
        if written:
            console.print(f"Wrote {', '.join(p.name for p in written)} in {folder}; edit them, then run shailoo report.",
                          markup=False)
        else:
            console.print(f"{folder} already has a report configuration; nothing was changed.", markup=False)

    app.add_typer(report_app, name="report")


class _progress:
    """Rich progress on standard error: one line naming the stage the report is at."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __enter__(self):
        if self.quiet:
            return lambda _stage: None
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.bar = Progress(SpinnerColumn(), TextColumn("Report: {task.description}"), TimeElapsedColumn(),
                            console=err_console, transient=True)
        self.bar.__enter__()
        task = self.bar.add_task("starting", total=None)
        return lambda stage: self.bar.update(task, description=stage)

    def __exit__(self, *exc) -> None:
        if not self.quiet:
            self.bar.__exit__(*exc)
