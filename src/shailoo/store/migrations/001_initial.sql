-- 001: the data model of DESIGN.md. Times are TIMESTAMPTZ (stored as UTC instants);
-- the source's own UTC offset is kept beside them in minutes.

CREATE SEQUENCE IF NOT EXISTS actor_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS account_key_seq START 1;
CREATE SEQUENCE IF NOT EXISTS post_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;

CREATE TABLE actors (
    actor_id    INTEGER PRIMARY KEY DEFAULT nextval('actor_id_seq'),
    name        VARCHAR NOT NULL UNIQUE,
    category    VARCHAR NOT NULL,
    aliases     VARCHAR[] DEFAULT []
);

-- What the registry says an actor's accounts are (one row per account in the registry file).
CREATE TABLE actor_accounts (
    actor_id    INTEGER NOT NULL,
    platform    VARCHAR NOT NULL,
    account_id  VARCHAR,          -- platform's own id (page id, channel id, VK owner id, ...)
    handle      VARCHAR,          -- vanity name / username, lower case, without @
    url         VARCHAR
);

-- Every account seen in imported data (or registered), one row per (platform, account_id).
-- account_id is the platform id, or a keyed pseudonym ('p_' + HMAC) for private individuals.
CREATE TABLE accounts (
    account_key   BIGINT PRIMARY KEY DEFAULT nextval('account_key_seq'),
    platform      VARCHAR NOT NULL,
    account_id    VARCHAR NOT NULL,
    handle        VARCHAR,
    name          VARCHAR,         -- NULL for pseudonymised accounts
    url           VARCHAR,
    is_pseudonymised BOOLEAN NOT NULL DEFAULT false,
    actor_id      INTEGER,         -- resolved from actor_accounts; NULL when not a registered actor
    UNIQUE (platform, account_id)
);

CREATE TABLE posts (
    post_id            BIGINT PRIMARY KEY DEFAULT nextval('post_id_seq'),
    platform           VARCHAR NOT NULL,
    platform_post_id   VARCHAR NOT NULL,
    account_id         VARCHAR,    -- joins accounts(platform, account_id)
    post_type          VARCHAR NOT NULL DEFAULT 'post',  -- post, comment, reply, video, message, repost, quote
    parent_platform_post_id VARCHAR,  -- comments/replies: the post answered
    created_at         TIMESTAMPTZ NOT NULL,
    created_utc_offset_minutes INTEGER,  -- the offset the source gave, NULL if it gave none
    url                VARCHAR,    -- link to the post itself
    text               VARCHAR,    -- as published
    text_norm          VARCHAR,    -- NFC + homoglyph folding
    title              VARCHAR,
    description        VARCHAR,
    link               VARCHAR,    -- outbound link attached to the post
    link_text          VARCHAR,
    image_text         VARCHAR,
    media_type         VARCHAR,
    language           VARCHAR,    -- as given by the source, if any
    urls               VARCHAR[],
    link_domains       VARCHAR[],
    hashtags           VARCHAR[],
    mentions           VARCHAR[],
    forwarded_from     VARCHAR,    -- name or pseudonym of the original author of a forward/repost
    is_edited          BOOLEAN,
    sponsor_id         VARCHAR,
    sponsor_name       VARCHAR,
    overperforming_score DOUBLE,
    first_import_id    INTEGER,
    last_import_id     INTEGER,
    UNIQUE (platform, platform_post_id)
);

CREATE TABLE engagement_snapshots (
    post_id       BIGINT NOT NULL,
    measured_at   TIMESTAMPTZ NOT NULL,
    import_id     INTEGER,
    reactions     BIGINT,   -- all reactions / likes together
    likes         BIGINT,   -- Facebook 'Like' reaction; likes elsewhere
    love BIGINT, wow BIGINT, haha BIGINT, sad BIGINT, angry BIGINT, care BIGINT,
    reaction_breakdown MAP(VARCHAR, BIGINT),  -- e.g. Telegram emoji reactions
    comments      BIGINT,   -- comments / replies
    shares        BIGINT,   -- shares / forwards / reposts (retweets + quotes on X)
    views         BIGINT,
    PRIMARY KEY (post_id, measured_at)
);

CREATE TABLE follower_snapshots (
    platform      VARCHAR NOT NULL,
    account_id    VARCHAR NOT NULL,
    measured_at   TIMESTAMPTZ NOT NULL,
    followers     BIGINT,
    total_views   BIGINT,
    total_posts   BIGINT,
    import_id     INTEGER,
    PRIMARY KEY (platform, account_id, measured_at)
);

CREATE TABLE periods (
    name        VARCHAR PRIMARY KEY,
    start_date  DATE NOT NULL,   -- inclusive, in the workspace's time zone
    end_date    DATE NOT NULL    -- inclusive
);

CREATE TABLE events (
    event_id     INTEGER PRIMARY KEY,
    name         VARCHAR NOT NULL,
    start_date   DATE NOT NULL,
    end_date     DATE,
    place        VARCHAR,
    claimed_participants  BIGINT,
    reported_participants BIGINT,
    source       VARCHAR
);

CREATE TABLE imports (
    import_id    INTEGER PRIMARY KEY,
    format       VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    file_path    VARCHAR,
    sha256       VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    duration_s   DOUBLE,
    records      BIGINT,
    imported     BIGINT,
    updated      BIGINT,
    unchanged    BIGINT,
    quarantined  BIGINT,
    skipped      BIGINT
);

CREATE TABLE quarantine (
    import_id     INTEGER NOT NULL,
    file_name     VARCHAR NOT NULL,
    record_number BIGINT NOT NULL,   -- 1-based record (row / message / line) in the file
    reason        VARCHAR NOT NULL,
    raw           VARCHAR,           -- the raw record; NULL once purged
    purged_at     TIMESTAMPTZ
);
