-- Webhook subscriptions and their delivery state. Delivery is driven from this table alone: a
-- worker in any hub process leases due rows (FOR UPDATE SKIP LOCKED), commits the lease, and only
-- then talks to the receiver, so no transaction is held open across network I/O.
CREATE TABLE subscriptions (
    id                 text        PRIMARY KEY,
    owner              text        NOT NULL REFERENCES participants (participant_id),
    url                text        NOT NULL,
    event_types        text[],     -- NULL: every type the owner may read
    format             text        NOT NULL CHECK (format IN ('standard', 'cloudevents')),
    key_version        integer     NOT NULL,  -- the master key version the secret is sealed under
    secret_sealed      bytea       NOT NULL,  -- nonce || AES-GCM(derived key, secret)
    -- The cursor: everything at or below it was delivered or filtered out for this owner.
    delivered_position bigint      NOT NULL CHECK (delivered_position >= 0),
    -- The last event actually sent: the next payload's previous_position, so a receiver sees gaps.
    last_sent_position bigint      NOT NULL CHECK (last_sent_position >= 0),
    state              text        NOT NULL DEFAULT 'active'
                                   CHECK (state IN ('active', 'retrying', 'disabled', 'paused')),
    attempts           integer     NOT NULL DEFAULT 0,  -- consecutive failures at the cursor
    next_attempt_at    timestamptz,  -- NULL: due now
    lease_owner        text,
    lease_until        timestamptz,
    last_status        integer,    -- HTTP status of the last failed attempt (never its body)
    last_error         text,       -- short reason of the last failed attempt
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_owner ON subscriptions (owner, created_at);
CREATE INDEX subscriptions_due ON subscriptions (next_attempt_at)
    WHERE state IN ('active', 'retrying');
