"""Who may call the posts page's routes (merged into the route walker's table, test_routes.py)."""

from tests.server.conftest import ROLES

ACCESS = {
    ("GET", "/posts"): ROLES,  # every role reads the posts
}
