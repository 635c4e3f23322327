"""The feed's head in this process, fanned out to waiting requests.

`complaint_hub_feed` (the highest committed position) is heard on the process's one LISTEN
connection (hub/store/notifications.py). Waiting requests are woken through one asyncio.Event per
head position. A notice can be lost (the connection drops, or is being re-established), so the
head is read from the pool again whenever the LISTEN is back in place, and while anyone waits
about once a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg
import structlog

from hub.store.events import FEED_CHANNEL
from hub.store.feed import head_position
from hub.store.notifications import Notifications, Subscription
from hub.supervisor import Supervisor

log = structlog.get_logger("hub.feeds.listener")

_RECHECK_TASK = "feed-head-recheck"


class FeedListener:
    def __init__(
        self, notifications: Notifications, pool: asyncpg.Pool, *, recheck_s: float = 1.0
    ) -> None:
        self._notifications = notifications
        self._pool = pool
        self._recheck_s = recheck_s
        self._head = 0
        self._changed = asyncio.Event()
        self._waiters = 0
        self._supervisor: Supervisor | None = None
        self._subscription: Subscription | None = None
        self._on_advance: list[Callable[[], None]] = []

    @property
    def head(self) -> int:
        """The highest position known to have committed."""
        return self._head

    async def start(self, supervisor: Supervisor) -> None:
        """Listen for the feed's notices, then read the head, so no commit falls between."""
        self._subscription = await self._notifications.listen(
            FEED_CHANNEL, self._on_feed, on_connected=self._refresh_head
        )
        self._advance(await head_position(self._pool))
        self._supervisor = supervisor
        supervisor.run(_RECHECK_TASK, self._recheck)

    async def close(self) -> None:
        if self._subscription is not None:
            await self._notifications.unlisten(self._subscription)
        if self._supervisor is not None:
            await self._supervisor.stop(_RECHECK_TASK)
        self._wake()

    async def wait_beyond(
        self, position: int, timeout_s: float, *, abort: asyncio.Event | None = None
    ) -> bool:
        """Until a position above `position` has committed (True), or timeout/abort (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        self._waiters += 1
        try:
            while self._head <= position:
                if abort is not None and abort.is_set():
                    return False
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                waits = [asyncio.ensure_future(self._changed.wait())]
                if abort is not None:
                    waits.append(asyncio.ensure_future(abort.wait()))
                try:
                    await asyncio.wait(waits, timeout=remaining, return_when="FIRST_COMPLETED")
                finally:
                    for waiting in waits:
                        waiting.cancel()
            return True
        finally:
            self._waiters -= 1

    def on_advance(self, callback: Callable[[], None]) -> None:
        """Call `callback` (cheap, never blocking) whenever the head moves on (the webhook
        worker's wake-up)."""
        self._on_advance.append(callback)

    def _advance(self, position: int) -> None:
        if position > self._head:
            self._head = position
            self._wake()
            for callback in self._on_advance:
                callback()

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _on_feed(self, payload: str) -> None:
        try:
            self._advance(int(payload))
        except ValueError:
            log.warning("feed_notice_malformed")

    async def _refresh_head(self) -> None:
        try:
            self._advance(await head_position(self._pool))
        except (asyncpg.PostgresError, OSError) as err:
            log.warning("feed_head_read_failed", error=repr(err))

    async def _recheck(self) -> None:
        """While anyone waits, read the head about once a second: a notice may have been lost."""
        while True:
            await asyncio.sleep(self._recheck_s)
            if self._waiters:
                await self._refresh_head()
