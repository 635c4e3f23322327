"""What the operator page reads, and the few things it writes: rejects, activity, heartbeats,
and the operators' actions on webhook subscriptions and pull sync.

The subscription and sync_state statements here are operator actions on tables owned by
store/subscriptions.py and store/sync_state.py; they are kept here so those stores stay the
delivery worker's and the poller's alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from hub.domain.lifecycle import TERMINAL


@dataclasses.dataclass(frozen=True)
class Reject:
    participant: str | None
    problem_type: str
    status: int
    detail: str
    method: str
    route: str
    at: datetime
    # the key id the request was signed with, when no participant was authenticated: the store
    # charges the refusal to that key's owner if the hub knows the key (revoked, expired)
    kid: str | None = None


@dataclasses.dataclass(frozen=True)
class Activity:
    participant: str
    last_seen_at: datetime | None
    last_event_at: datetime | None


@dataclasses.dataclass(frozen=True)
class Endpoint:
    id: str
    owner: str
    url: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    delivered_position: int
    next_attempt_at: datetime | None
    updated_at: datetime


@dataclasses.dataclass(frozen=True)
class SyncHealth:
    platform: str
    paused: bool
    lag_s: int | None
    backlog: bool
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int


@dataclasses.dataclass(frozen=True)
class DeadlineCount:
    """Open cases' deadlines of one name, against one platform and one handling bureau."""

    platform: str | None
    bureau: str | None
    name: str
    breached: bool
    count: int


