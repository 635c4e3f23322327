"""The highest position the read pool shows, for readers that wait on a streaming replica.

Positions are dense and commit in order, and a replica replays commits in that same order, so
what a replica shows is always a prefix 1..R of the primary's feed: a read there can lag, never
skip or reorder. The listener hears new positions from the primary; a reader woken by it waits
here until the replica has replayed past its cursor, instead of re-reading an empty page in a
loop. Concurrent waiters share one query.
"""

from __future__ import annotations

import asyncio

import asyncpg

from hub.store.feed import head_position

# Replay usually follows the primary's notice within a millisecond or two: look again soon, then
# less often, so a replica that lags for seconds costs a query every 20 ms, not a busy loop.
_FIRST_POLL_S = 0.001
_MAX_POLL_S = 0.02


class ReplayedHead:
    def __init__(self, read_pool: asyncpg.Pool, *, max_poll_s: float = _MAX_POLL_S) -> None:
        self._pool = read_pool
        self._max_poll_s = max_poll_s
        self._reading: asyncio.Future[int] | None = None

    async def read(self) -> int:
        """The replica's highest position, from one query shared by concurrent callers."""
        if self._reading is None or self._reading.done():
            self._reading = asyncio.ensure_future(head_position(self._pool))
            # Every waiter may be gone (clients hang up) before a failed read ends: its error
            # is theirs to report, not asyncio's "exception was never retrieved".
            self._reading.add_done_callback(_retrieve)
        return await asyncio.shield(self._reading)

    async def wait_beyond(
        self, position: int, timeout_s: float, *, abort: asyncio.Event | None = None
    ) -> bool:
        """Until the read pool shows a position above `position` (True), or timeout/abort."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        poll_s = _FIRST_POLL_S
        while await self.read() <= position:
            remaining = deadline - loop.time()
            if remaining <= 0 or (abort is not None and abort.is_set()):
                return False
            await asyncio.sleep(min(poll_s, remaining))
            poll_s = min(poll_s * 2, self._max_poll_s)
        return True


def _retrieve(future: asyncio.Future[int]) -> None:
    if not future.cancelled():
        future.exception()
