"""Cleanup context for pull mode: one poller per platform configured in platforms.json."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import structlog
from aiohttp import web

from adapters.base.contract import PullAdapter
from hub.appkeys import (
    ADAPTERS,
    HUB_SIGNER,
    PARTICIPANTS,
    PLATFORM_INGEST,
    POOL,
    SETTINGS,
    SYNC_AUTOSTART,
    SYNC_CLOCK,
    SYNC_STATES,
    SYNC_WORKERS,
)
from hub.platforms.sync.config import SyncConfigError, load_targets
from hub.platforms.sync.pull_client import PullClient
from hub.platforms.sync.worker import SyncWorker
from hub.store.sync_state import SyncStateStore

log = structlog.get_logger("hub.platforms.sync")


def _holder() -> str:
    """Names this process in the lease row, so an operator can tell who polls."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def sync_ctx(app: web.Application) -> AsyncIterator[None]:
    app[SYNC_STATES] = states = SyncStateStore(app[POOL])
    targets = load_targets(app[SETTINGS].data_dir)
    app[SYNC_WORKERS] = {}
    if not targets:
        yield
        return
    clock = app.get(SYNC_CLOCK) or (lambda: datetime.now(UTC))
    session = aiohttp.ClientSession()
    client = PullClient(session, app[PARTICIPANTS], lambda: app[HUB_SIGNER], clock)
    holder = _holder()
    for code, target in targets.items():
        adapter = app[ADAPTERS].get(code)
        if not isinstance(adapter, PullAdapter) or "pull" not in adapter.info.modes:
            await session.close()
            raise SyncConfigError(f"platforms.json: {code}: no installed adapter polls {code}")
        app[SYNC_WORKERS][code] = SyncWorker(
            target,
            adapter,
            client,
            states,
            app[PARTICIPANTS],
            app[PLATFORM_INGEST],
            holder=holder,
            clock=clock,
        )
    tasks = []
    if app.get(SYNC_AUTOSTART, True):
        tasks = [asyncio.create_task(w.run()) for w in app[SYNC_WORKERS].values()]
    log.info("sync_workers_started", platforms=sorted(targets), polling=bool(tasks))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await session.close()
