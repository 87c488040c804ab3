"""`shailoo coding codebook …`, `coding codes …`, `coding adjudicate`, `coding final`: the codebook, the
coders' codes as CSV, reviewers' decisions and the final codes the report uses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shailoo.cli.common import (
    OutputOptions,
    WorkspaceOpt,
    console,
    note_line,
    print_table,
    table_command,
)
from shailoo.cli.options import examples
from shailoo.errors import UsageError

LANGS = ("en", "ru", "ky")
LangOpt = Annotated[str, typer.Option("--lang", help="Labels in en, ru or ky (English where a label is not translated).")]
VariableOpt = Annotated[list[str] | None, typer.Option("--variable", help="Only this variable (repeatable).")]
SampleOpt = Annotated[str | None, typer.Option("--sample", help="Only the posts of this sample.")]


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise UsageError(f"--lang must be one of {', '.join(LANGS)}, not '{lang}'.")
    return lang


def codebook_rows(book, lang: str = "en") -> list[dict]:
    """One row per value: the variable's settings beside it (what `codebook show` prints)."""
    rows = []
    for var in book.variables:
        for value in var.values:
            rows.append({"variable": var.name, "variable_label": var.labels.get(lang, var.label),
                         "unit": var.unit, "level": var.level, "multiple": var.multiple, "code": value.code,
                         "label": value.labels.get(lang, value.label), "kind": value.kind,
                         "reliability": value.reliability, "definition": value.definition})
    return rows


