-- A platform's native message names its buyer (Taobao's buyer_nick, JD's questionDesc, receivers'
-- names and phones), so its evidence is sealed (DESIGN.md, Privacy): the `evidence` row keeps only
-- what holds no personal data (sender, key id, signature parameters, the covered values other than
-- the body's digest, when) and is marked sealed; the body, the signature and the body's digest are
-- kept here, AES-GCM under a data key of their own wrapped by the master key. Unlike `evidence`
-- this table is mutable: retention erases a complaint's seals with its personal part by setting
-- the key and the ciphertext to NULL.
ALTER TABLE evidence ADD COLUMN sealed boolean NOT NULL DEFAULT false;

CREATE TABLE native_evidence_seals (
    evidence_id      bigint      PRIMARY KEY REFERENCES evidence,
    complaint_id     text        NOT NULL,  -- whose retention period erases it
    key_version      integer     NOT NULL,  -- the master key version that wrapped the data key
    wrapped_data_key bytea,
    nonce            bytea,
    ciphertext       bytea,      -- AES-GCM of salt || the signed message as received
    sealed_at        timestamptz NOT NULL,
    erased_at        timestamptz,
    CHECK (
        (erased_at IS NULL AND wrapped_data_key IS NOT NULL AND nonce IS NOT NULL
         AND ciphertext IS NOT NULL)
        OR (erased_at IS NOT NULL AND wrapped_data_key IS NULL AND nonce IS NULL
            AND ciphertext IS NULL)
    )
);
-- Retention looks the readable seals up by complaint; erased ones drop out of this index.
CREATE INDEX native_evidence_seals_readable ON native_evidence_seals (complaint_id)
    WHERE erased_at IS NULL;
-- Every sealed copy of one signed message (a pulled page reaching several complaints) is erased
-- with the first of its complaints: the copies are found by sender and signature parameters.
CREATE INDEX evidence_sealed_message ON evidence (sender, signature_input) WHERE sealed;
