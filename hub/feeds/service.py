"""The feed machinery of one process, as one value in the app: pool, listener, open streams."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import structlog
from aiohttp import web

from hub.appkeys import DATABASE_URL, FEEDS, PARTICIPANTS, POOL, SETTINGS
from hub.feeds.listener import FeedListener
from hub.feeds.registry import KEY_REVOKED, PARTICIPANT_DISABLED, OpenStream, StreamRegistry
from hub.problems import Forbidden, Unauthorized
from hub.store.participants import ParticipantStore

log = structlog.get_logger("hub.feeds")


@dataclasses.dataclass(frozen=True)
class SseLimits:
    heartbeat_s: float
    write_timeout_s: float
    buffer_bytes: int


@dataclasses.dataclass(frozen=True)
class Feeds:
    pool: asyncpg.Pool
    listener: FeedListener
    registry: StreamRegistry
    sse: SseLimits

    @staticmethod
    def raise_if_closed(stream: OpenStream) -> None:
        """A long-poll whose key was revoked or whose participant was disabled ends in a problem."""
        if stream.reason == KEY_REVOKED:
            raise Unauthorized("key-revoked", f"key {stream.kid} was revoked while waiting")
        if stream.reason == PARTICIPANT_DISABLED:
            raise Forbidden(
                "participant-disabled", f"participant {stream.participant_id} was disabled"
            )


async def _close_revoked(registry: StreamRegistry, participants: ParticipantStore) -> None:
    """After the listener reconnects: close streams whose key or owner changed meanwhile."""
    now = datetime.now(UTC)
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
        await _close_revoked(registry, app[PARTICIPANTS])

    listener = FeedListener(
        app[DATABASE_URL], app[POOL], on_trust=registry.on_trust_notice, on_reconnect=recheck
    )
    await listener.start()
    app[FEEDS] = Feeds(
        app[POOL],
        listener,
        registry,
        SseLimits(
            settings.sse_heartbeat_s, settings.sse_write_timeout_s, settings.sse_buffer_bytes
        ),
    )
    try:
        yield
    finally:
        registry.close_all()
        await listener.close()


async def close_streams_on_shutdown(app: web.Application) -> None:
    """Runs before in-flight requests are awaited, so open streams do not hold up a stop."""
    feeds = app.get(FEEDS)
    if feeds is not None:
        feeds.registry.close_all()
