"""Cleanup context for the native path: the installed adapters, the ingest service, the feed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from hub.appkeys import ADAPTERS, CHECKS, EVENT_STORE, NATIVE_FEED, PLATFORM_INGEST, POOL
from hub.platforms.feed import NativeFeed
from hub.platforms.ingest import PlatformIngest
from hub.platforms.registry import adapters_by_code, installed_adapters
from hub.store.native import NativeStore

log = structlog.get_logger("hub.platforms")


async def platforms_ctx(app: web.Application) -> AsyncIterator[None]:
    installed = installed_adapters()
    app[ADAPTERS] = adapters_by_code(installed)
    native = NativeStore(app[POOL])
    app[PLATFORM_INGEST] = PlatformIngest(app[EVENT_STORE], native, app[CHECKS])
    app[NATIVE_FEED] = NativeFeed(app[POOL], native)
    log.info("adapters_loaded", codes=sorted(installed))
    yield
