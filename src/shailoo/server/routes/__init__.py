"""The app's routers, one module per page group; create_app includes them all.

Page groups still being built are imported if present (like the CLI's command modules), so each
can land on its own.
"""

import importlib

from shailoo.server.routes import admin, api, dashboard, pages, session

_OPTIONAL = ("posts", "coding", "review", "admin_coding", "imports")


def _optional_routers() -> tuple:
    found = []
    for name in _OPTIONAL:
        full = f"shailoo.server.routes.{name}"
        try:
            module = importlib.import_module(full)
        except ModuleNotFoundError as exc:
            if exc.name != full:
                raise
            continue
        found.append(module.router)
    return tuple(found)


ROUTERS = (session.router, dashboard.router, admin.router, *_optional_routers(), pages.router, api.router)
