-- What the operator page shows that no other table keeps.

-- Requests refused with a problem, per participant (NULL: not authenticated), kept a few days:
-- the problem type, status and detail only; details name schema members, never sent values.
CREATE TABLE ops_rejects (
    id           bigserial   PRIMARY KEY,
    participant  text,
    problem_type text        NOT NULL,
    status       integer     NOT NULL,
    detail       text        NOT NULL,
    method       text        NOT NULL,
    route        text        NOT NULL,  -- the route's pattern, never the path with its ids
    at           timestamptz NOT NULL
);
CREATE INDEX ops_rejects_participant ON ops_rejects (participant, at DESC);
CREATE INDEX ops_rejects_at ON ops_rejects (at);

-- When each participant was last authenticated and last had an event accepted over HTTP.
CREATE TABLE ops_participant_activity (
    participant   text        PRIMARY KEY,
    last_seen_at  timestamptz NOT NULL,
    last_event_at timestamptz
);

-- One row per hub process: its supervised tasks as it last reported them.
CREATE TABLE ops_processes (
    identity     text        PRIMARY KEY,  -- worker_identity(): host:pid:random
    started_at   timestamptz NOT NULL,
    last_beat_at timestamptz NOT NULL,
    tasks        jsonb       NOT NULL DEFAULT '[]'
);

-- An operator may pause a platform's pull sync; the poller then claims no lease.
ALTER TABLE sync_state ADD COLUMN paused boolean NOT NULL DEFAULT false;
