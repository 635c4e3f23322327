"""The feed machinery of one process, as one value in the app: read pool, listener, streams."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import structlog

from hub.feeds.listener import FeedListener
from hub.feeds.registry import KEY_REVOKED, PARTICIPANT_DISABLED, OpenStream, StreamRegistry
from hub.feeds.replay import ReplayedHead
from hub.problems import Forbidden, Unauthorized

log = structlog.get_logger("hub.feeds")


@dataclasses.dataclass(frozen=True)
class SseLimits:
    heartbeat_s: float
    write_timeout_s: float
    buffer_bytes: int


@dataclasses.dataclass(frozen=True)
class Feeds:
    read_pool: asyncpg.Pool  # the streaming replica's, or the primary's when none is configured
    listener: FeedListener
    registry: StreamRegistry
    sse: SseLimits
    # None: the read pool is the primary's, where what the listener hears is already visible
    replayed: ReplayedHead | None = None

    async def wait_readable_beyond(
        self, position: int, timeout_s: float, *, abort: asyncio.Event | None = None
    ) -> bool:
        """Until a position above `position` may be read from the read pool (True), or
        timeout/abort (False).

        The primary announces a commit before a replica shows it. A reader woken by the notice
        reads at once (replay usually follows within a millisecond). If it found nothing while
        the primary is already beyond its cursor, the replica lags: it waits for replay, rather
        than being woken again at once and re-reading an empty page in a loop.
        """
        if self.replayed is not None and self.listener.head > position:
            return await self.replayed.wait_beyond(position, timeout_s, abort=abort)
        return await self.listener.wait_beyond(position, timeout_s, abort=abort)

    @staticmethod
    def raise_if_closed(stream: OpenStream) -> None:
        """A long-poll whose key was revoked or whose participant was disabled ends in a problem."""
        if stream.reason == KEY_REVOKED:
            raise Unauthorized("key-revoked", f"key {stream.kid} was revoked while waiting")
        if stream.reason == PARTICIPANT_DISABLED:
            raise Forbidden(
                "participant-disabled", f"participant {stream.participant_id} was disabled"
            )
