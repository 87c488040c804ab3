"""Views every analysis reads: posts with their actor, category and local calendar fields.

A post counts for its author's actor; a post by someone who is not a registered actor, published in
a registered group's space (a member's post on a VK community wall, in a Telegram group), counts for
that group's actor, and `by_member` marks it, so a group's posts split into its own and its members'.
"""

from __future__ import annotations

import duckdb


def create_views(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    tz = timezone.replace("'", "''")
    con.execute(
        f"""
        CREATE OR REPLACE VIEW posts_v AS
        SELECT p.*,
               coalesce(a.actor_id, sa.actor_id) AS actor_id,
               ac.name AS actor,
               ac.category,
               a.name AS account_name,
               a.handle AS account_handle,
               (a.actor_id IS NULL AND sa.actor_id IS NOT NULL) AS by_member,
               timezone('{tz}', p.created_at) AS local_time,
               CAST(timezone('{tz}', p.created_at) AS DATE) AS day,
               CAST(date_trunc('week', timezone('{tz}', p.created_at)) AS DATE) AS week
        FROM posts p
        LEFT JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id
        LEFT JOIN accounts sa ON sa.platform = p.platform AND sa.account_id = p.space_account_id
        LEFT JOIN actors ac ON ac.actor_id = coalesce(a.actor_id, sa.actor_id)
        """
    )
