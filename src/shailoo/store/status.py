"""What is in a workspace: counts per platform and category, date range, imports, quarantine."""

from __future__ import annotations

from shailoo.store.workspace import Workspace


def summary(ws: Workspace) -> dict:
    con = ws.con
    per_platform = dict(con.execute("SELECT platform, count(*) FROM posts GROUP BY 1 ORDER BY 2 DESC").fetchall())
    per_category = dict(con.execute(
        "SELECT coalesce(category, 'unregistered'), count(*) FROM posts_v GROUP BY 1 ORDER BY 2 DESC").fetchall())
    first, last = con.execute("SELECT min(local_time), max(local_time) FROM posts_v").fetchall()[0]
    imports = con.execute(
        """SELECT import_id, format, file_name, started_at, records, imported, updated, quarantined, skipped
           FROM imports ORDER BY import_id DESC LIMIT 10""").fetchall()
    return {
        # per-platform counts also at the top level ({"posts": 1200, "facebook": 800, ...}) for scripts
        **per_platform,
        "project": ws.config.project,
        "timezone": ws.config.timezone,
        "posts": sum(per_platform.values()),
        "platforms": per_platform,
        "categories": per_category,
        "first_post": first.isoformat() if first else None,
        "last_post": last.isoformat() if last else None,
        "actors": con.execute("SELECT count(*) FROM actors").fetchall()[0][0],
        "accounts": con.execute("SELECT count(*) FROM accounts").fetchall()[0][0],
        "engagement_snapshots": con.execute("SELECT count(*) FROM engagement_snapshots").fetchall()[0][0],
        "imports": con.execute("SELECT count(*) FROM imports").fetchall()[0][0],
        "quarantined": con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0],
        "periods": [{"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat()} for p in ws.config.periods],
        "recent_imports": [
            dict(zip(("import_id", "format", "file", "started_at", "records", "imported", "updated",
                      "quarantined", "skipped"), row)) for row in imports
        ],
    }
