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
    assert "events_evidence" in plan, plan
    assert "Seq Scan on events" not in plan, plan
