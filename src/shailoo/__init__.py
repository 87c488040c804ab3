"""shailoo: an observatory for political social media.

>>> import shailoo
>>> ws = shailoo.open("my-workspace")              # read-only: the CLI keeps working beside it
>>> ws.sql("SELECT platform, count(*) FROM posts_v GROUP BY 1").arrow()
>>> import shailoo.metrics; shailoo.metrics.posts(ws, by="actor")
"""

import os

from shailoo.store.workspace import Workspace, init_workspace, open_workspace

__version__ = "0.1.0"


def open(path: str | os.PathLike | None = None, write: bool = False) -> Workspace:  # noqa: A001 - the name users expect
    """Open a workspace folder (default: $SHAILOO_WORKSPACE, else the current folder).

    Read-only by default, so a notebook holding it open blocks no `shailoo` command that reads
    (status, metrics, text commands, report); `write=True` to change it (add periods, import),
    which holds it for this process alone until `ws.close()`.
    """
    return open_workspace(path, read_only=not write)


__all__ = ["Workspace", "open", "init_workspace", "__version__"]
