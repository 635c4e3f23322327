"""Cleanup context for the native path: the installed adapters, the ingest service, the feed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from adapters.base.contract import Adapter
from hub.clock import clock_of
from hub.platforms.feed import NativeFeed
from hub.platforms.ingest import PlatformIngest
from hub.platforms.registry import adapters_by_code, installed_adapters
from hub.services.resources import CHECKS
from hub.store.native import NativeStore
from hub.store.resources import EVENT_STORE, POOL, READ_POOL
from hub.vault.resources import MASTER_KEYS

log = structlog.get_logger("hub.platforms")


ADAPTERS: web.AppKey[dict[str, Adapter]] = web.AppKey("adapters")
PLATFORM_INGEST: web.AppKey[PlatformIngest] = web.AppKey("platform_ingest")
NATIVE_FEED: web.AppKey[NativeFeed] = web.AppKey("native_feed")


async def platforms_ctx(app: web.Application) -> AsyncIterator[None]:
    installed = installed_adapters()
    app[ADAPTERS] = adapters_by_code(installed)
    native = NativeStore(app[POOL])
    keys = app[MASTER_KEYS]
    app[PLATFORM_INGEST] = PlatformIngest(
        app[EVENT_STORE], native, app[CHECKS], keys=lambda: keys.keys, clock=clock_of(app)
    )
    # The native feed reads like the canonical one: from the replica when one is configured.
    app[NATIVE_FEED] = NativeFeed(app[READ_POOL], NativeStore(app[READ_POOL]))
    log.info("adapters_loaded", codes=sorted(installed))
    yield
