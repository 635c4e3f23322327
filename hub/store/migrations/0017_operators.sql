-- Operators of the hub (people, not participants): who may open /ops and act on it.
-- Passwords are kept as scrypt hashes with a per-operator salt; sessions live here, server-side,
-- so a logout or an idle expiry ends them for every hub process at once.
CREATE TABLE operators (
    name          text        PRIMARY KEY,
    password_hash text        NOT NULL,  -- scrypt$n$r$p$salt$hash (hub/operators/passwords.py)
    created_at    timestamptz NOT NULL
);

CREATE TABLE operator_sessions (
    token_sha256 bytea       PRIMARY KEY,  -- the cookie's token is never stored, only its hash
    operator     text        NOT NULL REFERENCES operators (name) ON DELETE CASCADE,
    csrf_token   text        NOT NULL,     -- every POST of the session must carry it
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL      -- idle expiry counts from here
);
CREATE INDEX operator_sessions_last_used ON operator_sessions (last_used_at);
