"""The hub's public keys: the JWKS, old keys included. Private keys never reach the database."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import asyncpg


class HubKeyNotPublished(RuntimeError):
    """The database did not confirm a hub key it was asked to publish."""


@dataclasses.dataclass(frozen=True)
class HubPublicKey:
    kid: str
    public_key: bytes
    not_before: datetime
    retired_at: datetime | None


class HubKeyStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def all(self) -> list[HubPublicKey]:
        rows = await self._pool.fetch(
            "SELECT kid, public_key, not_before, retired_at FROM hub_keys ORDER BY not_before, kid"
        )
        return [
            HubPublicKey(r["kid"], bytes(r["public_key"]), r["not_before"], r["retired_at"])
            for r in rows
        ]

    async def publish(self, kid: str, public_key: bytes, not_before: datetime) -> HubPublicKey:
        """Register a key (idempotent: a key already published keeps its activation time)."""
        row = await self._pool.fetchrow(
            "INSERT INTO hub_keys (kid, public_key, not_before) VALUES ($1, $2, $3)"
            " ON CONFLICT (kid) DO UPDATE SET kid = EXCLUDED.kid"
            " RETURNING kid, public_key, not_before, retired_at",
            kid,
            public_key,
            not_before,
        )
        if row is None:  # the upsert returns its row whether it inserted or not
            raise HubKeyNotPublished(f"publishing hub key {kid} returned no row")
        return HubPublicKey(
            row["kid"], bytes(row["public_key"]), row["not_before"], row["retired_at"]
        )
