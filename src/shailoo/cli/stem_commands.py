"""`shailoo stem`: show how words are grouped by the stemmer of one language."""

from __future__ import annotations

from typing import Annotated

import typer

from shailoo.cli.common import OutputOptions, print_table, read_lines, table_command
from shailoo.cli.options import examples


@table_command
def stem_cmd(file: Annotated[str, typer.Argument(help="A text file with one word per line, or - for stdin.")] = "-",
             language: Annotated[str, typer.Option("--language", "-l", help="Language: ru, ky, kk, uz or en.")] = "",
             out: OutputOptions = None) -> None:
    """Stem one word per line: prints CSV word,stem per line, in order (--format table or json for others)."""
    from shailoo.errors import UsageError
    from shailoo.text import LANGUAGES
    from shailoo.text.stem import stem_table

    if language not in LANGUAGES:
        raise UsageError(f"--language must be one of {', '.join(LANGUAGES)}" + (f", not '{language}'." if language else "."))
    lines = read_lines(file, "a text file with one word per line")
    if out.format is None and out.output is None:
        out.format = "csv"  # this command's output is for scripts first
    print_table(stem_table(language, lines), out, columns=("word", "stem"))


def register(app: typer.Typer) -> None:
    app.command("stem", epilog=examples("shailoo stem -l ky words.txt", "printf 'шайлоого\\nшайлоодо\\n' | shailoo stem -l ky -"))(stem_cmd)
