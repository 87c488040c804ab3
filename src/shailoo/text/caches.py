"""Fill the text caches (`post_tokens`, `post_language`) for posts just imported, so that the
first text command finds them ready: tokenising and identifying languages is most of a first
`shailoo terms` on a fresh workspace. Done in bounded batches, each its own transaction, so
that memory stays flat however large the file."""

from __future__ import annotations

BATCH = 100_000


def fill_text_caches(con, post_ids: str, batch: int = BATCH) -> int:
    """Tokenise and identify the language of the posts `post_ids` (SQL of one column of post ids)
    that the caches do not hold yet; return how many posts were looked at."""
    from shailoo.text.post_language import ensure_post_language

    con.execute(f"""CREATE OR REPLACE TEMP TABLE _fill_ids AS
        SELECT post_id, (row_number() OVER (ORDER BY post_id) - 1) // {int(batch)} AS b FROM ({post_ids})""")
    n, batches = con.execute("SELECT count(*), coalesce(max(b) + 1, 0) FROM _fill_ids").fetchall()[0]
    try:
        for b in range(batches):
            con.execute(f"CREATE OR REPLACE TEMP TABLE _fill_batch AS SELECT post_id FROM _fill_ids WHERE b = {b}")
            con.execute("BEGIN TRANSACTION")
            try:
                ensure_post_language(con, post_ids="SELECT post_id FROM _fill_batch")  # tokens first, then languages
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
    finally:
        con.execute("DROP TABLE IF EXISTS _fill_batch")
        con.execute("DROP TABLE IF EXISTS _fill_ids")
    return n
