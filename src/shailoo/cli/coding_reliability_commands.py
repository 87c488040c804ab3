"""`shailoo coding reliability`, `disagreements`, `confusion`: how far coders agree, and where they do not."""

from __future__ import annotations

from typing import Annotated, Optional

import pyarrow as pa
import typer

from shailoo.cli.common import OutputOptions, open_workspace, print_table, table_command, workspace_option
from shailoo.cli.options import examples

VariableOpt = Annotated[Optional[str], typer.Option("--variable", help="One codebook variable (default: all).")]
SampleOpt = Annotated[Optional[str], typer.Option("--sample", help="Only the units of this sample's posts.")]
COEFFICIENTS = ("alpha", "alpha_all", "alpha_change", "ci_low", "ci_high", "kappa", "weighted_kappa",
                "percent_agreement", "ac1")


def _on_screen(table: pa.Table, out: OutputOptions) -> pa.Table:
    """Coefficients with three decimals on a screen (alpha is read to the third); files keep every digit."""
    if out.output is not None or out.resolved_format() != "table":
        return table
    for name in COEFFICIENTS:
        if name in table.column_names:
            i = table.column_names.index(name)
            shown = [None if v is None else f"{v:.3f}" for v in table[name].to_pylist()]
            table = table.set_column(i, name, pa.array(shown, pa.string()))
    return table


@table_command
def reliability_cmd(
        variable: VariableOpt = None,
        level: Annotated[Optional[str], typer.Option("--level", help=(
            "Measure at this level instead of each variable's own: nominal, ordinal, interval or ratio."))] = None,
        sample: SampleOpt = None,
        by: Annotated[Optional[str], typer.Option("--by", help=(
            "One row per actor (post_actor variables), platform or coder-pair."))] = None,
        leave_one_out: Annotated[bool, typer.Option("--leave-one-out", help=(
            "Alpha with each coder left out, to see who pulls agreement down."))] = False,
        per_value: Annotated[bool, typer.Option("--per-value", help=(
            "Add a row per value of nominal variables (that value against the rest); multi-label variables "
            "always have them."))] = False,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap interval (same seed, same interval).")]
        = 2007,
        draws: Annotated[int, typer.Option("--draws", help="Bootstrap resamples for the 95 % interval; 0 for none.")]
        = 2000,
        workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Measure agreement between coders: Krippendorff's alpha with its 95 % bootstrap interval, kappa, AC1."""
    from shailoo.coding.codebook import require_codebook
    from shailoo.coding.reliability import leave_one_out_table, reliability_table
    from shailoo.errors import UsageError

    if leave_one_out and by:
        raise UsageError("--leave-one-out and --by each make their own rows; give one of them.")
    with open_workspace(workspace, read_only=True) as ws:
        codebook = require_codebook(ws.con)
        if leave_one_out:
            table = leave_one_out_table(ws.con, codebook, variable, level, sample, seed=seed, draws=draws,
                                        per_value=per_value)
        else:
            table = reliability_table(ws.con, codebook, variable, level, sample, by=by, seed=seed, draws=draws,
                                      per_value=per_value)
    # On a screen the notes go under the table, one line per row that has one (a column would not fit).
    hidden = {"actor_id", "pairable_values", "alpha_all", "note"}
    shown = [c for c in table.column_names if c not in hidden]
    for name in ("value", "kappa", "weighted_kappa"):
        if all(v is None for v in table[name].to_pylist()) if name in shown else False:
            shown.remove(name)
    notes = [f"95 % bootstrap interval of {draws:,} resamples, seed {seed}." if draws else "No interval (--draws 0)."]
    screen = out.output is None and out.resolved_format() == "table"
    if screen:
        keys = [c for c in ("variable", "value", "actor", "platform", "coder_pair", "left_out") if c in shown]
        for row in table.to_pylist():
            if row["note"]:
                notes.append(" ".join(str(row[k]) for k in keys if row[k] is not None) + f": {row['note']}.")
    title = "Reliability" + (" with each coder left out" if leave_one_out else "")
    print_table(_on_screen(table, out), out, title=title, shown=shown, note="\n".join(notes))


@table_command
def disagreements_cmd(
        variable: Annotated[str, typer.Option("--variable", help="The codebook variable.")],
        sample: SampleOpt = None,
        limit: Annotated[Optional[int], typer.Option("-n", "--limit", min=0, help=(
            "Units to show; 0 for all (default: 20 on a screen, all in a file)."))] = None,
        workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """List the units coders coded differently, with what each coder said."""
    from shailoo.coding.codebook import require_codebook
    from shailoo.coding.disagreements import disagreements

    with open_workspace(workspace, read_only=True) as ws:
        table = disagreements(ws.con, require_codebook(ws.con), variable, sample)
    print_table(table, out, title=f"Disagreements on {variable}", limit=limit or None, default_limit=20,
                shown=("post_id", "actor", "platform", "url", "codes"),
                note=f"{table.num_rows:,} unit(s) where coders disagree.")


@table_command
def confusion_cmd(
        variable: Annotated[str, typer.Option("--variable", help="The codebook variable.")],
        coders: Annotated[str, typer.Option("--coders", help="Two coders, comma-separated: A,B (rows A, columns B).")],
        sample: SampleOpt = None,
        workspace: workspace_option = None, out: OutputOptions = None) -> None:
    """Cross two coders' codes of a variable on the units both coded."""
    from shailoo.coding.codebook import require_codebook
    from shailoo.coding.disagreements import confusion

    with open_workspace(workspace, read_only=True) as ws:
        table = confusion(ws.con, require_codebook(ws.con), variable, coders, sample)
    print_table(table, out, title=f"{variable}: {coders}")


def register(coding_app: typer.Typer) -> None:
    coding_app.command("reliability", epilog=examples(
        "shailoo coding reliability", "shailoo coding reliability --variable tone --by actor",
        "shailoo coding reliability --variable topics --sample top200 -o reliability.csv",
        "shailoo coding reliability --leave-one-out", "shailoo coding reliability --level nominal --seed 7"))(
        reliability_cmd)
    coding_app.command("disagreements", epilog=examples(
        "shailoo coding disagreements --variable tone", "shailoo coding disagreements --variable topics -o todo.csv"))(
        disagreements_cmd)
    coding_app.command("confusion", epilog=examples(
        "shailoo coding confusion --variable tone --coders anna,bek"))(confusion_cmd)
