"""Cleanup context for webhooks: the subscription store, the target guard and the delivery
worker, which runs in every hub process (leases keep them from delivering the same thing twice).

Tests and benchmarks may set the clock and WEBHOOK_RESOLVER on the app before it starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hub.clock import Clock, clock_of
from hub.feeds.resources import FEEDS
from hub.feeds.webhooks import payload
from hub.feeds.webhooks.delivery import Guard, WebhookWorker
from hub.feeds.webhooks.guard import Resolver, own_addresses, system_resolver
from hub.settings import SETTINGS
from hub.store.resources import POOL
from hub.store.subscriptions import SubscriptionStore
from hub.supervisor import SUPERVISOR
from hub.trust.resources import HUB_SIGNER
from hub.vault.resources import MASTER_KEYS

# Idle polling, for retries coming due and leases expiring; a new event, a replay or a new
# subscription wakes the worker at once.
POLL_INTERVAL_S = 0.25


SUBSCRIPTIONS: web.AppKey[SubscriptionStore] = web.AppKey("subscriptions")
WEBHOOK_GUARD: web.AppKey[Guard] = web.AppKey("webhook_guard")
WEBHOOK_WORKER: web.AppKey[WebhookWorker] = web.AppKey("webhook_worker")
# Set before start-up by tests and benchmarks only: how target host names are resolved.
WEBHOOK_RESOLVER: web.AppKey[Resolver] = web.AppKey("webhook_resolver")
# Set before start-up where the hub's clock is simulated (the demo runs days in seconds): leases
# and retries are about the receiver's real time. Unset, they follow the hub's clock.
WEBHOOK_CLOCK: web.AppKey[Clock] = web.AppKey("webhook_clock")


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
        now=app.get(WEBHOOK_CLOCK, clock_of(app)),
        source=settings.public_urls[0] if settings.public_urls else payload.DEFAULT_SOURCE,
    )
    app[SUBSCRIPTIONS] = store
    app[WEBHOOK_GUARD] = guard
    app[WEBHOOK_WORKER] = worker
    # A commit wakes the worker through the feed's LISTEN; polling only covers lost notices,
    # retries coming due and leases expiring.
    app[FEEDS].listener.on_advance(worker.wake)
    try:
        async with app[SUPERVISOR].running(
            "webhook-delivery", lambda: worker.run_forever(POLL_INTERVAL_S)
        ):
            yield
    finally:
        await worker.close()
