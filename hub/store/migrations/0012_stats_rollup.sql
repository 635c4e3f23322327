-- Statistics: a rollup of the published grid, maintained incrementally by following the feed.

-- How far the rollup has followed the feed; moved in the same transaction as the rollup itself,
-- so a crash between the two never counts an event twice or not at all.
CREATE TABLE stats_cursor (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position  bigint  NOT NULL
);
INSERT INTO stats_cursor (singleton, position) VALUES (true, 0);

-- What each case (or report) adds to the rollup now: replaced, never added twice, when it moves.
-- Cell keys and measures only: no personal part, no free text.
CREATE TABLE stats_cases (
    complaint_id text  PRIMARY KEY,
    contribution jsonb NOT NULL
);

-- One row per cell of the base grid: a day or a month, a six-digit region, a platform, and one
-- breakdown (dim, value); dim '*' is the total. Coarser cells are sums of these.
CREATE TABLE stats_rollup (
    kind                     text   NOT NULL CHECK (kind IN ('complaint', 'report')),
    grain                    text   NOT NULL CHECK (grain IN ('day', 'month')),
    dim                      text   NOT NULL,
    period_start             date   NOT NULL,
    region                   text   NOT NULL,
    platform                 text   NOT NULL,
    value                    text   NOT NULL,
    filed                    bigint NOT NULL DEFAULT 0,
    accepted                 bigint NOT NULL DEFAULT 0,
    resolved                 bigint NOT NULL DEFAULT 0,
    claimed_fen              bigint NOT NULL DEFAULT 0,
    recovered_fen            bigint NOT NULL DEFAULT 0,
    advance_compensation_fen bigint NOT NULL DEFAULT 0,
    within_deadline          bigint NOT NULL DEFAULT 0,
    breached_deadlines       bigint NOT NULL DEFAULT 0,
    reports_received         bigint NOT NULL DEFAULT 0,
    reports_verified         bigint NOT NULL DEFAULT 0,
    reports_case_opened      bigint NOT NULL DEFAULT 0,
    resolve_days             jsonb  NOT NULL DEFAULT '{}',  -- {"days": cases}: exact quantiles
    PRIMARY KEY (kind, grain, dim, period_start, region, platform, value)
);

-- Adds two {"days": cases} histograms, dropping emptied buckets.
CREATE FUNCTION stats_hist_add(a jsonb, b jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(k, s) FILTER (WHERE s <> 0), '{}'::jsonb)
    FROM (
        SELECT k, sum(v::bigint) AS s
        FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) AS e (k, v)
        GROUP BY k
    ) AS t
$$;
