-- 011: offline events (issue #14): what a user's events file or `shailoo events add` gives.
-- Participant figures are bounds, never guesses: "50-99" is 50..99, ">10000" is 10001..unknown, an
-- exact figure has both bounds equal (and is kept in claimed_/reported_participants as before).
-- Re-runnable: IF NOT EXISTS everywhere.
CREATE SEQUENCE IF NOT EXISTS event_id_seq START 1;
ALTER TABLE events ADD COLUMN IF NOT EXISTS event_key VARCHAR;        -- 'id:<file id>' or 'h:<digest of the fields>': re-imports match it
ALTER TABLE events ADD COLUMN IF NOT EXISTS country VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS event_type VARCHAR;       -- protest, strike, picket, election, crisis …
ALTER TABLE events ADD COLUMN IF NOT EXISTS claimed_low BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS claimed_high BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS claimed_text VARCHAR;     -- as the file wrote it ("thousands")
ALTER TABLE events ADD COLUMN IF NOT EXISTS reported_low BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS reported_high BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS reported_text VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS arrests BIGINT;           -- a number of arrests, NULL when not given
ALTER TABLE events ADD COLUMN IF NOT EXISTS had_arrests BOOLEAN;      -- a yes/no the source gives instead (Mass Mobilization)
ALTER TABLE events ADD COLUMN IF NOT EXISTS description VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS source_url VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS import_id INTEGER;        -- the import that last wrote it; NULL: `events add`
ALTER TABLE events ADD COLUMN IF NOT EXISTS record_number BIGINT;     -- its record in that file
