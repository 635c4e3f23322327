"""Webhook subscriptions: their owners' CRUD and the delivery worker's leases.

Every time the worker compares with is passed in (`now`), never read from the database clock, so
tests can drive a day of retries with an injected clock.
"""

from __future__ import annotations

import builtins
import dataclasses
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson

from hub.store.feed import FeedItem, feed_item_from_row
from hub.store.participants import Participant, participant_from_row

LEASE = timedelta(seconds=30)

_COLUMNS = (
    "id, owner, url, event_types, format, key_version, secret_sealed, delivered_position,"
    " last_sent_position, state, attempts, next_attempt_at, last_status, last_error, created_at,"
    " updated_at"
)


@dataclasses.dataclass(frozen=True)
class Subscription:
    id: str
    owner: str
    url: str
    event_types: tuple[str, ...] | None
    format: str
    key_version: int
    secret_sealed: bytes
    delivered_position: int
    last_sent_position: int
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


@dataclasses.dataclass(frozen=True)
class NewSubscription:
    id: str
    owner: str
    url: str
    event_types: tuple[str, ...] | None
    format: str
    key_version: int
    secret_sealed: bytes
    after: int | None  # start after this position; None: after the current head


@dataclasses.dataclass(frozen=True)
class Leased:
    """A subscription leased for delivery, with its owner as it is now."""

    subscription: Subscription
    owner: Participant


def _subscription(row: asyncpg.Record) -> Subscription:
    types = row["event_types"]
    return Subscription(
        row["id"],
        row["owner"],
        row["url"],
        tuple(types) if types is not None else None,
        row["format"],
        row["key_version"],
        bytes(row["secret_sealed"]),
        row["delivered_position"],
        row["last_sent_position"],
        row["state"],
        row["attempts"],
        row["next_attempt_at"],
        row["last_status"],
        row["last_error"],
        row["created_at"],
        row["updated_at"],
    )


class SubscriptionStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # the owner's side --------------------------------------------------------------------

    async def create(self, new: NewSubscription) -> Subscription:
        row = await self._pool.fetchrow(
            f"""
            INSERT INTO subscriptions (id, owner, url, event_types, format, key_version,
                                       secret_sealed, delivered_position, last_sent_position)
            SELECT $1, $2, $3, $4, $5, $6, $7, p, p
            FROM (SELECT coalesce($8::bigint, (SELECT last FROM feed_counter)) AS p) AS start
            RETURNING {_COLUMNS}
            """,
            new.id,
            new.owner,
            new.url,
            list(new.event_types) if new.event_types is not None else None,
            new.format,
            new.key_version,
            new.secret_sealed,
            new.after,
        )
        if row is None:  # an INSERT ... SELECT of one row, RETURNING it
            raise RuntimeError("subscriptions INSERT returned no row")
        return _subscription(row)

    async def get(self, subscription_id: str, owner: str) -> Subscription | None:
        row = await self._pool.fetchrow(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE id = $1 AND owner = $2",
            subscription_id,
            owner,
        )
        return _subscription(row) if row else None

    async def list(self, owner: str) -> list[Subscription]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE owner = $1 ORDER BY created_at, id", owner
        )
        return [_subscription(r) for r in rows]

    async def delete(self, subscription_id: str, owner: str) -> bool:
        status = await self._pool.execute(
            "DELETE FROM subscriptions WHERE id = $1 AND owner = $2", subscription_id, owner
        )
        return status.split()[-1] != "0"

    async def replay(self, subscription_id: str, owner: str) -> Subscription | None:
        """Active again at the same position, due at once, its backoff forgotten."""
        row = await self._pool.fetchrow(
            f"""
            UPDATE subscriptions SET state = 'active', attempts = 0, next_attempt_at = NULL,
                   lease_owner = NULL, lease_until = NULL, updated_at = now()
            WHERE id = $1 AND owner = $2 RETURNING {_COLUMNS}
            """,
            subscription_id,
            owner,
        )
        return _subscription(row) if row else None

    # the delivery worker's side ----------------------------------------------------------

    async def lease_due(self, worker: str, now: datetime, limit: int) -> builtins.list[Leased]:
        """Pause the subscriptions of disabled owners (and resume re-enabled ones), then lease
        up to `limit` due subscriptions that have something to deliver. Commits before returning:
        the caller talks to receivers with no transaction open."""
        # One statement, one round trip, committed on return. Both parts read the same
        # snapshot; the lease part takes only subscriptions of enabled owners that are active
        # or retrying, which the pause part never touches, so no row is changed twice. One
        # whose owner was just re-enabled is leased by the next pass.
        rows = await self._pool.fetch(
            f"""
            WITH pausing AS (
                UPDATE subscriptions s
                SET state = CASE WHEN p.enabled THEN 'active' ELSE 'paused' END,
                    updated_at = now()
                FROM participants p
                WHERE p.participant_id = s.owner
                  AND ((s.state IN ('active', 'retrying') AND NOT p.enabled)
                       OR (s.state = 'paused' AND p.enabled))
                RETURNING s.id
            )
            UPDATE subscriptions s SET lease_owner = $1, lease_until = $3
            FROM participants p
            WHERE p.participant_id = s.owner AND p.enabled AND s.id IN (
                SELECT id FROM subscriptions
                WHERE state IN ('active', 'retrying')
                  AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
                  AND (lease_until IS NULL OR lease_until < $2)
                  AND delivered_position < (SELECT max(position) FROM event_keys)
                  AND owner IN (SELECT participant_id FROM participants WHERE enabled)
                ORDER BY next_attempt_at NULLS FIRST
                LIMIT $4
                FOR UPDATE SKIP LOCKED)
            AND s.id NOT IN (SELECT id FROM pausing)
            RETURNING {", ".join("s." + c.strip() for c in _COLUMNS.split(","))},
                      p.participant_id, p.name, p.role, p.platform, p.regions, p.uscc,
                      p.enabled
            """,
            worker,
            now,
            now + LEASE,
            limit,
        )
        return [Leased(_subscription(r), participant_from_row(r)) for r in rows]

    async def advance(
        self,
        subscription_id: str,
        worker: str,
        now: datetime,
        *,
        delivered_position: int,
        last_sent_position: int,
    ) -> Participant | None:
        """Move the cursor and renew the lease in one statement; returns the owner as it is now
        (the worker judges rights with it from here on), or None when the lease was lost.

        Committed without waiting for the WAL flush: a cursor lost in a crash only means the
        same events are delivered again, which at-least-once allows (receivers deduplicate by
        webhook-id). `set_config(..., true)` applies to this statement's own transaction, so
        this stays one round trip instead of BEGIN, SET LOCAL, UPDATE, COMMIT."""
        row = await self._pool.fetchrow(
            """
            UPDATE subscriptions s SET delivered_position = $3, last_sent_position = $4,
                   state = 'active', attempts = 0, next_attempt_at = NULL, last_status = NULL,
                   last_error = NULL, lease_until = $5, updated_at = now()
            FROM participants p
            WHERE s.id = $1 AND s.lease_owner = $2 AND s.lease_until >= $6
              AND s.state IN ('active', 'retrying') AND s.delivered_position <= $3
              AND p.participant_id = s.owner
              AND set_config('synchronous_commit', 'off', true) = 'off'
            RETURNING p.participant_id, p.name, p.role, p.platform, p.regions, p.uscc, p.enabled
            """,
            subscription_id,
            worker,
            delivered_position,
            last_sent_position,
            now + LEASE,
            now,
        )
        return participant_from_row(row) if row is not None else None

    async def page(
        self, after: int, limit: int
    ) -> tuple[builtins.list[tuple[FeedItem, dict[str, Any] | None]], bool]:
        """Up to `limit` feed items after `after`, each with its case's current state (None: no
        snapshot), in one query; and whether more follow. Rights are judged on these states, at
        delivery time, as `read_feed` plus `case_states` would give them."""
        rows = await self._pool.fetch(
            "SELECT e.position, e.event_id, e.complaint_id, e.version, e.type, e.actor,"
            " e.accepted_at, e.body, e.receipt, (c.snapshot->'state')::text AS state"
            " FROM events e LEFT JOIN complaints c ON c.complaint_id = e.complaint_id"
            " WHERE e.position > $1 ORDER BY e.position LIMIT $2",
            after,
            limit + 1,
        )
        items = [
            (
                feed_item_from_row(r),
                orjson.loads(r["state"]) if r["state"] else None,
            )
            for r in rows[:limit]
        ]
        return items, len(rows) > limit

    async def fail(
        self,
        subscription_id: str,
        worker: str,
        *,
        delivered_position: int,
        last_sent_position: int,
        failures: int,
        next_attempt_at: datetime | None,
        status: int | None,
        error: str,
    ) -> str | None:
        """Record a failed attempt and release the lease. The cursor moves only over events
        skipped before the failing one. `next_attempt_at` None means retries have run out:
        disabled where it stands. The cursor is advanced in batches, so the events delivered since
        the last advance are recorded here too. Returns the new state (None: the lease was lost)."""
        row = await self._pool.fetchrow(
            """
            UPDATE subscriptions
            SET attempts = $4, delivered_position = greatest(delivered_position, $3),
                last_sent_position = greatest(last_sent_position, $8),
                state = CASE WHEN $5::timestamptz IS NULL THEN 'disabled' ELSE 'retrying' END,
                next_attempt_at = $5, last_status = $6, last_error = $7,
                lease_owner = NULL, lease_until = NULL, updated_at = now()
            WHERE id = $1 AND lease_owner = $2 AND state IN ('active', 'retrying')
            RETURNING state
            """,
            subscription_id,
            worker,
            delivered_position,
            failures,
            next_attempt_at,
            status,
            error,
            last_sent_position,
        )
        return row["state"] if row else None

    async def release(self, subscription_id: str, worker: str) -> None:
        await self._pool.execute(
            "UPDATE subscriptions SET lease_owner = NULL, lease_until = NULL"
            " WHERE id = $1 AND lease_owner = $2",
            subscription_id,
            worker,
        )

    async def reenable(self, subscription_id: str) -> bool:
        """A disabled subscription active again at its cursor, due at once."""
        status = await self._pool.execute(
            "UPDATE subscriptions SET state = 'active', attempts = 0, next_attempt_at = NULL,"
            " lease_owner = NULL, lease_until = NULL, updated_at = now()"
            " WHERE id = $1 AND state = 'disabled'",
            subscription_id,
        )
        return status.split()[-1] != "0"

    async def replay_after(self, subscription_id: str, after: int) -> bool:
        """An operator's replay: deliver again everything after `after` (at most the head), active
        and due at once, whoever owns the subscription."""
        status = await self._pool.execute(
            """
            UPDATE subscriptions SET delivered_position = $2, last_sent_position = $2,
                   state = CASE WHEN state = 'paused' THEN 'paused' ELSE 'active' END,
                   attempts = 0, next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL,
                   updated_at = now()
            WHERE id = $1 AND $2 <= (SELECT last FROM feed_counter)
            """,
            subscription_id,
            after,
        )
        return status.split()[-1] != "0"

    async def exists(self, subscription_id: str) -> bool:
        return bool(
            await self._pool.fetchval(
                "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE id = $1)", subscription_id
            )
        )