@dataclasses.dataclass(frozen=True)
class ProcessBeat:
    identity: str
    started_at: datetime
    last_beat_at: datetime
    tasks: list[dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class ParticipantRow:
    participant_id: str
    name: str
    role: str
    platform: str | None
    enabled: bool


class OpsStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # written by the hub -----------------------------------------------------------------

    async def add_rejects(self, rejects: Sequence[Reject]) -> None:
        if not rejects:
            return
        await self._pool.execute(
            "INSERT INTO ops_rejects (participant, problem_type, status, detail, method, route, at)"
            " SELECT coalesce(r.participant, k.participant_id), r.problem_type, r.status,"
            " r.detail, r.method, r.route, r.at"
            " FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[],"
            " $6::text[], $7::timestamptz[], $8::text[]) WITH ORDINALITY"
            " AS r (participant, problem_type, status, detail, method, route, at, kid, n)"
            " LEFT JOIN participant_keys k ON k.kid = r.kid"
            " ORDER BY r.n",  # ids in the order noted: the purge keeps the newest by id
            [r.participant for r in rejects],
            [r.problem_type for r in rejects],
            [r.status for r in rejects],
            [r.detail for r in rejects],
            [r.method for r in rejects],
            [r.route for r in rejects],
            [r.at for r in rejects],
            [r.kid for r in rejects],
        )

    async def purge_rejects(self, before: datetime, keep_at_most: int) -> int:
        """Forget rejects older than `before`, and all but the newest `keep_at_most`: a flood of
        bad requests must not grow the table without bound (ids rise with time)."""
        status = await self._pool.execute(
            "DELETE FROM ops_rejects WHERE at < $1 OR id <= (SELECT max(id) FROM ops_rejects) - $2",
            before,
            keep_at_most,
        )
        return int(status.split()[-1])

    async def note_activity(self, activity: Sequence[Activity]) -> None:
        if not activity:
            return
        await self._pool.execute(
            """
            INSERT INTO ops_participant_activity AS a (participant, last_seen_at, last_event_at)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[])
            ON CONFLICT (participant) DO UPDATE
            SET last_seen_at = greatest(a.last_seen_at, EXCLUDED.last_seen_at),
                last_event_at = greatest(a.last_event_at, EXCLUDED.last_event_at)
            """,
            [a.participant for a in activity],
            [a.last_seen_at for a in activity],
            [a.last_event_at for a in activity],
        )

    async def beat(self, identity: str, started_at: datetime, at: datetime, tasks: Any) -> None:
        await self._pool.execute(
            "INSERT INTO ops_processes (identity, started_at, last_beat_at, tasks)"
            " VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (identity) DO UPDATE"
            " SET last_beat_at = EXCLUDED.last_beat_at, tasks = EXCLUDED.tasks",
            identity,
            started_at,
            at,
            orjson.dumps(tasks).decode(),
        )

    async def forget_processes(self, silent_since: datetime) -> None:
        await self._pool.execute("DELETE FROM ops_processes WHERE last_beat_at < $1", silent_since)

    async def forget_process(self, identity: str) -> None:
        await self._pool.execute("DELETE FROM ops_processes WHERE identity = $1", identity)

    # read by the page -------------------------------------------------------------------

    async def participants(self) -> list[ParticipantRow]:
        rows = await self._pool.fetch(
            "SELECT participant_id, name, role, platform, enabled FROM participants"
            " ORDER BY role DESC, participant_id"
        )
        return [
            ParticipantRow(r["participant_id"], r["name"], r["role"], r["platform"], r["enabled"])
            for r in rows
        ]

    async def activity(self) -> dict[str, Activity]:
        rows = await self._pool.fetch(
            "SELECT participant, last_seen_at, last_event_at FROM ops_participant_activity"
        )
        return {
            r["participant"]: Activity(r["participant"], r["last_seen_at"], r["last_event_at"])
            for r in rows
        }

    async def reject_counts(self, since: datetime) -> dict[str | None, dict[str, int]]:
        """Rejects since `since`, per participant (None: unauthenticated) and problem type."""
        rows = await self._pool.fetch(
            "SELECT participant, problem_type, count(*) AS n FROM ops_rejects WHERE at >= $1"
            " GROUP BY participant, problem_type",
            since,
        )
        counts: dict[str | None, dict[str, int]] = {}
        for r in rows:
            counts.setdefault(r["participant"], {})[r["problem_type"]] = r["n"]
        return counts

    async def recent_rejects(self, participant: str, limit: int) -> list[Reject]:
        rows = await self._pool.fetch(
            "SELECT participant, problem_type, status, detail, method, route, at FROM ops_rejects"
            " WHERE participant = $1 ORDER BY at DESC, id DESC LIMIT $2",
            participant,
            limit,
        )
        return [
            Reject(
                r["participant"],
                r["problem_type"],
                r["status"],
                r["detail"],
                r["method"],
                r["route"],
                r["at"],
            )
            for r in rows
        ]

    async def endpoints(self) -> list[Endpoint]:
        rows = await self._pool.fetch(
            "SELECT id, owner, url, state, attempts, last_status, last_error, delivered_position,"
            " next_attempt_at, updated_at FROM subscriptions ORDER BY owner, created_at, id"
        )
        return [Endpoint(**dict(r)) for r in rows]

    async def head_position(self) -> int:
        return int(await self._pool.fetchval("SELECT last FROM feed_counter"))

    async def sync_health(self) -> dict[str, SyncHealth]:
        rows = await self._pool.fetch(
            "SELECT platform, paused, lag_s, backlog, last_success_at, last_error, last_error_at,"
            " consecutive_failures FROM sync_state"
        )
        return {r["platform"]: SyncHealth(**dict(r)) for r in rows}

    async def deadline_counts(self) -> list[DeadlineCount]:
        """Deadlines of open cases, by platform, handling bureau, name and whether breached."""
        rows = await self._pool.fetch(
            """
            SELECT c.respondent_platform AS platform, c.handling_bureau AS bureau,
                   d ->> 'name' AS name, (d -> 'breached') = 'true'::jsonb AS breached,
                   count(*) AS n
            FROM complaints c,
                 jsonb_array_elements(coalesce(c.snapshot #> '{public,deadlines}', '[]'::jsonb)) d
            WHERE NOT (c.status = ANY($1::text[]))
            GROUP BY 1, 2, 3, 4
            """,
            sorted(str(s) for s in TERMINAL),
        )
        return [
            DeadlineCount(r["platform"], r["bureau"], r["name"], r["breached"], r["n"])
            for r in rows
        ]

    async def open_cases_by_platform(self) -> dict[str, int]:
        rows = await self._pool.fetch(
            "SELECT respondent_platform, count(*) AS n FROM complaints"
            " WHERE NOT (status = ANY($1::text[])) AND respondent_platform IS NOT NULL"
            " GROUP BY 1",
            sorted(str(s) for s in TERMINAL),
        )
        return {r["respondent_platform"]: r["n"] for r in rows}

    async def processes(self) -> list[ProcessBeat]:
        rows = await self._pool.fetch(
            "SELECT identity, started_at, last_beat_at, tasks::text AS tasks FROM ops_processes"
            " ORDER BY identity"
        )
        return [
            ProcessBeat(r["identity"], r["started_at"], r["last_beat_at"], orjson.loads(r["tasks"]))
            for r in rows
        ]
