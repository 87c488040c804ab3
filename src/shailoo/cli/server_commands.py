"""shailoo users add|list|set-role|set-password|remove and shailoo serve: the team web app (docs/server.md)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from shailoo.cli.common import OutputOptions, WorkspaceOpt, console, err_console, print_table, table_command
from shailoo.cli.options import examples
from shailoo.errors import UsageError

RoleOpt = Annotated[str, typer.Option("--role", help="admin, coordinator, coder or viewer.")]
StdinOpt = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of "
                                        "standard input (else it is asked for twice, hidden).")]
NameArg = Annotated[str, typer.Argument(help="The user name (letters, digits, . _ @ -).")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UsageError("--password-stdin found nothing on standard input; pipe the password in.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("There is no terminal to ask the password on; give it with --password-stdin.")
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Password again", hide_input=True) != first:
        raise UsageError("The two passwords differ; run the command again.")
    return first


def register(app: typer.Typer) -> None:
    from shailoo.cli.main import new_app

    users_app = new_app("Manage the accounts of the web app (shailoo serve) and their roles.")
    app.add_typer(users_app, name="users")

    @users_app.command("add", epilog=examples(
        "shailoo users add -w kg2026 aida --role admin",
        "printf '%s\\n' \"$PASSWORD\" | shailoo users add -w kg2026 bakyt --role coder --password-stdin"))
    def users_add(name: NameArg, role: RoleOpt = "viewer", password_stdin: StdinOpt = False,
                  lang: Annotated[str, typer.Option("--lang", help="Interface language: en, ru or ky.")] = "en",
                  workspace: WorkspaceOpt = None) -> None:
        """Add a user who may log in to the web app, with a role and a password."""
        from shailoo.server import audit, users
        from shailoo.store.workspace import open_workspace

        users.check_name(name), users.check_role(role), users.check_language(lang)  # before asking
        password = users.check_password(_password(password_stdin))
        with open_workspace(workspace) as ws:
            user = users.add_user(ws, name, role, password, audit.cli_actor(), lang)
        console.print(f"Added {user.username} ({user.role}).", markup=False)

    @users_app.command("list", epilog=examples("shailoo users list -w kg2026"))
    @table_command
    def users_list(workspace: WorkspaceOpt = None, out: OutputOptions = None) -> None:
        """List the users with their role and interface language."""
        from shailoo.server import users
        from shailoo.store.workspace import open_workspace

        with open_workspace(workspace, read_only=True) as ws:
            rows = users.list_users(ws)
        print_table(rows, out, title="Users", shown=("username", "role", "language", "changed_at"))

    @users_app.command("set-role", epilog=examples("shailoo users set-role -w kg2026 bakyt coordinator"))
    def users_set_role(name: NameArg, role: Annotated[str, typer.Argument(
            help="admin, coordinator, coder or viewer.")], workspace: WorkspaceOpt = None) -> None:
        """Change a user's role (it takes effect on their next request)."""
        from shailoo.server import audit, users
        from shailoo.store.workspace import open_workspace

        with open_workspace(workspace) as ws:
            user = users.set_role(ws, name, role, audit.cli_actor())
        console.print(f"{user.username} is now {user.role}.", markup=False)

    @users_app.command("set-password", epilog=examples("shailoo users set-password -w kg2026 bakyt"))
    def users_set_password(name: NameArg, password_stdin: StdinOpt = False, workspace: WorkspaceOpt = None) -> None:
        """Give a user a new password."""
        from shailoo.server import audit, users
        from shailoo.store.workspace import open_workspace

        users.check_name(name)
        password = users.check_password(_password(password_stdin))
        with open_workspace(workspace) as ws:
            users.set_password(ws, name, password, audit.cli_actor())
        console.print(f"Changed the password of {name}.", markup=False)

    @users_app.command("remove", epilog=examples("shailoo users remove -w kg2026 bakyt"))
    def users_remove(name: NameArg, workspace: WorkspaceOpt = None) -> None:
        """Remove a user (the audit log keeps what they did)."""
        from shailoo.server import audit, users
        from shailoo.store.workspace import open_workspace

        with open_workspace(workspace) as ws:
            users.remove_user(ws, name, audit.cli_actor())
        console.print(f"Removed {name}.", markup=False)

    @app.command("serve", epilog=examples("shailoo serve -w kg2026",
                                          "shailoo serve -w kg2026 --host 0.0.0.0 --port 8000"))
    def serve_cmd(workspace: WorkspaceOpt = None,
                  host: Annotated[str, typer.Option("--host", help="Address to listen on (default: this computer "
                                                    "only; 0.0.0.0 for every network).")] = "127.0.0.1",
                  port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8765,
                  ) -> None:
        """Serve the team web app (dashboard, coding, administration) over the workspace until Ctrl-C."""
        from shailoo.server.serve import serve

        serve(workspace, host, port, say=lambda text: err_console.print(text, markup=False, highlight=False, soft_wrap=True))
