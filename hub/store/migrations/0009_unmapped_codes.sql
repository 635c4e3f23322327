-- Native codes no adapter table knows (a status, a type, a push topic), counted per platform,
-- field and code. The record carrying one is accepted, not refused: platforms add codes without
-- notice, and this table tells an operator which codes to map next. Counted in the transaction
-- that keeps the record's native state (hub/store/native.py), so a rolled-back record counts
-- nothing.

CREATE TABLE unmapped_codes (
    platform      text        NOT NULL,
    field         text        NOT NULL,  -- the native field's name, e.g. after_sales_status
    code          text        NOT NULL,  -- the value as text
    count         bigint      NOT NULL,  -- kept native states that carried it
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (platform, field, code)
);
