"""The workspace: one folder with a DuckDB database and a TOML config."""

from shailoo.store.workspace import Workspace, init_workspace, open_workspace

__all__ = ["Workspace", "init_workspace", "open_workspace"]
