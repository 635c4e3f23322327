"""The participants' shared token buckets: one row each, leased from in blocks by every process.

The statement repeats the pure rule of `hub.http.ratelimit.lease` (refill since the bucket was
last touched, up to the burst; take whole tokens, at most a block) so that a lease is one round
trip; tests/hardening/test_shared_ratelimit.py holds the two together over every case.
"""

from __future__ import annotations

import dataclasses

import asyncpg

# `refilled` is spelt out in each SET expression: they all read the row as it was before this
# statement, and (under READ COMMITTED) as the latest concurrent lease left it, so two processes
# leasing at once are serialised on the row and neither takes a token the other took.
# The commit does not wait for the WAL flush (`set_config(..., true)` holds for this statement's
# own transaction): a lease lost in a crash loses at most one block of tokens, and a flush per
# lease would cost more than the lease.
_REFILLED = "least($4::float8, tokens + greatest(0.0, $2::float8 - updated_s) * $3::float8)"
_LEASE = f"""
UPDATE rate_buckets
SET tokens = {_REFILLED} - least($5::int, floor({_REFILLED})::int),
    granted = least($5::int, floor({_REFILLED})::int),
    updated_s = greatest(updated_s, $2::float8)
WHERE participant = $1 AND set_config('synchronous_commit', 'off', true) = 'off'
RETURNING granted, tokens
"""
# A participant's first lease at this database: its bucket starts full.
_CREATE = """
INSERT INTO rate_buckets (participant, tokens, updated_s, granted) VALUES ($1, $2, $3, 0)
ON CONFLICT (participant) DO NOTHING
"""


@dataclasses.dataclass(frozen=True, slots=True)
class Lease:
    granted: int  # whole tokens taken for the leasing process, 0..block
    tokens: float  # what the bucket holds after: with none granted, how far to the next token


class RateBucketStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def lease(
        self, participant_id: str, now_s: float, per_s: float, burst: int, block: int
    ) -> Lease:
        """Up to `block` tokens from the participant's bucket at `now_s`, refilled first."""
        args = (participant_id, now_s, per_s, float(burst), block)
        row = await self._pool.fetchrow(_LEASE, *args)
        if row is None:
            await self._pool.execute(_CREATE, participant_id, float(burst), now_s)
            row = await self._pool.fetchrow(_LEASE, *args)
            if row is None:  # the row was just made and is never deleted
                raise RuntimeError(f"no rate bucket for {participant_id}")
        return Lease(row["granted"], row["tokens"])
