"""How far a streaming replica is behind its primary, in WAL bytes and seconds."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg

from hub.store.pool import error_name

_REPORT_TIMEOUT_S = 2


@dataclasses.dataclass(frozen=True)
class ReplicaStatus:
    in_recovery: bool  # False: the read URL names a primary (or a promoted replica)
    replay_paused: bool
    lag_bytes: int
    lag_s: float
    position: int  # the highest feed position the replica shows

    def as_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)


async def replica_status(primary: asyncpg.Pool, replica: asyncpg.Pool) -> ReplicaStatus:
    """Read the replica's replay point and compare it with the primary's WAL end.

    Seconds are measured from the last transaction replayed, and only while bytes are missing:
    an idle primary writes no transactions, and its replica is then current, not ever later.
    """
    primary_lsn = await primary.fetchval("SELECT pg_current_wal_lsn()")
    row = await replica.fetchrow(
        "SELECT pg_is_in_recovery() AS in_recovery,"
        " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused,"
        " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() END AS replayed,"
        " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS behind_s,"
        " (SELECT coalesce(max(position), 0) FROM event_keys) AS position"
    )
    if row is None or not row["in_recovery"] or row["replayed"] is None:
        return ReplicaStatus(False, False, 0, 0.0, int(row["position"]) if row else 0)
    lag_bytes = max(0, int(primary_lsn) - int(row["replayed"]))
    lag_s = max(0.0, float(row["behind_s"] or 0.0)) if lag_bytes else 0.0
    return ReplicaStatus(True, bool(row["paused"]), lag_bytes, lag_s, int(row["position"]))


async def replica_report(primary: asyncpg.Pool, replica: asyncpg.Pool) -> dict[str, object]:
    """What readiness shows of the replica. A replica that lags or is down never fails
    readiness: the hub still accepts events, its first duty; the read paths answer 503 while
    the replica cannot be reached (docs/scaling.md)."""
    try:
        async with asyncio.timeout(_REPORT_TIMEOUT_S):
            status = await replica_status(primary, replica)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
        return {"reachable": False, "error": error_name(err)}
    return {"reachable": True, **status.as_json()}
