"""The app's routers, one module per page group; create_app includes them all.

Page groups still being built are imported if present (like the CLI's command modules), so each
can land on its own.
"""

from shailoo.modules import optional_module
from shailoo.server.routes import admin, api, dashboard, pages, session

_OPTIONAL = ("posts", "coding", "review", "admin_coding", "imports")


def _optional_routers() -> tuple:
    modules = (optional_module(f"shailoo.server.routes.{name}") for name in _OPTIONAL)
    return tuple(m.router for m in modules if m is not None)


ROUTERS = (session.router, dashboard.router, admin.router, *_optional_routers(), pages.router, api.router)
