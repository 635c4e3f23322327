"""Expired personal parts, and their erasure with its record (table `erasures`)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg

# A part's period runs from its complaint's last change; a part written but never filed (no
# complaint row) counts from its own last write. A complaint's sealed native evidence (migration
# 0024) expires with it, also where no personal part was ever written.
_EXPIRED = """
SELECT p.complaint_id, coalesce(c.updated_at, p.updated_at) AS last_changed_at
FROM (
    SELECT complaint_id, max(updated_at) AS updated_at
    FROM (SELECT complaint_id, updated_at FROM personal_parts WHERE erased_at IS NULL
          UNION ALL
          SELECT complaint_id, sealed_at FROM native_evidence_seals WHERE erased_at IS NULL) AS r
    GROUP BY complaint_id
) AS p LEFT JOIN complaints c USING (complaint_id)
WHERE coalesce(c.updated_at, p.updated_at) < $1
"""


# The signed messages that carried an expired complaint's records. A pulled page names the buyers
# of every record it answered and is sealed once for each complaint it reached: every copy goes
# with the first of them to expire. A message is named by its sender and signature parameters
# (their nonce and creation time), which are kept in the clear and indexed (migration 0024).
_MESSAGES_OF_DUE = """
SELECT m.sender, m.signature_input
FROM native_evidence_seals d JOIN evidence m USING (evidence_id)
WHERE d.complaint_id IN (SELECT complaint_id FROM due) AND m.sealed
"""


@dataclasses.dataclass(frozen=True)
class Expired:
    complaint_id: str
    last_changed_at: datetime


@dataclasses.dataclass(frozen=True)
class Erasure:
    complaint_id: str
    last_changed_at: datetime
    erased_at: datetime


class RetentionStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def count_expired(self, cutoff: datetime) -> int:
        return await self._pool.fetchval(  # type: ignore[no-any-return]
            f"SELECT count(*) FROM ({_EXPIRED}) AS expired", cutoff
        )

    async def expired(self, cutoff: datetime, *, after: str, limit: int) -> list[Expired]:
        """One page of expired parts in complaint id order, those after `after` (exclusive)."""
        rows = await self._pool.fetch(
            f"{_EXPIRED} AND p.complaint_id > $2 ORDER BY p.complaint_id LIMIT $3",
            cutoff,
            after,
            limit,
        )
        return [Expired(r["complaint_id"], r["last_changed_at"]) for r in rows]

    async def erase_expired(
        self,
        complaint_ids: Sequence[str],
        cutoff: datetime,
        *,
        erased_at: datetime,
        retention_years: int,
        run_id: uuid.UUID,
    ) -> list[Erasure]:
        """Erase those of `complaint_ids` that are still expired, and record each erasure, in one
        transaction: an interrupted run erases a whole batch or none of it."""
        async with self._pool.acquire() as conn, conn.transaction():
            # A complaint that gets an event now is no longer expired: its case row is locked in
            # id order (as group commit locks them), and expiry is checked again under that lock.
            await conn.execute(
                "SELECT 1 FROM complaints WHERE complaint_id = ANY($1::text[])"
                " ORDER BY complaint_id FOR SHARE",
                list(complaint_ids),
            )
            rows = await conn.fetch(
                f"""
                WITH due AS (
                    {_EXPIRED} AND p.complaint_id = ANY($2::text[])
                ), parts AS (
                    UPDATE personal_parts p
                    SET wrapped_data_key = NULL, nonce = NULL, ciphertext = NULL,
                        evidence_nonce = NULL, evidence_ciphertext = NULL,
                        erased_at = $3, updated_at = $3
                    FROM due
                    WHERE p.complaint_id = due.complaint_id AND p.erased_at IS NULL
                    RETURNING p.complaint_id
                ), seals AS (
                    UPDATE native_evidence_seals s
                    SET wrapped_data_key = NULL, nonce = NULL, ciphertext = NULL, erased_at = $3
                    FROM evidence v
                    WHERE v.evidence_id = s.evidence_id AND s.erased_at IS NULL AND v.sealed
                      AND (v.sender, v.signature_input) IN ({_MESSAGES_OF_DUE})
                    RETURNING s.complaint_id
                )
                INSERT INTO erasures (complaint_id, erased_at, reason, last_changed_at,
                                      retention_years, run_id)
                SELECT complaint_id, $3, 'retention', last_changed_at, $4, $5
                FROM due
                WHERE complaint_id IN (SELECT complaint_id FROM parts
                                       UNION SELECT complaint_id FROM seals)
                -- Evidence sealed after an earlier erasure (a late native message) is erased
                -- in a later run: the record names the latest.
                ON CONFLICT (complaint_id) DO UPDATE
                SET erased_at = excluded.erased_at, last_changed_at = excluded.last_changed_at,
                    retention_years = excluded.retention_years, run_id = excluded.run_id
                RETURNING complaint_id, last_changed_at, erased_at
                """,
                cutoff,
                list(complaint_ids),
                erased_at,
                retention_years,
                run_id,
            )
        return sorted(
            (Erasure(r["complaint_id"], r["last_changed_at"], r["erased_at"]) for r in rows),
            key=lambda e: e.complaint_id,
        )

    async def erasures(self, run_id: uuid.UUID | None = None) -> list[Erasure]:
        rows = await self._pool.fetch(
            "SELECT complaint_id, last_changed_at, erased_at FROM erasures"
            " WHERE $1::uuid IS NULL OR run_id = $1 ORDER BY complaint_id",
            run_id,
        )
        return [Erasure(r["complaint_id"], r["last_changed_at"], r["erased_at"]) for r in rows]
