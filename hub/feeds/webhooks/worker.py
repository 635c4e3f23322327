"""Cleanup context for webhooks: the subscription store, the target guard and the delivery
worker, which runs in every hub process (leases keep them from delivering the same thing twice).

Tests and benchmarks may set WEBHOOK_CLOCK and WEBHOOK_RESOLVER on the app before it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web

from hub.appkeys import (
    FEEDS,
    HUB_SIGNER,
    MASTER_KEYS,
    POOL,
    SETTINGS,
    SUBSCRIPTIONS,
    WEBHOOK_CLOCK,
    WEBHOOK_GUARD,
    WEBHOOK_RESOLVER,
    WEBHOOK_WORKER,
)
from hub.feeds.webhooks import payload
from hub.feeds.webhooks.delivery import Guard, WebhookWorker
from hub.feeds.webhooks.guard import own_addresses, system_resolver
from hub.store.subscriptions import SubscriptionStore

# Idle polling; a new event, a replay or a new subscription wakes the worker at once.
POLL_INTERVAL_S = 0.05


def _wall_clock() -> datetime:
    return datetime.now(UTC)


async def webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    own, own_names = own_addresses(settings.host, settings.public_urls)
    guard = Guard(
        allow_private=settings.webhook_allow_private,
        own=own,
        own_names=own_names,
        resolver=app.get(WEBHOOK_RESOLVER, system_resolver),
    )
    store = SubscriptionStore(app[POOL])
    worker = WebhookWorker(
        app[POOL],
        store,
        guard,
        signer=lambda: app[HUB_SIGNER],
        master_keys=app[MASTER_KEYS].with_version,
        now=app.get(WEBHOOK_CLOCK, _wall_clock),
        source=settings.public_urls[0] if settings.public_urls else payload.DEFAULT_SOURCE,
    )
    app[SUBSCRIPTIONS] = store
    app[WEBHOOK_GUARD] = guard
    app[WEBHOOK_WORKER] = worker
    # A commit wakes the worker through the feed's LISTEN; polling only covers lost notices,
    # retries coming due and leases expiring.
    app[FEEDS].listener.on_advance(worker.wake)
    task = asyncio.create_task(worker.run_forever(POLL_INTERVAL_S), name="webhook-delivery")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await worker.close()
