"""Nonce claims gathered into one statement: the requests that arrive within a millisecond share
one round trip, the way events share a group commit.

Each request still has its nonce claimed before its handler runs, and a replay is refused as
before: within a batch the first request with a (keyid, nonce) pair claims it and any other is
a replay; across batches the table's key decides, as it did one request at a time.
"""

from __future__ import annotations

import asyncio
import collections

import asyncpg

from hub.store.nonce_claims import claim_many
from hub.store.participants import NonceStore

_MAX_WAIT_S = 0.001
_MAX_ITEMS = 1000

_Claim = tuple[str, str, "asyncio.Future[bool]"]


class BatchedNonces(NonceStore):
    def __init__(
        self, pool: asyncpg.Pool, *, max_wait_s: float = _MAX_WAIT_S, max_items: int = _MAX_ITEMS
    ) -> None:
        super().__init__(pool)
        self._max_wait_s = max_wait_s
        self._max_items = max_items
        # Claims waiting for their batch, by lifetime (one statement takes one lifetime).
        self._waiting: dict[int, list[_Claim]] = collections.defaultdict(list)
        self._flushing: set[asyncio.Task[None]] = set()
        self._scheduled: set[int] = set()
        self.statements = 0

    async def claim(self, kid: str, nonce: str, ttl_s: int) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        batch = self._waiting[ttl_s]
        batch.append((kid, nonce, future))
        if len(batch) >= self._max_items:
            self._start(ttl_s, wait_s=0)
        elif ttl_s not in self._scheduled:
            self._start(ttl_s, wait_s=self._max_wait_s)
        return await future

    def _start(self, ttl_s: int, *, wait_s: float) -> None:
        self._scheduled.add(ttl_s)
        task = asyncio.get_running_loop().create_task(self._flush(ttl_s, wait_s))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _flush(self, ttl_s: int, wait_s: float) -> None:
        if wait_s:
            await asyncio.sleep(wait_s)
        self._scheduled.discard(ttl_s)
        batch = self._waiting.pop(ttl_s, [])
        if not batch:
            return
        first: dict[tuple[str, str], int] = {}
        for index, (kid, nonce, _) in enumerate(batch):
            first.setdefault((kid, nonce), index)
        self.statements += 1
        try:
            claimed = await claim_many(self._pool, list(first), ttl_s)
        except BaseException as err:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(err if isinstance(err, Exception) else RuntimeError())
            if not isinstance(err, Exception):
                raise
            return
        for index, (kid, nonce, future) in enumerate(batch):
            if not future.done():
                # A pair's later copies in the same batch are replays of the first.
                future.set_result(first[(kid, nonce)] == index and (kid, nonce) in claimed)
