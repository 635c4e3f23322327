-- Participants, their keys, the hub's own public keys, request nonces and request evidence.

CREATE TABLE participants (
    participant_id text        PRIMARY KEY CHECK (participant_id ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    name           text        NOT NULL,
    role           text        NOT NULL
        CHECK (role IN ('bureau', 'platform', 'association', 'court', 'operator')),
    platform       text        UNIQUE,
    regions        text[]      NOT NULL DEFAULT '{}',
    uscc           text,
    enabled        boolean     NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    disabled_at    timestamptz,
    CHECK ((role = 'platform') = (platform IS NOT NULL))
);

CREATE TABLE participant_keys (
    kid            text        PRIMARY KEY,
    participant_id text        NOT NULL REFERENCES participants,
    public_key     bytea       NOT NULL CHECK (length(public_key) = 32),  -- raw Ed25519
    not_before     timestamptz NOT NULL DEFAULT now(),
    not_after      timestamptz,
    revoked_at     timestamptz,
    revoked_reason text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX participant_keys_participant ON participant_keys (participant_id);

-- The hub's public keys, old ones included, served as the JWKS. The private keys are never here.
CREATE TABLE hub_keys (
    kid        text        PRIMARY KEY,
    public_key bytea       NOT NULL CHECK (length(public_key) = 32),
    not_before timestamptz NOT NULL,
    retired_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Replay protection: a (keyid, nonce) is refused while remembered (600 s, past the 300 s skew).
CREATE TABLE request_nonces (
    kid        text        NOT NULL,
    nonce      text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (kid, nonce)
);
CREATE INDEX request_nonces_expiry ON request_nonces (expires_at);

-- What a sender signed, kept so anyone with its public key can re-verify it years later.
CREATE TABLE evidence (
    evidence_id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256          bytea       NOT NULL,
    sender          text        NOT NULL,
    kid             text        NOT NULL,
    body            bytea       NOT NULL,
    signature_input text        NOT NULL,
    signature       text        NOT NULL,
    covered         jsonb       NOT NULL,  -- component name -> the value that was signed
    received_at     timestamptz NOT NULL
);
CREATE TRIGGER evidence_no_update_or_delete BEFORE UPDATE OR DELETE ON evidence
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
ALTER TABLE events ADD CONSTRAINT events_evidence_fk FOREIGN KEY (evidence_id) REFERENCES evidence;
