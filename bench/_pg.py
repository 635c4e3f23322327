"""A throwaway embedded PostgreSQL with a migrated database, for benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from hub.store.embedded import start_embedded
from hub.store.migrate import migrate


@contextlib.asynccontextmanager
async def bench_database(url: str | None = None) -> AsyncIterator[str]:
    """Yields the URL of a migrated database: `url` if given, else a fresh embedded server."""
    if url:
        yield url
        return
    data_dir = Path(tempfile.mkdtemp(prefix="chbench", dir="/tmp"))
    server, dsn = await asyncio.to_thread(start_embedded, data_dir)
    try:
        conn = await asyncpg.connect(dsn)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        yield dsn
    finally:
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)
