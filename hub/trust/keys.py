"""The participants' keys in memory, dropped whenever the database says a key or a participant
changed: no database round trip to authenticate a request whose key is known.

Every change to `participant_keys` or `participants` is announced at COMMIT on
`complaint_hub_keys` (migration 0019), by whatever path it was made, and heard on the process's
one LISTEN connection (hub/store/notifications.py). Keys are served from memory only while that
connection is up: before it is listening, after it is lost and until it is back, every lookup
reads the database, as without the cache. A change made through this process's store (revoke,
disable, a new key) drops the cache at once, before the call returns; one made by another process
or plain SQL takes the notice's delivery, about a millisecond. An unknown key id is never
remembered, so a flood of made-up ids cannot fill memory.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from hub.store.notifications import Notifications, Subscription
from hub.store.participants import KeyWithOwner, Participant, ParticipantKey, ParticipantStore

KEYS_CHANNEL = "complaint_hub_keys"


class CachedParticipants(ParticipantStore):
    """ParticipantStore whose `key_with_owner` answers from memory while notices are heard."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self._keys: dict[str, KeyWithOwner] = {}
        # Bumped at every drop: a read that began before a change must not store what it read.
        self._generation = 0
        self._listening = False
        self._notifications: Notifications | None = None
        self._subscription: Subscription | None = None
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

    async def start(self, notifications: Notifications) -> None:
        """Hear the changes on `notifications`; keys are served from memory once it listens."""
        self._notifications = notifications
        self._subscription = await notifications.listen(
            KEYS_CHANNEL,
            self.drop,
            on_connected=self._start_listening,
            on_lost=self._stop_listening,
        )

    async def close(self) -> None:
        if self._notifications is not None and self._subscription is not None:
            await self._notifications.unlisten(self._subscription)
        self._stop_listening()

    async def _start_listening(self) -> None:
        # Whatever changed while nobody listened: start from an empty cache.
        self.drop("listening")
        self._listening = True

    def _stop_listening(self) -> None:
        self._listening = False
        self.drop("not listening")
