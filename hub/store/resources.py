"""Cleanup contexts for the database: the embedded server, the pool and migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from hub.appkeys import DATABASE_URL, EVENT_STORE, POOL, SETTINGS
from hub.store.embedded import start_embedded
from hub.store.events import EventStore
from hub.store.migrate import migrate
from hub.store.pool import create_pool

log = structlog.get_logger("hub.store")


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    server = None
    dsn = settings.database_url
    if dsn is None:
        # pgserver blocks for about a second while it starts; keep the loop free meanwhile.
        server, dsn = await asyncio.to_thread(start_embedded, settings.data_dir)
        log.info("embedded_database_started", data_dir=str(settings.data_dir))
    app[DATABASE_URL] = dsn
    pool = await create_pool(dsn, size=settings.pool_size)
    async with pool.acquire() as conn:
        await migrate(conn)
    app[POOL] = pool
    try:
        yield
    finally:
        await pool.close()
        if server is not None:
            await asyncio.to_thread(server.cleanup)


async def event_store_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = EventStore(
        app[POOL],
        max_items=settings.group_commit_max_items,
        max_wait_s=settings.group_commit_wait_ms / 1000,
    )
    await store.start()
    app[EVENT_STORE] = store
    try:
        yield
    finally:
        await store.close()
