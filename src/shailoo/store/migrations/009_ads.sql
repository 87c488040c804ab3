-- 009: political ads (issue #13) from Meta's Ad Library: the report CSVs (spend per advertiser in a
-- report's window) and the Ad Library API (one row per ad). Amounts are ranges: both bounds are kept,
-- a bound the source does not give is NULL (unknown), never 0 and never a midpoint. Which registered
-- actor an ad or a report row belongs to is decided when it is read (analysis/ads.py: the page id in
-- the registry, else the page name or the paying entity among the actors' names and aliases), so that
-- registering an actor after the import still matches its ads.

-- One row per advertiser row of a report file (a page × the disclaimer its ads ran with).
CREATE TABLE IF NOT EXISTS ad_spend (
    import_id        INTEGER NOT NULL,
    row_number       BIGINT NOT NULL,         -- the record number in the file
    report_key       VARCHAR NOT NULL,        -- country|date|window|layout: a newer copy of a report replaces it
    layout           VARCHAR NOT NULL,        -- advertisers | spending_to_date
    country          VARCHAR,                 -- from the file name; NULL when it does not say
    report_range     VARCHAR,                 -- yesterday, last_7_days, last_30_days, last_90_days, lifelong
    report_date      DATE,                    -- the date in the file name: the last day covered
    window_start     DATE,                    -- the first day covered; NULL when open (lifelong) or unknown
    window_end       DATE,
    page_id          VARCHAR,                 -- NULL in the 2019 layout
    page_name        VARCHAR,
    disclaimer       VARCHAR,                 -- the paying entity; NULL when the ads ran without one
    without_disclaimer BOOLEAN NOT NULL DEFAULT false,
    spend_lower      DOUBLE,                  -- '≤100' is 0 .. 100; an exact amount has both bounds equal
    spend_upper      DOUBLE,
    currency         VARCHAR,                 -- from the header ('Amount spent (THB)') or --currency; NULL unknown
    ads              BIGINT,                  -- number of ads in the Library
    PRIMARY KEY (import_id, row_number)
);

-- One row per ad of the Ad Library API; a later file updates an ad (its spend grows while it runs).
CREATE TABLE IF NOT EXISTS ads (
    ad_id             VARCHAR PRIMARY KEY,
    page_id           VARCHAR,
    page_name         VARCHAR,
    bylines           VARCHAR,                -- "Paid for by": the paying entity
    created_at        TIMESTAMPTZ,
    delivery_start    TIMESTAMPTZ,
    delivery_stop     TIMESTAMPTZ,            -- NULL: still running, or not given
    spend_lower       DOUBLE,
    spend_upper       DOUBLE,                 -- NULL: the top bucket, open-ended
    impressions_lower BIGINT,
    impressions_upper BIGINT,
    audience_lower    BIGINT,
    audience_upper    BIGINT,
    currency          VARCHAR,
    bodies            VARCHAR[],
    link_titles       VARCHAR[],
    platforms         VARCHAR[],
    languages         VARCHAR[],
    url               VARCHAR,                -- the ad's public Ad Library page
    first_import_id   INTEGER,
    last_import_id    INTEGER
);
