"""Claiming many request nonces in one statement (hub/trust/nonces.py gathers them)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

# Committed without waiting for the WAL flush (`set_config(..., true)` holds for this statement's
# own transaction): one fsync per claim would cost more than the claim. Whatever a request makes
# durable is committed after its claim, and flushing that commit's WAL flushes the claim's too,
# so a crash can only forget claims of requests that left nothing behind.
_CLAIM_MANY = """
INSERT INTO request_nonces (kid, nonce, expires_at)
SELECT k, n, now() + make_interval(secs => $3) FROM unnest($1::text[], $2::text[]) AS u(k, n)
WHERE set_config('synchronous_commit', 'off', true) = 'off'
ON CONFLICT (kid, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
WHERE request_nonces.expires_at < now()
RETURNING kid, nonce
"""


async def claim_many(
    pool: asyncpg.Pool, pairs: Sequence[tuple[str, str]], ttl_s: int
) -> set[tuple[str, str]]:
    """The (kid, nonce) pairs claimed now: unseen, or seen but expired. The pairs must be
    distinct (one statement cannot update a row twice)."""
    rows = await pool.fetch(
        _CLAIM_MANY, [kid for kid, _ in pairs], [nonce for _, nonce in pairs], float(ttl_s)
    )
    return {(row["kid"], row["nonce"]) for row in rows}
