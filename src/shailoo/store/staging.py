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
        ("space_account_id", pa.string()),
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
    """Collects rows as tuples; `take()` turns them into an Arrow table (columns by zip, at C speed)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self._rows: list[tuple] = []

    def __len__(self) -> int:
        return len(self._rows)

    def append(self, values: tuple) -> None:
        self._rows.append(values)

    def take(self) -> pa.Table:
        rows, self._rows = self._rows, []
        columns = list(zip(*rows)) if rows else [() for _ in self.schema]
        arrays = [_to_arrow(list(col), field.type) for col, field in zip(columns, self.schema)]
        return pa.Table.from_arrays(arrays, schema=self.schema)


def _to_arrow(values: list, type_: pa.DataType) -> pa.Array:
    if pa.types.is_timestamp(type_):
        # pyarrow converts aware datetimes one by one (slow); integers in bulk are ~8x faster.
        micros = [None if v is None else round(v.timestamp() * 1_000_000) for v in values]
        return pa.array(micros, type=pa.int64()).cast(type_)
    return pa.array(values, type=type_)
