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
        reset=keep_session,
    )


async def keep_session(conn: Conn) -> None:
    """What the pool does to a connection handed back, beyond rolling back a transaction left
    open (asyncpg always does that): nothing. Its default runs `pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL` at every release, a round trip per use; the hub leaves none of
    that behind on a pooled connection (settings are SET LOCAL, listeners have connections of
    their own, a session advisory lock ends with its connection: see StatsStore.leading)."""


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
