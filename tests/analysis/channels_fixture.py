"""Hand-made rows for the channel, speed, group and responsiveness tests: inserted straight into a
workspace's tables, so that every expected figure can be computed by hand from this file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

T0 = datetime(2024, 3, 1, 0, 0, tzinfo=timezone.utc)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def actor(ws, name: str, category: str, accounts: list[tuple[str, str]] = (), aliases: list[str] = ()) -> int:
    actor_id = ws.con.execute("INSERT INTO actors (name, category, aliases) VALUES (?, ?, ?) RETURNING actor_id",
                              [name, category, list(aliases)]).fetchall()[0][0]
    for platform, account_id in accounts:
        ws.con.execute("INSERT INTO actor_accounts (actor_id, platform, account_id) VALUES (?, ?, ?)",
                       [actor_id, platform, account_id])
        account(ws, platform, account_id, actor_id=actor_id)
    return actor_id


def account(ws, platform: str, account_id: str, name: str | None = None, actor_id: int | None = None,
            private: bool = False, handle: str | None = None) -> None:
    ws.con.execute("""INSERT INTO accounts (platform, account_id, name, handle, actor_id, is_pseudonymised)
                      VALUES (?, ?, ?, ?, ?, ?)
                      ON CONFLICT (platform, account_id) DO UPDATE SET
                        name = coalesce(excluded.name, accounts.name), actor_id = coalesce(excluded.actor_id,
                        accounts.actor_id), handle = coalesce(excluded.handle, accounts.handle)""",
                   [platform, account_id, name, handle, actor_id, private])


def post(ws, platform: str, key: str, account_id: str, created: datetime, text: str = "", *,
         post_type: str = "post", parent: str | None = None, space: str | None = None, title: str | None = None,
         link: str | None = None, urls: list[str] | None = None) -> int:
    ws.con.execute("INSERT INTO accounts (platform, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                   [platform, account_id])
    return ws.con.execute(
        """INSERT INTO posts (platform, platform_post_id, account_id, created_at, text, text_norm, post_type,
                              parent_platform_post_id, space_account_id, title, link, urls,
                              url)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING post_id""",
        [platform, key, account_id, created, text, text, post_type, parent, space, title, link, urls,
         f"https://example.org/{platform}/{key}"]).fetchall()[0][0]


def snapshot(ws, post_id: int, measured: datetime, **counts) -> None:
    cols = ", ".join(["post_id", "measured_at", *counts])
    marks = ", ".join("?" for _ in range(2 + len(counts)))
    ws.con.execute(f"INSERT INTO engagement_snapshots ({cols}) VALUES ({marks})", [post_id, measured, *counts.values()])


def followers(ws, platform: str, account_id: str, measured: datetime, followers: int | None,
              total_views: int | None = None, total_posts: int | None = None) -> None:
    ws.con.execute("INSERT INTO follower_snapshots (platform, account_id, measured_at, followers, total_views, "
                   "total_posts) VALUES (?, ?, ?, ?, ?, ?)",
                   [platform, account_id, measured, followers, total_views, total_posts])
