"""The stager's last guard: a record an importer let through with an impossible value is quarantined
(with its private author pseudonymised), never stored and never a crash (issue #7, items 5, 6, 3)."""

from __future__ import annotations

from datetime import datetime, timezone

from shailoo.privacy import pseudonym
from shailoo.records import PostRecord, RowError
from shailoo.store.stager import Privacy, Stager, record_problem, redact, stage_records

KEY = b"k" * 32
WHEN = datetime(2024, 3, 1, tzinfo=timezone.utc)


def _stage(records):
    batches: dict[str, list] = {}
    stager = Stager(Privacy(KEY), lambda table, batch: batches.setdefault(table, []).extend(batch.to_pylist()))
    counts = stage_records(records, stager, "test", "file")
    return counts, batches


def test_out_of_range_records_are_quarantined_not_staged():
    records = [
        PostRecord("facebook", "1", WHEN, likes=5),
        PostRecord("facebook", "2", WHEN, comments=9223372036854775807),
        PostRecord("facebook", "3", WHEN, reaction_breakdown={"like": 10**19}),
        PostRecord("facebook", "4", datetime(1, 1, 1, tzinfo=timezone.utc)),
        PostRecord("facebook", "", WHEN),
        PostRecord("facebook", "x" * 300, WHEN),
    ]
    counts, batches = _stage(records)
    assert counts.records == 6 and counts.quarantined == 5
    assert [r["platform_post_id"] for r in batches["stage_posts"]] == ["1"]
    reasons = [r["reason"] for r in batches["stage_quarantine"]]
    assert "comments is outside" in reasons[0] and "reaction count" in reasons[1] and "before 2004" in reasons[2]


def test_a_quarantined_private_authors_identifiers_are_pseudonymised():
    record = PostRecord("vk", "5_1", WHEN, account_id="400", account_name="Асель Частная",
                        account_handle="asel_private", author_is_public=False, views=10**13)
    assert record_problem(record)
    _, batches = _stage([record])
    raw = batches["stage_quarantine"][0]["raw"]
    assert "Асель" not in raw and "asel_private" not in raw and '"400"' not in raw
    assert pseudonym(KEY, "vk", "asel_private") in raw


def test_redact_replaces_whole_tokens_only_and_escaped_forms():
    raw = '{"from": "Jane \\"J\\" Doe", "from_id": "user123", "date": 1700123456, "n": 123}'
    out = redact(raw, {'Jane "J" Doe': "p_a", "user123": "p_b", "123": "p_c"})
    assert out == '{"from": "p_a", "from_id": "p_b", "date": 1700123456, "n": p_c}'


def test_row_errors_with_private_values_are_redacted_by_the_stager():
    error = RowError(7, "bad date", '{"from": "Бакыт Частный", "from_id": "user111", "date": "x"}',
                     private=("Бакыт Частный", "user111"), platform="telegram")
    _, batches = _stage([error])
    raw = batches["stage_quarantine"][0]["raw"]
    assert "Бакыт" not in raw and "user111" not in raw and pseudonym(KEY, "telegram", "user111") in raw
