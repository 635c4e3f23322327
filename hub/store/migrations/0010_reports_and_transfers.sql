-- Reports (举报), enforcement staff and transfers between bureaus.

-- Enforcement staff are registered apart from a bureau's complaint desk: besides the bureau that
-- received a report, they are the only ones who read it.
ALTER TABLE participants DROP CONSTRAINT participants_role_check;
ALTER TABLE participants ADD CONSTRAINT participants_role_check
    CHECK (role IN ('bureau', 'platform', 'association', 'court', 'enforcement', 'operator'));

-- A report is a chain of its own in the same table as complaints (one event store, one feed);
-- its lossless state is the only one with a report_id, so the kind follows from the snapshot.
CREATE FUNCTION chain_kind(snapshot jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN snapshot -> 'state' ? 'report_id' THEN 'report' ELSE 'complaint' END
$$;

ALTER TABLE complaints
    ADD COLUMN kind text GENERATED ALWAYS AS (chain_kind(snapshot)) STORED,
    -- bureaus that transferred a complaint away (移送) keep a read view of it
    ADD COLUMN former_bureaus jsonb
        GENERATED ALWAYS AS (COALESCE(snapshot #> '{public,former_bureaus}', '[]'::jsonb)) STORED,
    -- the enforcement unit a report was handed to
    ADD COLUMN enforcement text GENERATED ALWAYS AS (snapshot #>> '{public,enforcement}') STORED;

-- A platform must never find a report among the cases about it (it would learn it was reported,
-- and perhaps by whom): a report has no respondent column, whatever its document says.
DROP INDEX complaints_respondent;
ALTER TABLE complaints DROP COLUMN respondent_platform;
ALTER TABLE complaints ADD COLUMN respondent_platform text GENERATED ALWAYS AS (
    CASE WHEN chain_kind(snapshot) = 'complaint'
         THEN snapshot #>> '{public,respondent,platform}' END
) STORED;
CREATE INDEX complaints_respondent ON complaints (respondent_platform, updated_at);
CREATE INDEX complaints_former_bureaus ON complaints USING gin (former_bureaus)
    WHERE former_bureaus <> '[]'::jsonb;
CREATE INDEX complaints_reports ON complaints (region text_pattern_ops) WHERE kind = 'report';
