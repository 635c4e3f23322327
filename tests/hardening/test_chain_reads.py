"""Reading a chain costs what the case has: the evidence count is found through an index."""

from __future__ import annotations

import asyncpg

from hub.store.complaints import CHAIN_QUERY


async def test_the_evidence_count_of_a_chain_read_uses_the_evidence_index(
    db: asyncpg.Connection,
) -> None:
    # Planned as it would be on a big table: no sequential scan may stand in for the index.
    await db.execute("SET enable_seqscan = off")
    plan = "\n".join(r[0] for r in await db.fetch("EXPLAIN " + CHAIN_QUERY, "bureau.hz:C1"))
    # `events` is partitioned by month: each month's copy of events_evidence is named for it.
    assert "_evidence_id_complaint_id_idx" in plan, plan
    assert "Seq Scan on events" not in plan, plan
