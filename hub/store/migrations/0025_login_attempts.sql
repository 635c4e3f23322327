-- What every hub process must count together, whichever worker or replica a request reaches.

-- Failed operator logins (hub/ops/page/auth.py): one row per operator name and client address,
-- and one per name from every address (address '*'). A name no operator has is counted as a
-- known one, so the answers tell no one which names exist. A row whose last failure is older
-- than COMPLAINT_HUB_OPS_LOGIN_FORGET_S counts as none and is purged; a login clears its rows.
CREATE TABLE ops_login_failures (
    name           text        NOT NULL,
    address        text        NOT NULL,  -- the client's, or '*': the name's count from anywhere
    failures       integer     NOT NULL,
    last_failed_at timestamptz NOT NULL,
    PRIMARY KEY (name, address)
);
CREATE INDEX ops_login_failures_last_failed ON ops_login_failures (last_failed_at);

-- One token bucket per participant (hub/http/ratelimit.py): each process leases whole tokens
-- from it in blocks and spends them locally. Times are the hub clock's seconds since the epoch,
-- as the pure rule takes them; `granted` is what the latest lease took, which RETURNING cannot
-- otherwise tell (it sees only the row after). A row per participant, never purged: a bucket
-- left alone is simply full.
CREATE TABLE rate_buckets (
    participant text             PRIMARY KEY,
    tokens      double precision NOT NULL,
    updated_s   double precision NOT NULL,
    granted     integer          NOT NULL
);
