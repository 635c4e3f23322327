"""Participants and their signing keys."""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from hub.domain.named import Registered
from hub.domain.roles import Role
from hub.problems import Conflict, NotFound
from hub.store.pool import Conn

# Revocations and disablings are announced here, so every hub process closes the open streams.
TRUST_CHANNEL = "complaint_hub_trust"


@dataclasses.dataclass(frozen=True)
class Participant:
    participant_id: str
    name: str
    role: str
    platform: str | None
    regions: tuple[str, ...]
    uscc: str | None
    enabled: bool


@dataclasses.dataclass(frozen=True)
class ParticipantKey:
    kid: str
    participant_id: str
    public_key: bytes  # raw Ed25519, 32 bytes
    not_before: datetime
    not_after: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None


@dataclasses.dataclass(frozen=True)
class KeyWithOwner:
    key: ParticipantKey
    owner: Participant


_PARTICIPANT_COLUMNS = "participant_id, name, role, platform, regions, uscc, enabled"
_KEY_COLUMNS = "kid, participant_id, public_key, not_before, not_after, revoked_at, revoked_reason"


def participant_from_row(row: asyncpg.Record) -> Participant:
    return Participant(
        row["participant_id"],
        row["name"],
        row["role"],
        row["platform"],
        tuple(row["regions"]),
        row["uscc"],
        row["enabled"],
    )


def _key(row: asyncpg.Record) -> ParticipantKey:
    return ParticipantKey(
        row["kid"],
        row["participant_id"],
        bytes(row["public_key"]),
        row["not_before"],
        row["not_after"],
        row["revoked_at"],
        row["revoked_reason"],
    )


class ParticipantStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def add(self, participant: Participant) -> Participant:
        try:
            row = await self._pool.fetchrow(
                f"INSERT INTO participants ({_PARTICIPANT_COLUMNS})"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                f" RETURNING {_PARTICIPANT_COLUMNS}",
                participant.participant_id,
                participant.name,
                participant.role,
                participant.platform,
                list(participant.regions),
                participant.uscc,
                participant.enabled,
            )
        except asyncpg.UniqueViolationError as err:
            raise Conflict(
                f"participant {participant.participant_id} or platform {participant.platform}"
                " is already registered"
            ) from err
        except asyncpg.CheckViolationError as err:
            raise Conflict(
                f"participant refused by a database rule: {err.constraint_name}"
            ) from err
        if row is None:  # an INSERT ... RETURNING returns its row
            raise RuntimeError("participants INSERT returned no row")
        return participant_from_row(row)

    async def get(self, participant_id: str) -> Participant | None:
        row = await self._pool.fetchrow(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE participant_id = $1",
            participant_id,
        )
        return participant_from_row(row) if row else None

    async def list(self) -> list[Participant]:
        rows = await self._pool.fetch(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants ORDER BY participant_id"
        )
        return [participant_from_row(r) for r in rows]

    async def by_platform(self, platform: str) -> Participant | None:
        row = await self._pool.fetchrow(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE platform = $1", platform
        )
        return participant_from_row(row) if row else None

    async def disable(self, participant_id: str) -> Participant:
        # The notice reaches every hub process at COMMIT, which closes the open feed streams.
        row = await self._pool.fetchrow(
            "WITH disabled AS (UPDATE participants SET enabled = false,"
            " disabled_at = coalesce(disabled_at, now())"
            f" WHERE participant_id = $1 RETURNING {_PARTICIPANT_COLUMNS})"
            " SELECT disabled.*, pg_notify($2, 'participant:' || participant_id) FROM disabled",
            participant_id,
            TRUST_CHANNEL,
        )
        if row is None:
            raise NotFound(f"no participant {participant_id}")
        return participant_from_row(row)

    async def enable(self, participant_id: str) -> Participant:
        row = await self._pool.fetchrow(
            "UPDATE participants SET enabled = true, disabled_at = NULL"
            f" WHERE participant_id = $1 RETURNING {_PARTICIPANT_COLUMNS}",
            participant_id,
        )
        if row is None:
            raise NotFound(f"no participant {participant_id}")
        return participant_from_row(row)

    async def remove(self, participant_id: str) -> Participant:
        """Delete a participant that never said anything, with its keys.

        What a participant signed stays attributable for ever, so one with events or evidence
        is only ever disabled."""
        async with self._pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE participant_id = $1"
                " FOR UPDATE",
                participant_id,
            )
            if row is None:
                raise NotFound(f"no participant {participant_id}")
            spoke = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM events WHERE actor = $1)"
                " OR EXISTS (SELECT 1 FROM evidence WHERE sender = $1)",
                participant_id,
            )
            if spoke:
                raise Conflict(
                    f"participant {participant_id} has events at the hub and cannot be removed;"
                    f" disable it instead (complaint-hub participants disable {participant_id})"
                )
            try:
                await conn.execute(
                    "DELETE FROM participant_keys WHERE participant_id = $1", participant_id
                )
                await conn.execute(
                    "DELETE FROM participants WHERE participant_id = $1", participant_id
                )
            except asyncpg.ForeignKeyViolationError as err:
                raise Conflict(
                    f"participant {participant_id} is still referenced ({err.table_name});"
                    f" disable it instead (complaint-hub participants disable {participant_id})"
                ) from err
        return participant_from_row(row)

    async def add_key(
        self,
        participant_id: str,
        kid: str,
        public_key: bytes,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> ParticipantKey:
        try:
            row = await self._pool.fetchrow(
                "INSERT INTO participant_keys (kid, participant_id, public_key, not_before,"
                " not_after) VALUES ($1, $2, $3, coalesce($4, now()), $5)"
                f" RETURNING {_KEY_COLUMNS}",
                kid,
                participant_id,
                public_key,
                not_before,
                not_after,
            )
        except asyncpg.UniqueViolationError as err:
            raise Conflict(f"key id {kid} is already registered; key ids are unique") from err
        except asyncpg.ForeignKeyViolationError as err:
            raise NotFound(f"no participant {participant_id}") from err
        if row is None:  # an INSERT ... RETURNING returns its row
            raise RuntimeError("participant_keys INSERT returned no row")
        return _key(row)

    async def revoke_key(self, kid: str, reason: str) -> ParticipantKey:
        row = await self._pool.fetchrow(
            "WITH revoked AS (UPDATE participant_keys SET revoked_at = coalesce(revoked_at, now()),"
            " revoked_reason = coalesce(revoked_reason, $2)"
            f" WHERE kid = $1 RETURNING {_KEY_COLUMNS})"
            " SELECT revoked.*, pg_notify($3, 'kid:' || kid) FROM revoked",
            kid,
            reason,
            TRUST_CHANNEL,
        )
        if row is None:
            raise NotFound(f"no key {kid}")
        return _key(row)

    async def list_keys(self, participant_id: str | None = None) -> builtins.list[ParticipantKey]:
        rows = await self._pool.fetch(
            f"SELECT {_KEY_COLUMNS} FROM participant_keys"
            " WHERE $1::text IS NULL OR participant_id = $1 ORDER BY participant_id, kid",
            participant_id,
        )
        return [_key(r) for r in rows]

    async def key_with_owner(self, kid: str) -> KeyWithOwner | None:
        """The key and its participant, read fresh: a revocation applies to the next request."""
        row = await self._pool.fetchrow(
            "SELECT k.kid, k.participant_id, k.public_key, k.not_before, k.not_after,"
            " k.revoked_at, k.revoked_reason, p.name, p.role, p.platform, p.regions, p.uscc,"
            " p.enabled FROM participant_keys k JOIN participants p USING (participant_id)"
            " WHERE k.kid = $1",
            kid,
        )
        if row is None:
            return None
        return KeyWithOwner(_key(row), participant_from_row(row))


class NonceStore:
    """Remembers (keyid, nonce) pairs so a captured request cannot be replayed."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim(self, kid: str, nonce: str, ttl_s: int) -> bool:
        """True the first time a pair is seen within its lifetime; False for a replay."""
        row = await self._pool.fetchrow(
            "INSERT INTO request_nonces (kid, nonce, expires_at)"
            " VALUES ($1, $2, now() + make_interval(secs => $3))"
            " ON CONFLICT (kid, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at"
            " WHERE request_nonces.expires_at < now()"
            " RETURNING 1",
            kid,
            nonce,
            float(ttl_s),
        )
        return row is not None

    async def purge_expired(self) -> int:
        status = await self._pool.execute("DELETE FROM request_nonces WHERE expires_at < now()")
        return int(status.split()[-1])


async def registered_txn(conn: Conn, participant_ids: Sequence[str]) -> dict[str, Registered]:
    """What the registry holds of each id an event names, read in the caller's transaction, so
    the decision sees the registry as it is when the event commits (hub.domain.named)."""
    if not participant_ids:
        return {}
    rows = await conn.fetch(
        "SELECT participant_id, role, regions, enabled FROM participants"
        " WHERE participant_id = ANY($1::text[])",
        list(participant_ids),
    )
    return {
        r["participant_id"]: Registered(
            r["participant_id"], Role(r["role"]), tuple(r["regions"] or ()), r["enabled"]
        )
        for r in rows
    }
