"""Cleanup contexts for the database: the embedded server, the pool and migrations, the LISTEN
connection, the event store; and the app keys of what they provide."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import asyncpg
import structlog
from aiohttp import web

from hub.clock import clock_of
from hub.settings import SETTINGS
from hub.store.embedded import start_embedded
from hub.store.events import EventStore, Seal
from hub.store.migrate import migrate
from hub.store.notifications import Notifications
from hub.store.pool import create_pool, create_read_pool
from hub.supervisor import SUPERVISOR

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

log = structlog.get_logger("hub.store")

DATABASE_URL: web.AppKey[str] = web.AppKey("database_url")
POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool")
# Where feeds, complaint lists and statistics read: a read-only pool on the streaming replica of
# COMPLAINT_HUB_READ_DATABASE_URL, or the primary's own pool when none is configured.
READ_POOL: web.AppKey[asyncpg.Pool] = web.AppKey("read_pool")
# The process's one LISTEN connection, where the feed and the key cache register their channels.
NOTIFICATIONS: web.AppKey[Notifications] = web.AppKey("notifications")
EVENT_STORE: web.AppKey[EventStore] = web.AppKey("event_store")
# Provided by the hub's signer (trust): how the store seals a receipt for each event it appends.
SEAL: web.AppKey[Seal] = web.AppKey("seal")


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    server: PostgresServer | None = None
    dsn = settings.database_url
    if dsn is None:
        # pgserver blocks for about a second while it starts; keep the loop free meanwhile.
        embedded = await asyncio.to_thread(start_embedded, settings.data_dir)
        server, dsn = embedded
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


async def notifications_ctx(app: web.Application) -> AsyncIterator[None]:
    notifications = Notifications(app[DATABASE_URL])
    await notifications.start(app[SUPERVISOR])
    app[NOTIFICATIONS] = notifications
    try:
        yield
    finally:
        await notifications.close()


async def read_pool_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.read_database_url is None:
        app[READ_POOL] = app[POOL]
        yield
        return
    read_pool = await create_read_pool(settings.read_database_url, size=settings.pool_size)
    app[READ_POOL] = read_pool
    try:
        yield
    finally:
        await read_pool.close()


async def event_store_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = EventStore(
        app[POOL],
        seal=app[SEAL],
        # The benchmark's baseline commits each event in its own transaction.
        max_items=1 if settings.baseline_mode else settings.group_commit_max_items,
        max_wait_s=0 if settings.baseline_mode else settings.group_commit_wait_ms / 1000,
        clock=clock_of(app),
    )
    await store.start(app[SUPERVISOR])
    app[EVENT_STORE] = store
    try:
        yield
    finally:
        await store.close()
