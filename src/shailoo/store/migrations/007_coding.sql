-- 007: the coding layer (DESIGN.md "codebook / code", "sample / assignment", "final code").
-- A unit is a post (post variables) or a (post, actor) pair (post_actor variables: the actor the
-- post mentions). Codes are never updated in place: every change is a new coding act.

-- One row per imported codebook version; the YAML as the user wrote it, and what changed.
CREATE TABLE IF NOT EXISTS codebooks (
    version      INTEGER PRIMARY KEY,
    imported_at  TIMESTAMPTZ NOT NULL,
    source_file  VARCHAR,
    sha256       VARCHAR NOT NULL,
    yaml         VARCHAR NOT NULL,
    changes      VARCHAR[]            -- sentences: what this version changed from the one before
);

-- A sample: the posts drawn for coding and the rule that drew them (JSON: kind, sizes, strata,
-- seed, query, scope), so it can be redrawn.
CREATE TABLE IF NOT EXISTS samples (
    name             VARCHAR PRIMARY KEY,
    rule             VARCHAR NOT NULL,
    drawn_at         TIMESTAMPTZ NOT NULL,
    codebook_version INTEGER,
    purpose          VARCHAR NOT NULL DEFAULT 'coding'   -- coding | calibration
);

CREATE TABLE IF NOT EXISTS sample_posts (
    sample   VARCHAR NOT NULL,
    post_id  BIGINT NOT NULL,
    stratum  VARCHAR,            -- the stratum it was drawn in (category, actor, period, platform ...)
    PRIMARY KEY (sample, post_id)
);

-- (post, actor) pairs: the units of post_actor variables. Found by the actors' aliases, or added by a coder.
CREATE TABLE IF NOT EXISTS mentions (
    post_id   BIGINT NOT NULL,
    actor_id  INTEGER NOT NULL,
    source    VARCHAR NOT NULL,  -- 'alias' (found by shailoo) | 'coder' (added by a coder) | 'author' (the actor posted it)
    matched   VARCHAR,           -- the word form that matched
    added_by  VARCHAR,
    added_at  TIMESTAMPTZ,
    PRIMARY KEY (post_id, actor_id)
);

-- Which coder codes which posts of a sample (all variables of the post and of its mentions).
CREATE TABLE IF NOT EXISTS assignments (
    sample       VARCHAR NOT NULL,
    post_id      BIGINT NOT NULL,
    coder        VARCHAR NOT NULL,
    overlap      BOOLEAN NOT NULL,   -- in the reliability overlap: coded blind by two or more coders
    assigned_at  TIMESTAMPTZ NOT NULL,
    released_at  TIMESTAMPTZ,        -- given up after being left idle; the post may go to another coder
    PRIMARY KEY (sample, post_id, coder)
);

-- Every coder's codes, one row per value of a coding act (a coder's value(s) for one unit and one
-- variable at one time). A coder's current code for a unit is their latest act. A multi-label act
-- that chose no value has one row with value NULL.
CREATE SEQUENCE IF NOT EXISTS code_act_seq START 1;
CREATE TABLE IF NOT EXISTS codes (
    act_id            BIGINT NOT NULL,
    post_id           BIGINT NOT NULL,
    actor_id          INTEGER,          -- post_actor variables; NULL for post variables
    variable          VARCHAR NOT NULL,
    value             VARCHAR,          -- a value code of the codebook
    coder             VARCHAR NOT NULL,
    coded_at          TIMESTAMPTZ NOT NULL,
    codebook_version  INTEGER NOT NULL,
    origin            VARCHAR NOT NULL  -- 'import', 'cli', 'web', 'calibration'
);

-- A reviewer's decision for a unit where coders disagree; the latest decision per unit counts.
CREATE TABLE IF NOT EXISTS adjudications (
    act_id            BIGINT NOT NULL,
    post_id           BIGINT NOT NULL,
    actor_id          INTEGER,
    variable          VARCHAR NOT NULL,
    value             VARCHAR,
    reviewer          VARCHAR NOT NULL,
    decided_at        TIMESTAMPTZ NOT NULL,
    codebook_version  INTEGER NOT NULL,
    note              VARCHAR
);

-- Machine suggestions (assisted coding). Never codes: kept apart, with the model that made them.
CREATE TABLE IF NOT EXISTS coding_models (
    model_id      INTEGER PRIMARY KEY,
    variable      VARCHAR NOT NULL,
    trained_at    TIMESTAMPTZ NOT NULL,
    training_units BIGINT NOT NULL,
    cv_accuracy   DOUBLE,
    cv_folds      INTEGER,
    per_value_f1  VARCHAR,            -- JSON {value: f1}
    description   VARCHAR
);

CREATE TABLE IF NOT EXISTS suggestions (
    model_id     INTEGER NOT NULL,
    post_id      BIGINT NOT NULL,
    actor_id     INTEGER,
    variable     VARCHAR NOT NULL,
    value        VARCHAR NOT NULL,
    probability  DOUBLE NOT NULL
);
