"""The app's routers, one module per page group; create_app includes them all."""

from shailoo.server.routes import admin, api, dashboard, pages, session

ROUTERS = (session.router, dashboard.router, admin.router, pages.router, api.router)
