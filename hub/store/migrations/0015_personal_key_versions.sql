-- After a master-key rotation every hub re-seals the readable parts still under an older version
-- (hub/privacy/rewrap.py): this index finds them without reading those already done.
CREATE INDEX personal_parts_key_version ON personal_parts (key_version, complaint_id)
    WHERE erased_at IS NULL;
