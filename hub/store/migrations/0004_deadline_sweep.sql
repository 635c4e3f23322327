-- What the deadline sweeper looks for, derived from the snapshot so that a sweep reads an index
-- instead of every open case: the earliest due date of a deadline that may be breached (neither
-- provisional nor already breached), and whether any deadline is provisional (to recompute once
-- the operator's holiday table for its year arrives). Dates are ISO text, which sorts as dates.
CREATE FUNCTION complaint_breachable_due_on(snapshot jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT min(d ->> 'due_on')
    FROM jsonb_array_elements(COALESCE(snapshot #> '{public,deadlines}', '[]'::jsonb)) AS d
    WHERE d -> 'provisional' = 'false'::jsonb AND d -> 'breached' = 'false'::jsonb
$$;

ALTER TABLE complaints
    ADD COLUMN breachable_due_on text
        GENERATED ALWAYS AS (complaint_breachable_due_on(snapshot)) STORED,
    ADD COLUMN provisional_deadlines boolean
        GENERATED ALWAYS AS (
            COALESCE(snapshot #> '{public,deadlines}' @> '[{"provisional": true}]', false)
        ) STORED;
CREATE INDEX complaints_breachable ON complaints (breachable_due_on, complaint_id)
    WHERE breachable_due_on IS NOT NULL;
CREATE INDEX complaints_provisional ON complaints (complaint_id) WHERE provisional_deadlines;
