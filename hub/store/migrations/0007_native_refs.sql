-- Platforms' own ids for after-sales records, linked to complaints, with the native state the
-- adapter last returned for each. One row per native id: the link and the state change together,
-- in the same transaction as the events the state change produced (hub/store/events.py).

CREATE TABLE native_refs (
    platform     text        NOT NULL,
    kind         text        NOT NULL,
    native_id    text        NOT NULL,  -- native ids exceed 2^53: always text
    complaint_id text        NOT NULL,
    state        jsonb       NOT NULL,
    -- The events the last change of state produced, so a re-push of the same record is answered
    -- with their stored results.
    event_ids    text[]      NOT NULL DEFAULT '{}',
    linked_at    timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (platform, kind, native_id)
);
-- Rendering a case for its platform names the case's native ids.
CREATE INDEX native_refs_complaint ON native_refs (complaint_id);
