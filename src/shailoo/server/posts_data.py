"""The posts page's data: the selected posts (the filters and default scope of every command, and
the posts `shailoo kwic` finds for a query), sorted and paged, each with its counts from the
snapshot the report uses (unknown stays None, shown "—"); and the links from dashboard rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from shailoo.analysis.snapshot import OWN_POSTS, min_hours, snapshot_sql
from shailoo.api import select
from shailoo.errors import UsageError
from shailoo.outputs import safe_url
from shailoo.platforms import interactions_sql
from shailoo.server.posts_search import IndexCache, search
from shailoo.store.workspace import Workspace

SORTS = ("time", "oldest", "interactions")
PAGE_SIZE = 50
MAX_PAGE = 2000  # deep pages cost a sort of the whole selection each; nobody reads 100,000 posts here
MAX_QUERY = 500
COUNTS = ("interactions", "reactions", "comments", "shares", "views")


@dataclass(frozen=True)
class PostsQuery:
    """The posts page's form: a kwic query, the filters of the CLI, sorting and the page."""

    q: str = ""
    period: str = ""
    platform: str = ""
    category: str = ""
    actor: str = ""
    since: str = ""
    until: str = ""
    all_posts: bool = False
    own: bool = False  # only the actors' own posts (no comments or replies): what the dashboard counts
    sort: str = "time"
    page: int = 1

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise UsageError(f"Sort by one of {', '.join(SORTS)}, not '{self.sort[:40]}'.")
        if not 1 <= self.page <= MAX_PAGE:
            raise UsageError(f"The page is a number from 1 to {MAX_PAGE:,}.")
        if len(self.q) > MAX_QUERY:
            raise UsageError(f"The query is longer than {MAX_QUERY} characters; shorten it.")
        if self.all_posts and (self.period or self.since or self.until):
            raise UsageError("“All posts” takes every post; do not combine it with a period or dates.")

    def filters(self) -> dict:
        """The keywords of `shailoo.api.select` (the CLI's --period, --platform, ... --all)."""
        return dict(period=self.period or None, platform=self.platform or None, category=self.category or None,
                    actor=self.actor or None, since=self.since or None, until=self.until or None,
                    all_posts=self.all_posts)

    def params(self, **changes) -> dict:
        """The query string of this form (with changes), empty values left out."""
        values = asdict(replace(self, **changes))
        values["all"] = values.pop("all_posts")
        if values["page"] == 1:
            values.pop("page")
        if values["sort"] == "time":
            values.pop("sort")
        return {k: ("true" if v is True else v) for k, v in values.items() if v}

    def url(self, **changes) -> str:
        return "/posts?" + urlencode(self.params(**changes))


@dataclass
class PostsPage:
    scope: str
    total: int
    rows: list[dict]
    empty_reason: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def browse(ws: Workspace, index: IndexCache, q: PostsQuery) -> PostsPage:
    """One page of the selected (and, with a query, found) posts."""
    flt, scope = select(ws, **q.filters())
    extra = OWN_POSTS if q.own else "TRUE"
    con = ws.con
    if q.q.strip():
        found = search(ws, index.get(ws), q.q, flt, extra)
        if found.empty_reason:
            return PostsPage(scope, 0, [], found.empty_reason)
        total = found.count
    else:
        where, params = flt.where(ws)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _found AS SELECT post_id FROM posts_v WHERE ({where}) AND {extra}",
                    params)
        total = con.execute("SELECT count(*) FROM _found").fetchall()[0][0]
        if total == 0:
            return PostsPage(scope, 0, [], "No post is selected by these filters.")
    offset = (q.page - 1) * PAGE_SIZE
    if q.sort == "interactions":  # the snapshot rule over every found post, then the page
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _page AS
            SELECT f.post_id FROM _found f JOIN posts p USING (post_id)
            LEFT JOIN ({_engagement_sql(ws, '_found')}) e USING (post_id)
            ORDER BY e.interactions DESC NULLS LAST, p.created_at DESC, f.post_id DESC
            LIMIT {PAGE_SIZE} OFFSET {offset}""")
    else:  # the page by time first, then the snapshot rule over its posts only
        order = "DESC" if q.sort == "time" else "ASC"
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _page AS
            SELECT f.post_id FROM _found f JOIN posts p USING (post_id)
            ORDER BY p.created_at {order}, f.post_id {order} LIMIT {PAGE_SIZE} OFFSET {offset}""")
    order = {"time": "p.created_at DESC, p.post_id DESC", "oldest": "p.created_at, p.post_id",
             "interactions": "e.interactions DESC NULLS LAST, p.created_at DESC, p.post_id DESC"}[q.sort]
    rel = con.execute(f"""
        SELECT p.post_id, p.platform, p.post_type, p.local_time, p.url, coalesce(p.text, '') AS text, p.actor,
               p.category, p.account_name, p.account_handle, p.by_member, {', '.join(f'e.{c}' for c in COUNTS)},
               e.snapshot_early
        FROM _page JOIN posts_v p USING (post_id) LEFT JOIN ({_engagement_sql(ws, '_page')}) e USING (post_id)
        ORDER BY {order}""")
    names = [d[0] for d in rel.description]
    rows = [dict(zip(names, r)) for r in rel.fetchall()]
    for row in rows:
        row["link"] = safe_url(row["url"])  # http(s) only: a javascript: link is dropped
    con.execute("DROP TABLE IF EXISTS _page")
    return PostsPage(scope, total, rows)


def _engagement_sql(ws: Workspace, posts: str) -> str:
    """Counts of the snapshot the report uses (the first measured the rule's hours or more after
    posting), with interactions as the platform sums them, for the posts of table `posts`."""
    return f"""SELECT s.*, {interactions_sql('s')} AS interactions FROM (
                   SELECT e.*, p.platform FROM ({snapshot_sql(min_hours(ws))}) e JOIN posts p USING (post_id)
                   WHERE e.post_id IN (SELECT post_id FROM {posts})) s"""


def dashboard_link(query, row: dict) -> str | None:
    """/posts behind one row of a dashboard table: the dashboard's filters, the row's group, and
    only the actors' own posts (what the dashboard counts), most interactions first."""
    params = {"period": query.period, "platform": query.platform, "category": query.category,
              "actor": query.actor, "all": "true" if query.all_posts else "", "own": "true",
              "sort": "interactions"}
    by, value = query.by, row.get(query.by)
    if value is None:
        return None  # unregistered accounts: no filter names them
    if by == "week":
        start = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        params.update(since=start.isoformat(), until=(start + timedelta(days=6)).isoformat(), all="")
        if query.period:  # the week within the period: both bounds apply
            params["period"] = query.period
    elif by == "period":
        if str(value).startswith("("):  # "(no period)"
            return None
        params.update(period=str(value), all="")
    elif by == "category" and value == "unregistered":
        return None
    else:
        params[by] = str(value)
    return "/posts?" + urlencode({k: v for k, v in params.items() if v})
