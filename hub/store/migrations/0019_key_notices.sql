-- Each hub process keeps the participants' keys in memory (hub/trust/keys.py) and drops them
-- whenever a key or a participant changes, by whatever path: the CLI, the API, or plain SQL.
-- The notice is sent at COMMIT, once per statement.
CREATE FUNCTION complaint_hub_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('complaint_hub_keys', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER participant_keys_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON participant_keys
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_hub_keys_changed();

CREATE TRIGGER participants_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON participants
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_hub_keys_changed();
