-- `events` partitioned by month of accepted_at (UTC), so that whole months of erased complaints
-- can be detached into the `archive` schema (complaint-hub retention detach) instead of growing
-- one table for ever. Rows outside every created month land in `events_default`, which stays empty
-- in production: the partitions worker (hub/partitions) creates the current month and the next
-- three ahead of time.
--
-- A unique index on a partitioned table must hold the partition key, so the hub-wide uniqueness
-- of event ids, of (complaint, version) and of positions moves to `event_keys`, one narrow row per
-- event that is never detached: a retry of an event id from a detached month still finds it, and
-- a position is never handed out twice. A statement-level trigger fills it from the inserted rows,
-- for INSERT and COPY alike.
--
-- Converting an existing database copies every event once, inside this migration's transaction:
-- it needs the table's size again in free disk space while it runs.

CREATE SCHEMA IF NOT EXISTS archive;

ALTER TABLE events RENAME TO events_unpartitioned;

CREATE TABLE event_keys (
    event_id     text        PRIMARY KEY,
    complaint_id text        NOT NULL,
    version      integer     NOT NULL,
    position     bigint      NOT NULL UNIQUE,
    accepted_at  timestamptz NOT NULL,
    UNIQUE (complaint_id, version)
);
CREATE TRIGGER event_keys_no_update_or_delete BEFORE UPDATE OR DELETE ON event_keys
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER event_keys_no_truncate BEFORE TRUNCATE ON event_keys
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- The months detached into `archive`, oldest first. Detaching is only ever of every month before
-- a given one, so the feed skips positions accepted before the latest `until` (hub/store/feed.py).
CREATE TABLE detached_months (
    month          date        PRIMARY KEY CHECK (extract(day FROM month) = 1),
    until          date        NOT NULL,
    table_name     text        NOT NULL UNIQUE,  -- in schema archive
    rows           bigint      NOT NULL,
    first_position bigint,
    last_position  bigint,
    detached_at    timestamptz NOT NULL
);

CREATE TABLE events (
    position        bigint      NOT NULL,
    event_id        text        NOT NULL,
    complaint_id    text        NOT NULL,
    version         integer     NOT NULL,
    type            text        NOT NULL,
    actor           text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    accepted_at     timestamptz NOT NULL,
    body            bytea       NOT NULL,  -- canonical JSON (RFC 8785) of the envelope
    event_sha256    bytea       NOT NULL,
    evidence_id     bigint,
    evidence_sha256 bytea,
    flags           jsonb       NOT NULL DEFAULT '{}',
    receipt         text
) PARTITION BY RANGE (accepted_at);

CREATE TABLE events_default PARTITION OF events DEFAULT;
-- TRUNCATE triggers are not inherited: each partition refuses it itself.
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events_default
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- A month for every month that holds events, and the current month and the three after it.
DO $$
DECLARE
    month date;
BEGIN
    FOR month IN
        SELECT DISTINCT date_trunc('month', accepted_at AT TIME ZONE 'UTC')::date
        FROM events_unpartitioned
        UNION
        SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => n))::date
        FROM generate_series(0, 3) AS n
        ORDER BY 1
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
            'events_' || to_char(month, 'YYYY_MM'),
            month::text || ' 00:00:00+00',
            (month + interval '1 month')::date::text || ' 00:00:00+00'
        );
        EXECUTE format(
            'CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON %I'
            ' FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()',
            'events_' || to_char(month, 'YYYY_MM')
        );
    END LOOP;
END;
$$;

INSERT INTO events (position, event_id, complaint_id, version, type, actor, occurred_at,
                    accepted_at, body, event_sha256, evidence_id, evidence_sha256, flags, receipt)
SELECT position, event_id, complaint_id, version, type, actor, occurred_at, accepted_at, body,
       event_sha256, evidence_id, evidence_sha256, flags, receipt
FROM events_unpartitioned
ORDER BY position;

INSERT INTO event_keys (event_id, complaint_id, version, position, accepted_at)
SELECT event_id, complaint_id, version, position, accepted_at FROM events_unpartitioned;

DROP TABLE events_unpartitioned;

ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (position, accepted_at);
ALTER TABLE events ADD CONSTRAINT events_version_check CHECK (version >= 1);
-- The indexes the unpartitioned table had, per partition; event ids are looked up in each
-- partition (retries, receipts), their uniqueness is event_keys'.
CREATE INDEX events_event_id ON events (event_id);
CREATE INDEX events_complaint ON events (complaint_id, version);
CREATE INDEX events_filed_order ON events (filed_order_id(body)) WHERE version = 1;
CREATE INDEX events_evidence ON events (evidence_id, complaint_id) WHERE evidence_id IS NOT NULL;
ALTER TABLE events ADD CONSTRAINT events_evidence_fk FOREIGN KEY (evidence_id) REFERENCES evidence;

CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- Once per statement, over all its rows: a group's INSERT and a batch's COPY alike. A duplicate
-- event id, (complaint, version) or position fails the statement, whatever partitions hold them.
CREATE FUNCTION events_keep_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_keys (event_id, complaint_id, version, position, accepted_at)
    SELECT event_id, complaint_id, version, position, accepted_at FROM inserted;
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_keep_keys AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION events_keep_keys();
