"""Operators and their server-side sessions."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import asyncpg

from hub.problems import Conflict


@dataclasses.dataclass(frozen=True)
class Operator:
    name: str
    password_hash: str
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class OperatorSession:
    operator: str
    csrf_token: str
    created_at: datetime
    last_used_at: datetime


class OperatorStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def add(self, name: str, password_hash: str, at: datetime) -> None:
        try:
            await self._pool.execute(
                "INSERT INTO operators (name, password_hash, created_at) VALUES ($1, $2, $3)",
                name,
                password_hash,
                at,
            )
        except asyncpg.UniqueViolationError as err:
            raise Conflict(f"an operator named {name} already exists") from err

    async def get(self, name: str) -> Operator | None:
        row = await self._pool.fetchrow(
            "SELECT name, password_hash, created_at FROM operators WHERE name = $1", name
        )
        return Operator(row["name"], row["password_hash"], row["created_at"]) if row else None

    async def all(self) -> list[Operator]:
        rows = await self._pool.fetch(
            "SELECT name, password_hash, created_at FROM operators ORDER BY name"
        )
        return [Operator(r["name"], r["password_hash"], r["created_at"]) for r in rows]

    async def remove(self, name: str) -> bool:
        """Remove the operator; their sessions go with them (ON DELETE CASCADE)."""
        status = await self._pool.execute("DELETE FROM operators WHERE name = $1", name)
        return status.split()[-1] != "0"

    # sessions ------------------------------------------------------------------------------

    async def open_session(
        self, token_sha256: bytes, operator: str, csrf_token: str, at: datetime
    ) -> None:
        await self._pool.execute(
            "INSERT INTO operator_sessions (token_sha256, operator, csrf_token, created_at,"
            " last_used_at) VALUES ($1, $2, $3, $4, $4)",
            token_sha256,
            operator,
            csrf_token,
            at,
        )

    async def use_session(
        self, token_sha256: bytes, at: datetime, idle_since: datetime
    ) -> OperatorSession | None:
        """The session, its idle clock restarted, if it was used after `idle_since`."""
        row = await self._pool.fetchrow(
            "UPDATE operator_sessions SET last_used_at = $2"
            " WHERE token_sha256 = $1 AND last_used_at > $3"
            " RETURNING operator, csrf_token, created_at, last_used_at",
            token_sha256,
            at,
            idle_since,
        )
        if row is None:
            return None
        return OperatorSession(
            row["operator"], row["csrf_token"], row["created_at"], row["last_used_at"]
        )

    async def close_session(self, token_sha256: bytes) -> None:
        await self._pool.execute(
            "DELETE FROM operator_sessions WHERE token_sha256 = $1", token_sha256
        )

    async def purge_sessions(self, idle_since: datetime) -> int:
        status = await self._pool.execute(
            "DELETE FROM operator_sessions WHERE last_used_at <= $1", idle_since
        )
        return int(status.split()[-1])
