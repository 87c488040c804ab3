"""shailoo: an observatory for political social media.

>>> import shailoo
>>> ws = shailoo.open("my-workspace")
>>> ws.table("posts_v").limit(5).df()
"""

from shailoo.store.workspace import Workspace, init_workspace, open_workspace

__version__ = "0.1.0"


def open(path=None) -> Workspace:  # noqa: A001 - the public name users expect
    """Open a workspace folder (default: $SHAILOO_WORKSPACE, else the current folder)."""
    return open_workspace(path)


__all__ = ["Workspace", "open", "init_workspace", "__version__"]
