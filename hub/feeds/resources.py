"""Cleanup context for feeds: the head and the revocations they hear, the registry of open
streams, their limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hub.clock import Clock, clock_of
from hub.feeds.listener import FeedListener
from hub.feeds.registry import StreamRegistry
from hub.feeds.replay import ReplayedHead
from hub.feeds.service import Feeds, SseLimits
from hub.settings import SETTINGS
from hub.store.participants import TRUST_CHANNEL, ParticipantStore
from hub.store.resources import NOTIFICATIONS, POOL, READ_POOL
from hub.supervisor import SUPERVISOR
from hub.trust.resources import PARTICIPANTS

FEEDS: web.AppKey[Feeds] = web.AppKey("feeds")


async def _close_revoked(
    registry: StreamRegistry, participants: ParticipantStore, clock: Clock
) -> None:
    """Once the LISTEN is (back) in place: close streams whose key or owner changed while no
    revocation could be heard."""
    now = clock()
    for kid in registry.open_kids():
        found = await participants.key_with_owner(kid)
        if found is None or (found.key.revoked_at is not None and found.key.revoked_at <= now):
            registry.close_kid(kid)
        elif not found.owner.enabled:
            registry.close_participant(found.owner.participant_id)


async def feeds_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    registry = StreamRegistry()

    async def recheck() -> None:
        await _close_revoked(registry, app[PARTICIPANTS], clock_of(app))

    notifications = app[NOTIFICATIONS]
    listener = FeedListener(notifications, app[POOL])
    await listener.start(app[SUPERVISOR])
    revocations = await notifications.listen(
        TRUST_CHANNEL, registry.on_trust_notice, on_connected=recheck
    )
    read_pool = app[READ_POOL]
    app[FEEDS] = Feeds(
        read_pool,
        listener,
        registry,
        SseLimits(
            settings.sse_heartbeat_s, settings.sse_write_timeout_s, settings.sse_buffer_bytes
        ),
        replayed=None if read_pool is app[POOL] else ReplayedHead(read_pool),
    )
    try:
        yield
    finally:
        await notifications.unlisten(revocations)
        registry.close_all()
        await listener.close()


async def close_streams_on_shutdown(app: web.Application) -> None:
    """Runs before in-flight requests are awaited, so open streams do not hold up a stop."""
    feeds = app.get(FEEDS)
    if feeds is not None:
        feeds.registry.close_all()
