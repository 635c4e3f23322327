-- Reading a chain counts, per event, how many complaints its signed message touched: an index on
-- the evidence an event was accepted with makes that cost what the case has, not what the table
-- holds. Most events of the hub's own carry no evidence, so those rows stay out of it.
CREATE INDEX events_evidence ON events (evidence_id, complaint_id) WHERE evidence_id IS NOT NULL;
