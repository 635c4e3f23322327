"""The feed machinery of one process, as one value in the app: pool, listener, open streams."""

from __future__ import annotations

import dataclasses

import asyncpg
import structlog

from hub.feeds.listener import FeedListener
from hub.feeds.registry import KEY_REVOKED, PARTICIPANT_DISABLED, OpenStream, StreamRegistry
from hub.problems import Forbidden, Unauthorized

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
