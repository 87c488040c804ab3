"""Who may call the imports and report routes (merged into the route walker's table, test_routes.py)."""

from tests.server.conftest import ROLES

STAFF = ("admin", "coordinator")
ACCESS = {
    ("GET", "/imports"): STAFF,
    ("POST", "/imports"): STAFF,
    ("GET", "/imports/{job_id}"): STAFF,
    ("GET", "/report"): ROLES,  # the report holds what the dashboard and the posts show every role
    ("GET", "/report/download"): ROLES,
}
# The walk uploads nothing (an empty form is sent back to the page, which says why), asks for a job
# that does not exist (back to the imports page) and for the report's tables only (fast).
SAFE_FORM = {
    "/imports": ("/imports", {}),
    "/imports/{job_id}": ("/imports/" + "0" * 32, {}),
    "/report/download": ("/report/download?kind=xlsx&text=false", {}),
}
