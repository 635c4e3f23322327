"""The participants' keys in memory, dropped whenever the database says a key or a participant
changed: no database round trip to authenticate a request whose key is known.

Every change to `participant_keys` or `participants` is announced at COMMIT on
`complaint_hub_keys` (migration 0019), by whatever path it was made. Each process listens on a
connection of its own (a pooled one is reset on release, which would drop the LISTEN). Keys are
served from memory only while that connection is up: before it is listening, after it is lost
and until it is back, every lookup reads the database, as without the cache. A change made
through this process's store (revoke, disable, a new key) drops the cache at once, before the
call returns; one made by another process or plain SQL takes the notice's delivery, about a
millisecond. An unknown key id is never remembered, so a flood of made-up ids cannot fill memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
from typing import Any

import asyncpg
import structlog

from hub.store.participants import KeyWithOwner, Participant, ParticipantKey, ParticipantStore
from hub.supervisor import Supervisor

log = structlog.get_logger("hub.trust.keys")

KEYS_CHANNEL = "complaint_hub_keys"
_TASK = "key-cache-listener"
_BACKOFF_FIRST_S = 0.1
_BACKOFF_MAX_S = 5.0
_PING_EVERY_S = 10.0
_PING_TIMEOUT_S = 5.0


class CachedParticipants(ParticipantStore):
    """ParticipantStore whose `key_with_owner` answers from memory while notices are heard."""

    def __init__(self, pool: asyncpg.Pool, dsn: str) -> None:
        super().__init__(pool)
        self._dsn = dsn
        self._keys: dict[str, KeyWithOwner] = {}
        # Bumped at every drop: a read that began before a change must not store what it read.
        self._generation = 0
        self._listening = False
        self._connected = asyncio.Event()
        self._supervisor: Supervisor | None = None
        self.hits = 0
        self.reads = 0

    @property
    def listening(self) -> bool:
        return self._listening

    def drop(self, _reason: str = "") -> None:
        self._generation += 1
        self._keys.clear()

    async def key_with_owner(self, kid: str) -> KeyWithOwner | None:
        found = self._keys.get(kid) if self._listening else None
        if found is not None:
            self.hits += 1
            return found
        generation = self._generation
        self.reads += 1
        found = await super().key_with_owner(kid)
        if found is not None and self._listening and generation == self._generation:
            self._keys[kid] = found
        return found

    # The store's changes of keys and participants drop this process's cache before returning.
    async def add(self, *args: Any, **kwargs: Any) -> Participant:
        try:
            return await super().add(*args, **kwargs)
        finally:
            self.drop("add")

    async def remove(self, *args: Any, **kwargs: Any) -> Participant:
        try:
            return await super().remove(*args, **kwargs)
        finally:
            self.drop("remove")

    async def disable(self, *args: Any, **kwargs: Any) -> Participant:
        try:
            return await super().disable(*args, **kwargs)
        finally:
            self.drop("disable")

    async def enable(self, *args: Any, **kwargs: Any) -> Participant:
        try:
            return await super().enable(*args, **kwargs)
        finally:
            self.drop("enable")

    async def add_key(self, *args: Any, **kwargs: Any) -> ParticipantKey:
        try:
            return await super().add_key(*args, **kwargs)
        finally:
            self.drop("add_key")

    async def revoke_key(self, *args: Any, **kwargs: Any) -> ParticipantKey:
        try:
            return await super().revoke_key(*args, **kwargs)
        finally:
            self.drop("revoke_key")

    async def start(self, supervisor: Supervisor) -> None:
        """Listen under `supervisor`; start-up waits briefly for the LISTEN to be in place."""
        self._supervisor = supervisor
        supervisor.run(_TASK, self._run)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), 5)

    async def close(self) -> None:
        self._listening = False
        self.drop()
        if self._supervisor is not None:
            await self._supervisor.stop(_TASK)

    def _on_notice(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self.drop(str(payload))

    async def _run(self) -> None:
        backoff_s = _BACKOFF_FIRST_S
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(functools.partial(_set_on_termination, lost))
                await conn.add_listener(KEYS_CHANNEL, self._on_notice)
                # Whatever changed while nobody listened: start from an empty cache.
                self.drop("listening")
                self._listening = True
                self._connected.set()
                backoff_s = _BACKOFF_FIRST_S
                await _watch(conn, lost)
            except asyncio.CancelledError:
                raise
            except (asyncpg.PostgresError, OSError, TimeoutError) as err:
                log.warning("key_cache_listener_lost", error=repr(err), retry_in_s=backoff_s)
            finally:
                self._listening = False
                self._connected.clear()
                self.drop("not listening")
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), 2)
            await asyncio.sleep(backoff_s * (0.5 + random.random()))
            backoff_s = min(backoff_s * 2, _BACKOFF_MAX_S)


async def _watch(conn: asyncpg.Connection, lost: asyncio.Event) -> None:
    """Until the connection is lost; a ping now and then finds a half-open one."""
    while not lost.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), _PING_EVERY_S)
        if not lost.is_set():
            await conn.fetchval("SELECT 1", timeout=_PING_TIMEOUT_S)
    raise OSError("key cache listener connection closed")


def _set_on_termination(lost: asyncio.Event, _conn: object) -> None:
    lost.set()
