"""`shailoo coding suggest`: train a model on a variable's final codes and suggest values for the
units nobody has coded yet (machine suggestions, never codes)."""

from __future__ import annotations

from typing import Annotated

import typer

from shailoo.cli.common import (
    OutputOptions,
    console,
    err_console,
    open_workspace,
    print_table,
    quiet,
    table_command,
    workspace_option,
)
from shailoo.cli.options import examples


@table_command
def suggest_cmd(variable: Annotated[str, typer.Option("--variable", help="The codebook variable to suggest values of.")],
                sample: Annotated[str | None, typer.Option("--sample", help=(
                    "Suggest for this sample's uncoded units (default: every sample's; every post when there "
                    "is no sample)."))] = None,
                order: Annotated[str, typer.Option("--order", help=(
                    "uncertainty: least certain first (code those to teach the model most); confidence: most "
                    "certain first."))] = "uncertainty",
                seed: Annotated[int, typer.Option("--seed", help="Seed of the cross-validation folds and the model.")] = 0,
                limit: Annotated[int | None, typer.Option("-n", "--limit", min=0, help=(
                    "Suggestions to show; 0 for all (default: 20 on a screen, all in a file)."))] = None,
                workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Suggest values for uncoded units with a model trained on the final codes, and show how well it does."""
    from shailoo.coding.codebook import require_codebook
    from shailoo.coding.suggest import suggest

    with open_workspace(workspace) as ws:
        codebook = require_codebook(ws.con)
        result = suggest(ws.con, codebook, variable, sample=sample, order=order, seed=seed)
    var = codebook.variable(variable)
    # The model's figures go above the suggestions (on stderr when stdout carries CSV/JSON for a script).
    lines = [result.model.summary(result.labels),
             f"{result.suggestions.num_rows:,} suggestion(s) for {result.units:,} uncoded unit(s), ordered by "
             f"{order}; stored apart from the codes (model {result.model.model_id}), never counted as codes."]
    fmt = out.resolved_format()
    if fmt == "table" and out.output is None:
        for line in lines:
            console.print(line, markup=False, soft_wrap=True)
    elif not quiet():
        for line in lines:
            err_console.print(f"Note: {line}", markup=False, soft_wrap=True)
    shown = ("post_id", "platform", *(("actor",) if var.unit == "post_actor" else ()), "label", "probability",
             "margin", "excerpt")
    print_table(result.suggestions, out, title=f"Machine suggestions for {variable}", shown=shown,
                limit=limit or None, default_limit=20)


def register(coding_app: typer.Typer) -> None:
    coding_app.command("suggest", epilog=examples(
        "shailoo coding suggest --variable tone --sample top200",
        "shailoo coding suggest --variable topic --order confidence -n 50",
        "shailoo coding suggest --variable tone -o suggestions.csv"))(suggest_cmd)
