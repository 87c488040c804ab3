"""Column buffers that turn importer records into Arrow batches for DuckDB staging tables."""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

STAGE_POSTS_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("platform", pa.string()),
        ("platform_post_id", pa.string()),
        ("created_at", TS),
        ("created_utc_offset_minutes", pa.int32()),
        ("account_id", pa.string()),
        ("account_name", pa.string()),
        ("account_handle", pa.string()),
        ("account_url", pa.string()),
        ("is_pseudonymised", pa.bool_()),
        ("post_type", pa.string()),
        ("parent_platform_post_id", pa.string()),
        ("url", pa.string()),
        ("text", pa.string()),
        ("text_norm", pa.string()),
        ("title", pa.string()),
        ("description", pa.string()),
        ("link", pa.string()),
        ("link_text", pa.string()),
        ("image_text", pa.string()),
        ("media_type", pa.string()),
        ("language", pa.string()),
        ("forwarded_from", pa.string()),
        ("is_edited", pa.bool_()),
        ("sponsor_id", pa.string()),
        ("sponsor_name", pa.string()),
        ("overperforming_score", pa.float64()),
        ("measured_at", TS),
        ("reactions", pa.int64()),
        ("likes", pa.int64()),
        ("love", pa.int64()),
        ("wow", pa.int64()),
        ("haha", pa.int64()),
        ("sad", pa.int64()),
        ("angry", pa.int64()),
        ("care", pa.int64()),
        ("reaction_breakdown", pa.map_(pa.string(), pa.int64())),
        ("comments", pa.int64()),
        ("shares", pa.int64()),
        ("views", pa.int64()),
        ("followers_at_posting", pa.int64()),
    ]
)

STAGE_ACCOUNTS_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("name", pa.string()),
        ("handle", pa.string()),
        ("url", pa.string()),
        ("measured_at", TS),
        ("followers", pa.int64()),
        ("total_views", pa.int64()),
        ("total_posts", pa.int64()),
    ]
)

STAGE_QUARANTINE_SCHEMA = pa.schema(
    [("record_number", pa.int64()), ("reason", pa.string()), ("raw", pa.string())]
)


class ColumnBuffer:
    """Collects rows as per-column lists; `take()` returns them as an Arrow table and starts afresh."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.names = schema.names
        self._columns: list[list] = [[] for _ in self.names]

    def __len__(self) -> int:
        return len(self._columns[0])

    def append(self, values: tuple | list) -> None:
        for column, value in zip(self._columns, values):
            column.append(value)

    def take(self) -> pa.Table:
        arrays = [pa.array(col, type=field.type) for col, field in zip(self._columns, self.schema)]
        self._columns = [[] for _ in self.names]
        return pa.Table.from_arrays(arrays, schema=self.schema)
