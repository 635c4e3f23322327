"""Failed operator logins, counted for every hub process together (hub/ops/page/auth.py decides
what the counts mean): per operator name and client address, and per name from every address.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

import asyncpg

# The address of a name's count from every address; no client address is spelt so.
EVERY_ADDRESS = "*"

# The name's rows are made if missing, then locked, each time in one order ('*' sorts before
# every address, so two attempts never deadlock): concurrent attempts at one name, in any
# process, are decided one after another, and a guesser sending a hundred at once still meets
# the wait after the free ones.
_ENSURE = """
INSERT INTO ops_login_failures (name, address, failures, last_failed_at)
VALUES ($1, $3, 0, '-infinity'), ($1, $2, 0, '-infinity')
ON CONFLICT (name, address) DO NOTHING
"""
# A count whose last failure is older than $4 is forgotten: it reads, and restarts, as none.
_LOCK = """
SELECT address,
       CASE WHEN last_failed_at > $4 THEN failures ELSE 0 END AS failures,
       last_failed_at
FROM ops_login_failures
WHERE name = $1 AND address IN ($2, $3)
ORDER BY address
FOR UPDATE
"""
_COUNT = """
UPDATE ops_login_failures
SET failures = CASE WHEN last_failed_at > $4 THEN failures + 1 ELSE 1 END, last_failed_at = $5
WHERE name = $1 AND address IN ($2, $3)
"""


@dataclasses.dataclass(frozen=True)
class LoginFailures:
    address: str  # the client's, or EVERY_ADDRESS
    failures: int  # within the forgetting period
    last_failed_at: datetime


class LoginFailureStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim_attempt(
        self,
        name: str,
        address: str,
        at: datetime,
        forgotten_before: datetime,
        wait_s: Callable[[LoginFailures], float],
    ) -> float:
        """Decide an attempt at `name` from `address`: `wait_s` says how long each of its two
        counts must still wait. When neither must, the attempt is counted as a failure in both
        before the password is even checked (a right password then clears them), and 0.0 is
        returned; else the longer wait, and nothing is counted."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_ENSURE, name, address, EVERY_ADDRESS)
            rows = await conn.fetch(_LOCK, name, address, EVERY_ADDRESS, forgotten_before)
            longest_s = max(
                wait_s(LoginFailures(r["address"], r["failures"], r["last_failed_at"]))
                for r in rows
            )
            if longest_s > 0:
                return longest_s
            await conn.execute(_COUNT, name, address, EVERY_ADDRESS, forgotten_before, at)
            return 0.0

    async def clear(self, name: str, address: str) -> None:
        """The name logged in from the address: its count there, and from everywhere, restart."""
        await self._pool.execute(
            "DELETE FROM ops_login_failures WHERE name = $1 AND address IN ($2, $3)",
            name,
            address,
            EVERY_ADDRESS,
        )

    async def purge(self, forgotten_before: datetime) -> int:
        status = await self._pool.execute(
            "DELETE FROM ops_login_failures WHERE last_failed_at <= $1", forgotten_before
        )
        return int(status.split()[-1])
