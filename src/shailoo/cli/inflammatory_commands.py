"""shailoo inflammatory counts|posts|sample and shailoo inflammatory lexicon export|import|show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from shailoo.cli.common import OutputOptions, WorkspaceOpt, console, limit_option, print_table, table_command
from shailoo.cli.filters import (ActorOpt, AllOpt, CategoryOpt, PeriodOpt, PlatformOpt, SinceOpt, UntilOpt,
                                 join_notes, scoped_filter)
from shailoo.cli.options import examples
from shailoo.errors import UsageError
from shailoo.store.workspace import open_workspace

Limit = limit_option("Rows to show (default: 30 on a screen, all in csv/json/files)")
AnyLangOpt = Annotated[bool, typer.Option("--any-language", help="Match every lexicon against every post (by "
                                                                 "default a lexicon reads the posts in its language).")]
LexCatOpt = Annotated[Optional[list[str]], typer.Option(
    "--lexicon-category", help="Only these lexicon categories (insult, dehumanising, ethnic_religious, "
                               "enemy_traitor, violent_call; repeat or separate by commas).")]
LangArg = Annotated[str, typer.Argument(help="Lexicon language: ru, ky, kk or uz.")]


def _cats(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or () for v in item.split(",") if v.strip())


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    inf = new_app("Flag inflammatory language with editable lexicons: counts, posts to review, coding samples.")
    app.add_typer(inf, name="inflammatory")
    lex = new_app("Show, export and import the inflammatory-language lexicons (ru, ky, kk, uz).")
    inf.add_typer(lex, name="lexicon")

    @inf.command("counts", epilog=examples("shailoo inflammatory counts --by actor",
                                           "shailoo inflammatory counts --by week --period campaign -o flags.xlsx"))
    @table_command
    def counts_cmd(workspace: WorkspaceOpt = None,
                   by: Annotated[str, typer.Option("--by", help="Group by actor, category, platform, week, "
                                                                "lexicon_category or none.")] = "actor",
                   any_language: AnyLangOpt = False, period: PeriodOpt = None, platform: PlatformOpt = None,
                   category: CategoryOpt = None, actor: ActorOpt = None, since: SinceOpt = None,
                   until: UntilOpt = None, all_posts: AllOpt = False, limit: Limit = None,
                   out: OutputOptions = None) -> None:
        """Count posts flagged by the lexicons per actor, category, platform or week (leads, not findings)."""
        from shailoo.analysis.inflammatory import flag_counts

        with open_workspace(workspace, read_only=None) as ws:
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            table, notes = flag_counts(ws, flt, by=by, any_language=any_language)
        print_table(table, out, title=f"Inflammatory-language flags by {by}", limit=out.limit, default_limit=30,
                    shown=[c for c in table.column_names if c != "terms"] if by != "lexicon_category" else None,
                    note=join_notes(scope, *notes))

    @inf.command("posts", epilog=examples("shailoo inflammatory posts --lexicon-category violent_call",
                                          "shailoo inflammatory posts -o review.xlsx"))
    @table_command
    def posts_cmd(workspace: WorkspaceOpt = None, lexicon_category: LexCatOpt = None, any_language: AnyLangOpt = False,
                  period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
                  actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                  limit: Limit = None, out: OutputOptions = None) -> None:
        """List the flagged posts for review: day, actor, lexicon categories, words matched, excerpt, link."""
        from shailoo.analysis.inflammatory import flagged_posts

        with open_workspace(workspace, read_only=None) as ws:
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            table, notes = flagged_posts(ws, flt, any_language, _cats(lexicon_category))
        print_table(table, out, title="Flagged posts (to review)", limit=out.limit, default_limit=30,
                    shown=["day", "actor", "platform", "lexicon_categories", "words", "excerpt"],
                    note=join_notes(scope, *notes))

    @inf.command("sample", epilog=examples("shailoo inflammatory sample --name flags-campaign --period campaign",
                                           "shailoo inflammatory sample --name threats --lexicon-category violent_call"))
    @table_command
    def sample_cmd(name: Annotated[str, typer.Option("--name", help="Name of the coding sample to draw.")],
                   workspace: WorkspaceOpt = None, lexicon_category: LexCatOpt = None,
                   any_language: AnyLangOpt = False,
                   replace: Annotated[bool, typer.Option("--replace", help="Draw an existing sample again.")] = False,
                   period: PeriodOpt = None, platform: PlatformOpt = None, category: CategoryOpt = None,
                   actor: ActorOpt = None, since: SinceOpt = None, until: UntilOpt = None, all_posts: AllOpt = False,
                   out: OutputOptions = None) -> None:
        """Draw the flagged own posts as a coding sample, so monitors review them in the coding workflow."""
        from shailoo.analysis.inflammatory import LEADS_NOTE, draw_sample

        with open_workspace(workspace) as ws:
            flt, scope = scoped_filter(ws, period, platform, category, actor, since, until, all_posts)
            summary = draw_sample(ws, name, flt, any_language, _cats(lexicon_category), replace_existing=replace)
        print_table([summary], out, title="Coding sample of flagged posts",
                    note=join_notes(scope, LEADS_NOTE, "Assign it with `shailoo coding assign`."))

    @lex.command("show", epilog=examples("shailoo inflammatory lexicon show ru"))
    @table_command
    def show_cmd(lang: LangArg, workspace: WorkspaceOpt = None, out: OutputOptions = None) -> None:
        """Show a lexicon in use: its categories and entries, and whether it is the shipped or the workspace's."""
        from shailoo.analysis.inflammatory import lexicon_text, parse_lexicon

        with open_workspace(workspace, read_only=True) as ws:
            text, where = lexicon_text(ws, lang)
        entries = parse_lexicon(text, lang, where)
        print_table([{"category": e.category, "entry": e.term, "match": "beginning" if e.prefix else "stem"}
                     for e in entries], out, title=f"Lexicon {lang}", note=f"From {where}. Starting lists: leads, "
                    "not verdicts (see docs/inflammatory.md).")

    @lex.command("export", epilog=examples("shailoo inflammatory lexicon export ru -o ru.txt"))
    def export_cmd(lang: LangArg, workspace: WorkspaceOpt = None,
                   output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write "
                                                                   "(default: standard output).")] = None) -> None:
        """Write a lexicon in use (the workspace's, else the shipped one) as text to edit."""
        from shailoo.analysis.inflammatory import lexicon_text

        with open_workspace(workspace, read_only=True) as ws:
            text, _ = lexicon_text(ws, lang)
        if output is None:
            typer.echo(text, nl=False)
        else:
            from shailoo.outputs import write_output

            write_output(output, text)

    @lex.command("import", epilog=examples("shailoo inflammatory lexicon import ru ru.txt",
                                           "shailoo inflammatory lexicon import ky --shipped"))
    def import_cmd(lang: LangArg, file: Annotated[Optional[Path], typer.Argument(help="The edited lexicon.")] = None,
                   workspace: WorkspaceOpt = None,
                   shipped: Annotated[bool, typer.Option("--shipped", help="Go back to the shipped list (removes "
                                                                           "the workspace's).")] = False) -> None:
        """Make an edited lexicon the workspace's (checked first), or go back to the shipped one."""
        from shailoo.analysis.inflammatory import MAX_LEXICON_BYTES, _check_lang, lexicon_folder, parse_lexicon

        if shipped == (file is not None):
            raise UsageError("Give the edited lexicon FILE, or --shipped to go back to the shipped list.")
        _check_lang(lang)
        with open_workspace(workspace) as ws:
            target = lexicon_folder(ws) / f"{lang}.txt"
            if shipped:
                target.unlink(missing_ok=True)
                console.print(f"The workspace uses the shipped {lang} lexicon.", markup=False)
                return
            if not file.is_file() or file.stat().st_size > MAX_LEXICON_BYTES:
                raise UsageError(f"{file} is not a lexicon file (a UTF-8 text of at most {MAX_LEXICON_BYTES:,} bytes).")
            try:
                text = file.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                raise UsageError(f"{file} is not UTF-8 text; save it as UTF-8.") from None
            entries = parse_lexicon(text, lang, str(file))
            target.parent.mkdir(exist_ok=True)
            from shailoo.outputs import write_output

            write_output(target, text)
        console.print(f"The workspace's {lang} lexicon now has {len(entries):,} entries ({target}).", markup=False)
