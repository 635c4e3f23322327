-- Retention by crypto-shredding (docs/retention.md): once a complaint has not changed for the
-- retention period, its personal part's data key, salt and ciphertexts are destroyed. Each erasure
-- is recorded here, with dates and the rule applied, never with anything of the personal part.
CREATE TABLE erasures (
    complaint_id     text        PRIMARY KEY,
    erased_at        timestamptz NOT NULL,
    reason           text        NOT NULL CHECK (reason IN ('retention')),
    last_changed_at  timestamptz NOT NULL,  -- the complaint's last change, the period's start
    retention_years  integer     NOT NULL CHECK (retention_years >= 3),
    run_id           uuid        NOT NULL   -- the `retention run` that erased it
);
CREATE INDEX erasures_run ON erasures (run_id);

-- A retention run walks only the parts still readable; erased ones drop out of this index.
CREATE INDEX personal_parts_readable ON personal_parts (complaint_id) WHERE erased_at IS NULL;
