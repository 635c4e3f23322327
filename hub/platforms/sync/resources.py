"""Cleanup context for pull mode: one poller per platform configured in platforms.json."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import structlog
from aiohttp import web

from adapters.base.contract import PullAdapter
from hub.clock import clock_of
from hub.platforms.resources import ADAPTERS, PLATFORM_INGEST
from hub.platforms.sync.config import SyncConfigError, load_targets
from hub.platforms.sync.pull_client import PullClient
from hub.platforms.sync.worker import SyncWorker
from hub.settings import SETTINGS
from hub.store.resources import POOL
from hub.store.sync_state import SyncStateStore
from hub.supervisor import SUPERVISOR, worker_identity
from hub.trust.resources import HUB_SIGNER, PARTICIPANTS

log = structlog.get_logger("hub.platforms.sync")


SYNC_STATES: web.AppKey[SyncStateStore] = web.AppKey("sync_states")
SYNC_WORKERS: web.AppKey[dict[str, SyncWorker]] = web.AppKey("sync_workers")
# Set before start-up by tests only: False builds the pollers without starting them.
SYNC_AUTOSTART: web.AppKey[bool] = web.AppKey("sync_autostart")


async def sync_ctx(app: web.Application) -> AsyncIterator[None]:
    app[SYNC_STATES] = states = SyncStateStore(app[POOL])
    targets = load_targets(app[SETTINGS].data_dir)
    app[SYNC_WORKERS] = {}
    if not targets:
        yield
        return
    clock = clock_of(app)
    session = aiohttp.ClientSession()
    client = PullClient(session, app[PARTICIPANTS], lambda: app[HUB_SIGNER], clock)
    holder = worker_identity()
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
    polling = app.get(SYNC_AUTOSTART, True)
    async with contextlib.AsyncExitStack() as running:
        running.push_async_callback(session.close)
        if polling:
            for code, worker in app[SYNC_WORKERS].items():
                await running.enter_async_context(
                    app[SUPERVISOR].running(f"pull-sync:{code}", worker.run)
                )
        log.info("sync_workers_started", platforms=sorted(targets), polling=polling)
        yield
