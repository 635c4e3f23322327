-- Columns derived from the snapshot, for filtering lists by the reader's rights and by fields.
ALTER TABLE complaints
    ADD COLUMN respondent_platform text GENERATED ALWAYS AS (snapshot #>> '{public,respondent,platform}') STORED,
    ADD COLUMN region text GENERATED ALWAYS AS (snapshot #>> '{public,region}') STORED,
    ADD COLUMN category_level1 text GENERATED ALWAYS AS (snapshot #>> '{public,category,level1}') STORED,
    ADD COLUMN filer text GENERATED ALWAYS AS (snapshot #>> '{public,filer}') STORED,
    ADD COLUMN handling_bureau text GENERATED ALWAYS AS (snapshot #>> '{public,handling_bureau}') STORED,
    ADD COLUMN mediator text GENERATED ALWAYS AS (snapshot #>> '{public,mediator}') STORED,
    ADD COLUMN court text GENERATED ALWAYS AS (snapshot #>> '{public,court}') STORED;
CREATE INDEX complaints_respondent ON complaints (respondent_platform, updated_at);
CREATE INDEX complaints_region ON complaints (region text_pattern_ops);
CREATE INDEX complaints_status ON complaints (status);
CREATE INDEX events_complaint ON events (complaint_id, version);
