-- 002: election results, to set candidates' social-media popularity beside their votes.
-- One row per candidate (or party) of one election; actor_id is resolved by name or alias at import.
CREATE TABLE election_results (
    election    VARCHAR NOT NULL,   -- e.g. 'presidential 2021'; '' when the file names none
    candidate   VARCHAR NOT NULL,   -- as written in the results file
    actor_id    INTEGER,            -- the registered actor it matched, NULL when none did
    votes       BIGINT,
    share       DOUBLE,             -- percent of valid votes (0-100)
    import_file VARCHAR,
    imported_at TIMESTAMPTZ,
    PRIMARY KEY (election, candidate)
);
