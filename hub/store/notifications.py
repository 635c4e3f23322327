"""One LISTEN connection per process, shared by every part of the hub that hears the database.

The feed hears its head move (`complaint_hub_feed`), the stream registry hears revocations
(`complaint_hub_trust`), the key cache hears any change of keys or participants
(`complaint_hub_keys`). Each registers its channel here with a callback, instead of holding a
connection and a reconnect loop of its own.

The connection is a dedicated asyncpg one, never a pooled one: the pool hands connections to
other work and may close them at any time, and a LISTEN lasts only as long as its session. It is
named by `application_name`, so an operator finds it in `pg_stat_activity`. PostgreSQL delivers a
notice only to sessions listening when it commits: whatever was sent while the connection was
down is lost. So a subscriber is told when its LISTEN is in place (`on_connected`: re-read what
it follows) and when it is lost (`on_lost`: stop trusting what it holds), and the connection is
made again with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import random
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from hub.supervisor import Supervisor

log = structlog.get_logger("hub.store.notifications")

APPLICATION_NAME = "complaint-hub notifications"
_TASK = "notifications-listener"
_BACKOFF_FIRST_S = 0.1
_BACKOFF_MAX_S = 5.0
_PING_EVERY_S = 10.0  # a half-open TCP connection is found by a query that does not return
_PING_TIMEOUT_S = 5.0
# Start-up waits this long for the LISTEN, so a first request does not start without it.
_START_WAIT_S = 5.0
# What a lost or refused connection raises; anything else is a bug, left to the supervisor.
_CONNECTION_ERRORS = (asyncpg.PostgresError, OSError, TimeoutError)


@dataclasses.dataclass(frozen=True, eq=False)
class Subscription:
    """One channel's callbacks. `on_notice` gets each payload, from the event loop: it must be
    cheap and never block. `on_connected` is awaited whenever the LISTEN is in place: when
    registered on a live connection and after every reconnection; a connection error from it
    counts as the connection lost. `on_lost` is called once the connection is gone."""

    channel: str
    on_notice: Callable[[str], None]
    on_connected: Callable[[], Awaitable[None]] | None = None
    on_lost: Callable[[], None] | None = None

    # asyncpg hands a notification's payload over as the str PostgreSQL sent.
    def deliver(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            self.on_notice(str(payload))
        except Exception:
            log.exception("notice_handler_failed", channel=self.channel)


class Notifications:
    """The connection, its channels, and the loop that keeps it (`start`, under the supervisor)."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._subscriptions: list[Subscription] = []
        # The live connection, once every registered LISTEN is in place on it.
        self._conn: asyncpg.Connection | None = None
        # asyncpg runs one statement at a time on a connection: LISTEN, UNLISTEN and the ping
        # take turns.
        self._lock = asyncio.Lock()
        self._connected = asyncio.Event()
        self._supervisor: Supervisor | None = None

    async def start(self, supervisor: Supervisor) -> None:
        """Listen under `supervisor`: lost connections are retried here, anything else (a bug,
        an error of the driver's own) restarts the loop and is reported."""
        self._supervisor = supervisor
        supervisor.run(_TASK, self._run)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), _START_WAIT_S)

    async def close(self) -> None:
        if self._supervisor is not None:
            await self._supervisor.stop(_TASK)

    async def listen(
        self,
        channel: str,
        on_notice: Callable[[str], None],
        *,
        on_connected: Callable[[], Awaitable[None]] | None = None,
        on_lost: Callable[[], None] | None = None,
    ) -> Subscription:
        """Hear `channel` from now on, on this process's connection; see `Subscription`."""
        subscription = Subscription(channel, on_notice, on_connected, on_lost)
        async with self._lock:
            self._subscriptions.append(subscription)
            conn = self._conn
            if conn is None or conn.is_closed():
                return subscription  # the next connection listens for it
            try:
                await conn.add_listener(channel, subscription.deliver)
            except _CONNECTION_ERRORS as err:
                # Lost meanwhile: the loop reconnects, and listens for it then.
                log.warning("notifications_listen_failed", channel=channel, error=repr(err))
                return subscription
        if on_connected is not None:
            try:
                await on_connected()
            except _CONNECTION_ERRORS as err:
                log.warning("notifications_connected_failed", channel=channel, error=repr(err))
                conn.terminate()  # reconnect, which calls every on_connected again
        return subscription

    async def unlisten(self, subscription: Subscription) -> None:
        """Hear no more of `subscription`; its callbacks are not called after this returns."""
        async with self._lock:
            if subscription not in self._subscriptions:
                return
            self._subscriptions.remove(subscription)
            if self._conn is not None and not self._conn.is_closed():
                with contextlib.suppress(*_CONNECTION_ERRORS):
                    await self._conn.remove_listener(subscription.channel, subscription.deliver)

    async def _run(self) -> None:
        backoff_s = _BACKOFF_FIRST_S
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(
                    self._dsn, server_settings={"application_name": APPLICATION_NAME}
                )
                lost = asyncio.Event()
                conn.add_termination_listener(functools.partial(_set_on_termination, lost))
                async with self._lock:
                    subscriptions = list(self._subscriptions)
                    for subscription in subscriptions:
                        await conn.add_listener(subscription.channel, subscription.deliver)
                    self._conn = conn
                self._connected.set()
                log.info(
                    "notifications_connected",
                    channels=sorted({s.channel for s in subscriptions}),
                )
                # Whatever was sent while nobody listened is lost: each subscriber catches up.
                for subscription in subscriptions:
                    # Not one that stopped listening meanwhile: it is closing what it follows.
                    unlistened = subscription not in self._subscriptions
                    if subscription.on_connected is not None and not unlistened:
                        await subscription.on_connected()
                backoff_s = _BACKOFF_FIRST_S
                await self._watch(conn, lost)
            except asyncio.CancelledError:
                raise
            except _CONNECTION_ERRORS as err:
                log.warning("notifications_lost", error=repr(err), retry_in_s=backoff_s)
            finally:
                self._connected.clear()
                if conn is not None and self._conn is conn:
                    self._conn = None
                    for subscription in list(self._subscriptions):
                        if subscription.on_lost is not None:
                            subscription.on_lost()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), 2)
            await asyncio.sleep(backoff_s * (0.5 + random.random()))
            backoff_s = min(backoff_s * 2, _BACKOFF_MAX_S)

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Until the connection is lost; a ping now and then finds a half-open one."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), _PING_EVERY_S)
            async with self._lock:
                # Closed a moment before its termination listener runs: no statement then.
                if lost.is_set() or conn.is_closed():
                    raise OSError("notifications connection closed")
                await conn.fetchval("SELECT 1", timeout=_PING_TIMEOUT_S)


def _set_on_termination(lost: asyncio.Event, _conn: object) -> None:
    lost.set()
