"""Connection pool creation: one place that knows how the hub talks to PostgreSQL."""

from __future__ import annotations

import asyncpg


async def create_pool(dsn: str, *, size: int) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=min(2, size),
        max_size=size,
        # Statements here are short; a stuck one should fail rather than pin a connection.
        command_timeout=60,
    )
