"""Views every analysis reads: posts with their actor, category and local calendar fields."""

from __future__ import annotations

import duckdb


def create_views(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    tz = timezone.replace("'", "''")
    con.execute(
        f"""
        CREATE OR REPLACE VIEW posts_v AS
        SELECT p.*,
               a.actor_id,
               ac.name AS actor,
               ac.category,
               a.name AS account_name,
               a.handle AS account_handle,
               timezone('{tz}', p.created_at) AS local_time,
               CAST(timezone('{tz}', p.created_at) AS DATE) AS day,
               CAST(date_trunc('week', timezone('{tz}', p.created_at)) AS DATE) AS week
        FROM posts p
        LEFT JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id
        LEFT JOIN actors ac ON ac.actor_id = a.actor_id
        """
    )