def register(coding_app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    codebook_app = new_app("Import, show and export the codebook (YAML; REFI-QDA .qdc for QDA programs).")
    coding_app.add_typer(codebook_app, name="codebook")
    codes_app = new_app("Import and export coders' codes as CSV.")
    coding_app.add_typer(codes_app, name="codes")

    @codebook_app.command("import", epilog=examples(
        "shailoo coding codebook import codebook.yaml", "shailoo coding codebook import --builtin election"))
    def codebook_import(
        file: Annotated[Path | None, typer.Argument(help="The codebook YAML file.")] = None,
        builtin: Annotated[str | None, typer.Option("--builtin", help="A codebook shipped with shailoo: election "
                                                       "(tone, the 27 topics, disinformation, inflammatory language).")] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Import a codebook; a changed codebook becomes a new version (codes keep the version they were made under).

        A change that would orphan stored codes (a removed variable or value that current codes use) is refused.
        """
        from shailoo.coding.codebook import (
            builtin_codebook_text,
            read_codebook_file,
            store_codebook,
        )
        from shailoo.store.workspace import open_workspace

        if (file is None) == (builtin is None):
            raise UsageError("Give a codebook file or --builtin NAME (e.g. --builtin election), not both or neither.")
        text = builtin_codebook_text(builtin) if builtin else read_codebook_file(file)
        source = f"builtin:{builtin}" if builtin else file.name
        with open_workspace(workspace) as ws:
            book, changed = store_codebook(ws.con, text, source)
        values = sum(len(v.values) for v in book.variables)
        if not changed:
            console.print(f"The codebook is unchanged (version {book.version}, {len(book.variables)} variables).",
                          markup=False)
            return
        console.print(f"Imported codebook version {book.version}: {len(book.variables)} variables, {values} values.",
                      markup=False)
        for change in book.changes if book.version > 1 else ():
            console.print(f"  {change}", markup=False)

    @codebook_app.command("show", epilog=examples(
        "shailoo coding codebook show", "shailoo coding codebook show --lang ky",
        "shailoo coding codebook show -f csv -o codebook.csv"))
    @table_command
    def codebook_show(lang: LangOpt = "en", workspace: WorkspaceOpt = None, out: OutputOptions = None) -> None:
        """Show the current codebook: one row per value, with its variable's unit, level and labels."""
        from shailoo.coding.codebook import require_codebook
        from shailoo.store.workspace import open_workspace

        with open_workspace(workspace, read_only=True) as ws:
            book = require_codebook(ws.con)
        title = f"Codebook version {book.version}" + (f": {book.title}" if book.title else "")
        print_table(codebook_rows(book, _lang(lang)), out, title=title,
                    shown=("variable", "unit", "level", "multiple", "code", "label", "kind"))

    @codebook_app.command("versions", epilog=examples("shailoo coding codebook versions"))
    @table_command
    def codebook_versions(workspace: WorkspaceOpt = None, out: OutputOptions = None) -> None:
        """List the codebook's versions: when each was imported, from which file, and what it changed."""
        from shailoo.store.workspace import open_workspace

        with open_workspace(workspace, read_only=True) as ws:
            rows = ws.con.sql("""SELECT version, imported_at, source_file, array_to_string(changes, ' ') AS changes
                                     FROM codebooks ORDER BY version""").to_arrow_table()
        print_table(rows, out, title="Codebook versions")

    @codebook_app.command("export", epilog=examples(
        "shailoo coding codebook export --qdc codebook.qdc", "shailoo coding codebook export --qdc kodbook.qdc --lang ky",
        "shailoo coding codebook export --yaml codebook.yaml"))
    def codebook_export(
        qdc: Annotated[Path | None, typer.Option("--qdc", help="Write a REFI-QDA codebook (.qdc) for ATLAS.ti, "
                                                    "NVivo, MAXQDA or QualCoder.")] = None,
        yaml_file: Annotated[Path | None, typer.Option("--yaml", help="Write the codebook's YAML as imported.")] = None,
        lang: LangOpt = "en", workspace: WorkspaceOpt = None,
    ) -> None:
        """Export the current codebook as REFI-QDA codebook exchange XML (--qdc) or as its YAML (--yaml)."""
        from shailoo.coding.codebook import require_codebook
        from shailoo.coding.qdc import codebook_qdc, workspace_seed
        from shailoo.outputs import write_output
        from shailoo.store.workspace import open_workspace

        if qdc is None and yaml_file is None:
            raise UsageError("Give --qdc FILE.qdc or --yaml FILE.yaml.")
        with open_workspace(workspace, read_only=True) as ws:
            book = require_codebook(ws.con)
            seed = workspace_seed(ws.con)
            text = ws.con.execute("SELECT yaml FROM codebooks WHERE version = ?", [book.version]).fetchall()[0][0]
        if qdc is not None:
            write_output(qdc, codebook_qdc(book, seed, _lang(lang)))
            note_line(f"wrote codebook version {book.version} to {qdc} (REFI-QDA codebook exchange).")
        if yaml_file is not None:
            write_output(yaml_file, text)
            note_line(f"wrote codebook version {book.version} to {yaml_file}.")

    @codes_app.command("import", epilog=examples(
        "shailoo coding codes import codes.csv", "shailoo coding codes import round2.csv --sample top200"))
    def codes_import(
        file: Annotated[Path, typer.Argument(help="CSV with columns coder, variable, value, and url or platform + "
                                             "post_id; actor for post_actor variables; coded_at optional.")],
        sample: SampleOpt = None, workspace: WorkspaceOpt = None,
    ) -> None:
        """Import coders' codes from CSV; each row that names an unknown post, variable, value or actor is quarantined."""
        from shailoo.coding.codes_csv import import_codes
        from shailoo.store.workspace import open_workspace

        with open_workspace(workspace) as ws:
            r = import_codes(ws.con, file, sample=sample)
        console.print(f"Imported {r.acts:,} coding acts ({r.rows:,} values) from {r.file_name} ({r.records:,} rows, "
                      f"{r.dialect}); {r.unchanged:,} unchanged, {r.quarantined:,} quarantined.", markup=False)
        for reason, n in sorted(r.reasons.items(), key=lambda kv: -kv[1])[:8]:
            console.print(f"  {n:,} × {reason}", markup=False)
        if r.quarantined:
            console.print("The quarantined rows and their reasons: `shailoo sql \"SELECT record_number, reason FROM "
                          f"quarantine WHERE import_id = {r.import_id}\"`.", markup=False)

    @codes_app.command("export", epilog=examples(
        "shailoo coding codes export -o codes.csv", "shailoo coding codes export --history -o all_acts.csv"))
    @table_command
    def codes_export(history: Annotated[bool, typer.Option("--history", help="Every coding act, not only each "
                                                           "coder's current codes.")] = False,
                     variable: VariableOpt = None, sample: SampleOpt = None, workspace: WorkspaceOpt = None,
                     out: OutputOptions = None) -> None:
        """Export coders' codes as CSV in the form `codes import` reads (current codes, or every act with --history)."""
        from shailoo.coding.codes import codes_table
        from shailoo.store.workspace import open_workspace

        if out.format is None and out.output is None:
            out.format = "csv"  # for spreadsheets and `codes import` first
        with open_workspace(workspace, read_only=True) as ws:
            table = codes_table(ws.con, history=history, variables=variable, sample=sample)
        print_table(table, out, title="Codes")

    @coding_app.command("adjudicate", epilog=examples(
        "shailoo coding adjudicate --variable tone --url https://t.me/kloop/123 --actor Japarov --value -1 --reviewer Aida",
        "shailoo coding adjudicate --variable topic --platform facebook --post-id 1234 --value elections "
        "--value politics --reviewer Aida --note 'campaign rally'"))
    def adjudicate_cmd(
        variable: Annotated[str, typer.Option("--variable", help="The variable decided.")],
        reviewer: Annotated[str, typer.Option("--reviewer", help="Who decides (a team member's name).")],
        value: Annotated[list[str] | None, typer.Option("--value", help="The final value's code (repeat for "
                                                           "multi-label; none for an empty multi-label decision).")] = None,
        url: Annotated[str | None, typer.Option("--url", help="The post's URL.")] = None,
        platform: Annotated[str | None, typer.Option("--platform", help="The post's platform (with --post-id).")] = None,
        post_id: Annotated[str | None, typer.Option("--post-id", help="The platform's id of the post.")] = None,
        actor: Annotated[str | None, typer.Option("--actor", help="The actor (name or alias), for post_actor variables.")] = None,
        note: Annotated[str | None, typer.Option("--note", help="Why (kept with the decision).")] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Record a reviewer's final code for a unit the coders disagree on (the latest decision counts)."""
        from shailoo.coding.codes import adjudicate
        from shailoo.coding.units import find_actor, find_post
        from shailoo.store.workspace import open_workspace

        with open_workspace(workspace) as ws:
            post = find_post(ws.con, url=url, platform=platform, post_id=post_id)
            actor_id = find_actor(ws.con, actor) if actor else None
            adjudicate(ws.con, post, actor_id, variable, value or [], reviewer, note)
        console.print(f"Recorded {reviewer}'s decision on '{variable}': {', '.join(value or []) or 'none of the values'}.",
                      markup=False)

    @coding_app.command("final", epilog=examples("shailoo coding final", "shailoo coding final -o final.csv",
                                                 "shailoo coding final --variable tone -f json"))
    @table_command
    def final_cmd(variable: VariableOpt = None, sample: SampleOpt = None, workspace: WorkspaceOpt = None,
                  out: OutputOptions = None) -> None:
        """List the final codes the report uses, with their basis: adjudicated, agreed or single coder.

        Units whose coders disagree and that no reviewer decided are left out (see the disagreement list).
        """
        from shailoo.coding.codes import final_table
        from shailoo.store.workspace import open_workspace

        with open_workspace(workspace, read_only=True) as ws:
            table = final_table(ws.con, variables=variable, sample=sample)
        print_table(table, out, title="Final codes",
                    shown=("platform", "post_id", "actor", "variable", "value", "label", "basis", "reviewer"))
