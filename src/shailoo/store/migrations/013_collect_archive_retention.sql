-- Collection follow-ups (docs/collect.md "The raw archive"): where a redirect ended, and the
-- retention rule. Archived bodies hold private individuals' ids and names (commenters, people who
-- post on a community wall), so they are purged after [collect] archive_days (default 30) or with
-- `shailoo collect --purge-archive`: body_gz becomes empty, the row (sha256, size, times) stays.
-- Re-runnable: every statement is IF NOT EXISTS.

ALTER TABLE collect_archive ADD COLUMN IF NOT EXISTS final_url VARCHAR;      -- after same-host redirects, no credential
ALTER TABLE collect_archive ADD COLUMN IF NOT EXISTS purged_at TIMESTAMPTZ;  -- the body was deleted then
