-- Collection (shailoo collect, docs/collect.md): runs, where each account's collection continues,
-- what failed, and the raw responses received (gzip-compressed, without credentials).
-- Re-runnable: every statement is IF NOT EXISTS.

CREATE TABLE IF NOT EXISTS collect_runs (
    run_id       INTEGER PRIMARY KEY,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,      -- running, done, interrupted, failed, reimport
    options      VARCHAR,               -- JSON: platforms, actor, since, api base (never a credential)
    summary      VARCHAR                -- JSON: per platform counts and failures
);

-- Where the next run continues for each account (stored after the batch that reached it was imported).
CREATE TABLE IF NOT EXISTS collect_cursors (
    platform     VARCHAR NOT NULL,
    account      VARCHAR NOT NULL,      -- the registry's account id, else 'h:' + handle
    cursor       VARCHAR NOT NULL,      -- JSON, the collector's own
    run_id       INTEGER,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, account)
);

CREATE TABLE IF NOT EXISTS collect_failures (
    run_id       INTEGER NOT NULL,
    platform     VARCHAR NOT NULL,
    account      VARCHAR,               -- NULL: the whole platform (credentials, quota)
    kind         VARCHAR NOT NULL,      -- the error type: AccountUnavailable, CredentialsError, ...
    message      VARCHAR NOT NULL,      -- one sentence
    failed_at    TIMESTAMPTZ NOT NULL
);

-- Every response received, and every batch a collector built without HTTP (endpoint 'batch:<format>').
-- format_id/measured_at are set on the rows that were imported (the body an importer read), so
-- `shailoo collect --reimport` can rebuild the workspace from here without calling the platform.
CREATE TABLE IF NOT EXISTS collect_archive (
    run_id       INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    platform     VARCHAR NOT NULL,
    endpoint     VARCHAR NOT NULL,
    url          VARCHAR,
    params       VARCHAR,               -- JSON, without credentials
    status       INTEGER,
    received_at  TIMESTAMPTZ NOT NULL,
    sha256       VARCHAR NOT NULL,      -- of the uncompressed body
    size         BIGINT NOT NULL,
    body_gz      BLOB NOT NULL,
    format_id    VARCHAR,
    filename     VARCHAR,
    measured_at  TIMESTAMPTZ,
    PRIMARY KEY (run_id, seq)
);
