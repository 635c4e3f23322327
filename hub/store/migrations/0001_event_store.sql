-- The event store: an append-only chain of events per complaint, the derived snapshot, and the
-- single-row counter that hands out dense feed positions in commit order.

CREATE TABLE feed_counter (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last      bigint  NOT NULL
);
INSERT INTO feed_counter (singleton, last) VALUES (true, 0);

CREATE TABLE events (
    position        bigint      PRIMARY KEY,
    event_id        text        NOT NULL UNIQUE,
    complaint_id    text        NOT NULL,
    version         integer     NOT NULL CHECK (version >= 1),
    type            text        NOT NULL,
    actor           text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    accepted_at     timestamptz NOT NULL,
    body            bytea       NOT NULL,  -- canonical JSON (RFC 8785) of the envelope
    event_sha256    bytea       NOT NULL,
    evidence_id     bigint,
    evidence_sha256 bytea,
    flags           jsonb       NOT NULL DEFAULT '{}',
    receipt         text,
    UNIQUE (complaint_id, version)
);

-- Acknowledged history is never rewritten: the database itself refuses it.
CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

CREATE TABLE complaints (
    complaint_id  text        PRIMARY KEY,
    version       integer     NOT NULL,
    status        text        NOT NULL,
    snapshot      jsonb       NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    last_position bigint      NOT NULL
);
CREATE INDEX complaints_updated ON complaints (updated_at, complaint_id);
