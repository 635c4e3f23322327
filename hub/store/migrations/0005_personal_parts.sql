-- The consumer's personal part, encrypted under a per-complaint data key wrapped by a versioned
-- master key (DESIGN.md, Privacy). Unlike events and evidence this table is mutable: erasure
-- sets the key material and every ciphertext to NULL and records when; the commitment stays, as
-- it is in the filing event anyway and reveals nothing without the salt.
CREATE TABLE personal_parts (
    complaint_id        text        PRIMARY KEY,
    filer               text        NOT NULL,  -- the participant that wrote it
    revision            integer     NOT NULL DEFAULT 1,  -- optimistic lock for concurrent writes
    key_version         integer     NOT NULL,  -- the master key version that wrapped data_key
    wrapped_data_key    bytea,
    nonce               bytea,
    ciphertext          bytea,      -- AES-GCM of salt || JCS(personal part)
    evidence_nonce      bytea,
    evidence_ciphertext bytea,      -- AES-GCM of the signed PUT request, same data key
    commitment          text        NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    erased_at           timestamptz,
    -- Either everything needed to read it is there, or it is erased and nothing of it is.
    CHECK (
        (erased_at IS NULL AND wrapped_data_key IS NOT NULL AND nonce IS NOT NULL
         AND ciphertext IS NOT NULL AND evidence_nonce IS NOT NULL
         AND evidence_ciphertext IS NOT NULL)
        OR (erased_at IS NOT NULL AND wrapped_data_key IS NULL AND nonce IS NULL
            AND ciphertext IS NULL AND evidence_nonce IS NULL AND evidence_ciphertext IS NULL)
    )
);
