-- Pull synchronisation with polled platforms: one row per platform, holding the durable cursor,
-- the health an operator watches, and the lease that lets only one hub process poll at a time.

CREATE TABLE sync_state (
    platform             text        PRIMARY KEY,
    cursor               text,                    -- the adapter's own cursor, opaque to the hub
    window_end           timestamptz,             -- the end of the span the current pass covers
    backlog              boolean     NOT NULL DEFAULT false,  -- more pages wait in this pass
    last_success_at      timestamptz,
    last_error           text,
    last_error_at        timestamptz,
    consecutive_failures integer     NOT NULL DEFAULT 0,
    lag_s                integer,                 -- how far behind the clock the covered span ends
    rejects              jsonb       NOT NULL DEFAULT '{}',  -- reason -> count
    pages                bigint      NOT NULL DEFAULT 0,
    records              bigint      NOT NULL DEFAULT 0,
    -- The lease: claimed in a short statement, never by a transaction held across the HTTP call.
    lease_holder         text,
    lease_until          timestamptz,
    updated_at           timestamptz NOT NULL
);

-- Pulled records carry the platform's order id, not the hub's complaint id: an unlinked record is
-- matched to the open complaint filed against that platform for that order. Events hold canonical
-- JSON in UTF-8, so reading the filed order id from the body is immutable and indexable.
CREATE FUNCTION filed_order_id(body bytea) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT convert_from(body, 'UTF8')::jsonb #>> '{data,order,order_id}' $$;
CREATE INDEX events_filed_order ON events (filed_order_id(body)) WHERE version = 1;
