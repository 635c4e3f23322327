"""Reading complaints: snapshots, chains with evidence, lists filtered by the reader's rights.

Reports (举报) share the table (`kind` = 'report'), and are listed only to their own readers.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from hub.domain.visibility import Readable
from hub.privacy.envelope import Ciphertext, WrappedKey
from hub.store.evidence import EvidenceSeal


@dataclasses.dataclass(frozen=True)
class ComplaintFilters:
    status: str | None = None
    respondent_platform: str | None = None
    region: str | None = None
    category: str | None = None
    updated_after: datetime | None = None


@dataclasses.dataclass(frozen=True)
class StoredSnapshot:
    complaint_id: str
    state: dict[str, Any]
    public: dict[str, Any]
    updated_at: datetime


@dataclasses.dataclass(frozen=True)
class ChainEvent:
    position: int
    body: bytes
    actor: str
    accepted_at: datetime
    receipt: str | None
    flags: dict[str, Any]
    evidence: dict[str, Any] | None
    evidence_complaints: int  # how many complaints the same signed message touched
    # A native message's evidence is sealed (it names the buyer); None also once erased.
    seal: EvidenceSeal | None = None


# A case's events with their evidence, and for each signed message how many complaints it
# touched. The count looks the message up through the index on events.evidence_id (migration
# 0013), so a chain read costs what the case has, not the number of events ever stored.
# `events` is partitioned by month (migration 0020): the case's keys bound the months its events
# are in, and an evidence row is written in the transaction of its events, so every event that
# shares it has the same accepted_at, and the count reads that one month.
CHAIN_QUERY = """
WITH span AS (
    SELECT min(accepted_at) AS lo, max(accepted_at) AS hi FROM event_keys WHERE complaint_id = $1
)
SELECT e.position, e.body, e.actor, e.accepted_at, e.receipt, e.flags::text AS flags,
       v.sender, v.kid, v.body AS evidence_body, v.signature_input, v.signature,
       v.covered::text AS covered, v.received_at, v.sealed, v.sha256 AS evidence_sha256,
       s.complaint_id AS seal_complaint_id, s.key_version AS seal_key_version,
       s.wrapped_data_key AS seal_key, s.nonce AS seal_nonce, s.ciphertext AS seal_ciphertext,
       (SELECT count(DISTINCT o.complaint_id) FROM events o
        WHERE o.evidence_id = e.evidence_id AND o.accepted_at = e.accepted_at)
           AS evidence_complaints
FROM events e LEFT JOIN evidence v USING (evidence_id)
LEFT JOIN native_evidence_seals s ON s.evidence_id = e.evidence_id AND s.erased_at IS NULL
WHERE e.complaint_id = $1
  AND e.accepted_at >= (SELECT lo FROM span) AND e.accepted_at <= (SELECT hi FROM span)
ORDER BY e.version
"""


# A list of chains as one reader may see them: each kind's clause applies, column for field, the
# values `hub.domain.visibility.readable_by` gave for that reader (ReadableCases.includes and
# ReadableReports.includes say the same of one snapshot). A NULL value matches no row.
LIST_QUERY = """
SELECT complaint_id, snapshot::text AS snapshot, updated_at FROM complaints
WHERE (
    (kind = 'complaint'
     AND ($1 OR filer = $2 OR respondent_platform = $3
          OR handling_bureau = $4 OR former_bureaus ? $4 OR region LIKE ANY($5::text[])
          OR mediator = $6 OR court = $7))
    OR (kind = 'report'
        AND ($8 OR filer = $9 OR enforcement = $10 OR region LIKE ANY($11::text[])))
)
  AND ($12::text IS NULL OR status = $12)
  AND ($13::text IS NULL OR respondent_platform = $13)
  AND ($14::text IS NULL OR region LIKE $14 || '%')
  AND ($15::text IS NULL OR category_level1 = $15)
  AND ($16::timestamptz IS NULL OR updated_at > $16)
  AND ($17::timestamptz IS NULL OR (updated_at, complaint_id) > ($17, $18))
ORDER BY updated_at, complaint_id
LIMIT $19
"""


def _snapshot(row: asyncpg.Record) -> StoredSnapshot:
    snapshot = orjson.loads(row["snapshot"])
    return StoredSnapshot(
        row["complaint_id"], snapshot["state"], snapshot["public"], row["updated_at"]
    )


def _seal(row: asyncpg.Record) -> EvidenceSeal | None:
    if row["seal_key"] is None:
        return None
    return EvidenceSeal(
        row["seal_complaint_id"],
        WrappedKey(bytes(row["seal_key"]), row["seal_key_version"]),
        Ciphertext(bytes(row["seal_nonce"]), bytes(row["seal_ciphertext"])),
        bytes(row["evidence_sha256"]),
    )


class ComplaintStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get(self, complaint_id: str) -> StoredSnapshot | None:
        row = await self._pool.fetchrow(
            "SELECT complaint_id, snapshot::text AS snapshot, updated_at FROM complaints"
            " WHERE complaint_id = $1",
            complaint_id,
        )
        return _snapshot(row) if row else None

    async def chain(self, complaint_id: str) -> list[ChainEvent]:
        rows = await self._pool.fetch(CHAIN_QUERY, complaint_id)
        chain = []
        for r in rows:
            evidence = None
            if r["sender"] is not None:
                evidence = {
                    "sender": r["sender"],
                    "kid": r["kid"],
                    "body": bytes(r["evidence_body"]).decode(),
                    "signature_input": r["signature_input"],
                    "signature": r["signature"],
                    "covered": orjson.loads(r["covered"]),
                    "received_at": r["received_at"],
                }
                if r["sealed"]:
                    evidence["sealed"] = True
            chain.append(
                ChainEvent(
                    r["position"],
                    bytes(r["body"]),
                    r["actor"],
                    r["accepted_at"],
                    r["receipt"],
                    orjson.loads(r["flags"]),
                    evidence,
                    r["evidence_complaints"],
                    _seal(r),
                )
            )
        return chain

    async def list(
        self,
        readable: Readable,
        filters: ComplaintFilters,
        *,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> tuple[list[StoredSnapshot], bool]:
        """The chains `readable` lets its reader read, ordered by (updated_at, complaint_id);
        `after` is the exclusive keyset cursor."""
        cases, reports = readable.cases, readable.reports
        rows = await self._pool.fetch(
            LIST_QUERY,
            cases.everything,
            cases.filed_by,
            cases.respondent,
            cases.bureau,
            [_prefix_pattern(p) for p in cases.region_prefixes],
            cases.mediator,
            cases.court,
            reports.everything,
            reports.received_by,
            reports.handed_to,
            [_prefix_pattern(p) for p in reports.region_prefixes],
            filters.status,
            filters.respondent_platform,
            filters.region,
            filters.category,
            filters.updated_after,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        return [_snapshot(r) for r in rows[:limit]], len(rows) > limit


def _prefix_pattern(prefix: str) -> str:
    """A LIKE pattern for the values that start with `prefix`, as str.startswith says."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
