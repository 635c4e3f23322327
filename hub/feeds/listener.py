"""One LISTEN connection per process, fanning feed and trust notices out to waiting requests.

A dedicated asyncpg connection (never one from the pool: a pooled connection is reset and
reused, which would drop the LISTEN) hears `complaint_hub_feed` (the highest committed position)
and `complaint_hub_trust` (revocations). Waiting requests are woken through one asyncio.Event per
head position. A notice can be lost (the connection drops, or is being re-established), so while
anyone waits the head is also read from the pool about once a second, and once on reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from hub.store.events import FEED_CHANNEL
from hub.store.feed import head_position
from hub.store.participants import TRUST_CHANNEL
from hub.supervisor import Supervisor

log = structlog.get_logger("hub.feeds.listener")

_TASK = "feed-listener"
_BACKOFF_FIRST_S = 0.1
_BACKOFF_MAX_S = 5.0
_PING_EVERY_S = 10.0  # a half-open TCP connection is found by a query that does not return
_PING_TIMEOUT_S = 5.0


class FeedListener:
    def __init__(
        self,
        dsn: str,
        pool: asyncpg.Pool,
        *,
        on_trust: Callable[[str], None],
        on_reconnect: Callable[[], Awaitable[None]] | None = None,
        recheck_s: float = 1.0,
    ) -> None:
        self._dsn = dsn
        self._pool = pool
        self._on_trust = on_trust
        self._on_reconnect = on_reconnect
        self._ever_connected = False
        self._recheck_s = recheck_s
        self._head = 0
        self._changed = asyncio.Event()
        self._waiters = 0
        self._supervisor: Supervisor | None = None
        self._connected = asyncio.Event()
        self._on_advance: list[Callable[[], None]] = []

    @property
    def head(self) -> int:
        """The highest position known to have committed."""
        return self._head

    async def start(self, supervisor: Supervisor) -> None:
        """Listen under `supervisor`: lost connections are retried here, anything else (a bug,
        an error of the driver's own) restarts the loop and is reported."""
        self._advance(await head_position(self._pool))
        self._supervisor = supervisor
        supervisor.run(_TASK, self._run)
        # Start-up waits briefly for the LISTEN, so a first stream does not rely on the recheck.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), 5)

    async def close(self) -> None:
        if self._supervisor is not None:
            await self._supervisor.stop(_TASK)
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

    # asyncpg hands a notification's payload over as the str PostgreSQL sent.
    def _on_feed(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            self._advance(int(str(payload)))
        except ValueError:
            log.warning("feed_notice_malformed")

    def _on_trust_notice(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self._on_trust(str(payload))

    async def _refresh_head(self) -> None:
        try:
            self._advance(await head_position(self._pool))
        except (asyncpg.PostgresError, OSError) as err:
            log.warning("feed_head_read_failed", error=repr(err))

    async def _run(self) -> None:
        backoff_s = _BACKOFF_FIRST_S
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(functools.partial(_set_on_termination, lost))
                await conn.add_listener(FEED_CHANNEL, self._on_feed)
                await conn.add_listener(TRUST_CHANNEL, self._on_trust_notice)
                self._connected.set()
                log.info("feed_listener_connected")
                backoff_s = _BACKOFF_FIRST_S
                # Anything committed, or revoked, while nobody listened is picked up here.
                await self._refresh_head()
                if self._ever_connected and self._on_reconnect is not None:
                    await self._on_reconnect()
                self._ever_connected = True
                await self._watch(conn, lost)
            except asyncio.CancelledError:
                raise
            except (asyncpg.PostgresError, OSError, TimeoutError) as err:
                log.warning("feed_listener_lost", error=repr(err), retry_in_s=backoff_s)
            finally:
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), 2)
            self._connected.clear()
            await asyncio.sleep(backoff_s * (0.5 + random.random()))
            backoff_s = min(backoff_s * 2, _BACKOFF_MAX_S)

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Recheck the head while anyone waits; ping the connection now and then."""
        loop = asyncio.get_running_loop()
        next_ping = loop.time() + _PING_EVERY_S
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), self._recheck_s)
            if lost.is_set():
                break
            if self._waiters:
                await self._refresh_head()
            if loop.time() >= next_ping:
                await conn.fetchval("SELECT 1", timeout=_PING_TIMEOUT_S)
                next_ping = loop.time() + _PING_EVERY_S
        raise OSError("listener connection closed")


def _set_on_termination(lost: asyncio.Event, _conn: object) -> None:
    lost.set()
