"""Re-sealing personal parts under the current master key version, a batch per transaction."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from hub.privacy.envelope import Ciphertext, WrappedKey
from hub.privacy.sealed import SealedPersonal

Reseal = Callable[[str, SealedPersonal], SealedPersonal]


class PersonalKeyStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def count_below(self, version: int) -> int:
        """Readable parts still sealed under a version older than `version`."""
        return await self._pool.fetchval(  # type: ignore[no-any-return]
            "SELECT count(*) FROM personal_parts WHERE erased_at IS NULL AND key_version < $1",
            version,
        )

    async def reseal_below(self, version: int, limit: int, reseal: Reseal) -> int:
        """Re-seal up to `limit` parts sealed under a version older than `version`; returns how
        many. Rows another hub is re-sealing (or a writer holds) are skipped, not waited for."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """
                SELECT complaint_id, key_version, wrapped_data_key, nonce, ciphertext,
                       evidence_nonce, evidence_ciphertext, commitment
                FROM personal_parts
                WHERE erased_at IS NULL AND key_version < $1
                ORDER BY key_version, complaint_id
                LIMIT $2
                FOR UPDATE SKIP LOCKED
                """,
                version,
                limit,
            )
            updates = []
            for row in rows:
                sealed = SealedPersonal(
                    key=WrappedKey(bytes(row["wrapped_data_key"]), row["key_version"]),
                    personal=Ciphertext(bytes(row["nonce"]), bytes(row["ciphertext"])),
                    evidence=Ciphertext(
                        bytes(row["evidence_nonce"]), bytes(row["evidence_ciphertext"])
                    ),
                    commitment=row["commitment"],
                )
                new = reseal(row["complaint_id"], sealed)
                updates.append(
                    (
                        row["complaint_id"],
                        new.key.key_version,
                        new.key.wrapped,
                        new.personal.nonce,
                        new.personal.ciphertext,
                        new.evidence.nonce,
                        new.evidence.ciphertext,
                    )
                )
            # Neither revision nor updated_at moves: the part itself did not change, so neither a
            # writer's optimistic lock nor the retention period is disturbed.
            await conn.executemany(
                """
                UPDATE personal_parts SET key_version = $2, wrapped_data_key = $3, nonce = $4,
                    ciphertext = $5, evidence_nonce = $6, evidence_ciphertext = $7
                WHERE complaint_id = $1
                """,
                updates,
            )
        return len(rows)
