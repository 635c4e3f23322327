"""Connection pool creation: one place that knows how the hub talks to PostgreSQL."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# A connection as the store's functions take it: one of its own, or one borrowed from a pool
# (`pool.acquire()` yields a proxy, not an `asyncpg.Connection`, though it behaves as one).
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"


async def create_pool(dsn: str, *, size: int) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=min(2, size),
        max_size=size,
        # Statements here are short; a stuck one should fail rather than pin a connection.
        command_timeout=60,
    )


async def create_read_pool(dsn: str, *, size: int) -> asyncpg.Pool:
    """A pool for the read paths (a streaming replica): every transaction on it is read-only, so
    a write sent down the read path is refused by PostgreSQL even where the URL names a primary.

    It opens no connection up front (`min_size=0`): a replica that is down at start stops the
    read paths (503), not the hub, which still accepts events.
    """
    return await asyncpg.create_pool(
        dsn,
        min_size=0,
        max_size=size,
        command_timeout=60,
        server_settings={"default_transaction_read_only": "on"},
    )
