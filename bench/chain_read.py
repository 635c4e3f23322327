"""Reading one complaint's chain at a million stored events, with and without the evidence index.

    python bench/chain_read.py [--events 1000000] [--per-case 8] [--batch-every 50]
                               [--reads 200] [--database-url URL]

A scratch database gets `--events` events built directly in SQL (generate_series), `--per-case`
per complaint, each with its own signed message (evidence) except that every `--batch-every`th
complaint shares one message across its events and the next complaint's (as a batch would). Then
`--reads` random chains are read with the query ComplaintStore.chain uses (hub.store.complaints),
then `--old-reads` of them as before migration 0013: the same query without the index on
events.evidence_id (dropped inside a transaction that is rolled back). Medians and p95 in
milliseconds, both from the same run and the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from bench._pg import bench_database
from hub.store.complaints import CHAIN_QUERY

_BUILD = """
INSERT INTO evidence (sha256, sender, kid, body, signature_input, signature, covered, received_at)
OVERRIDING SYSTEM VALUE
SELECT sha256(int8send(g)), 'bureau.hz', 'bureau.hz-k1', convert_to('{"n":' || g || '}', 'UTF8'),
       'sig=("@method");created=1', 'sig=:AAAA:', '{"@method": "POST"}'::jsonb, now()
FROM generate_series(1, $1::bigint) AS g;

INSERT INTO events (position, event_id, complaint_id, version, type, actor, occurred_at,
                    accepted_at, body, event_sha256, evidence_id, evidence_sha256, flags, receipt)
SELECT g,
       md5(g::text)::uuid::text,
       'bureau.hz:C' || ((g - 1) / $2),
       ((g - 1) % $2) + 1,
       CASE WHEN (g - 1) % $2 = 0 THEN 'complaint.filed' ELSE 'case.note_added' END,
       'bureau.hz', now(), now(),
       convert_to('{"position":' || g || '}', 'UTF8'),
       sha256(int8send(g)),
       -- every batch_every-th complaint and the next share one message (one batch)
       CASE WHEN ((g - 1) / $2) % $3 IN (0, 1) THEN ((g - 1) / ($2 * 2)) * ($2 * 2) + 1 ELSE g END,
       sha256(int8send(g)), '{}'::jsonb, 'receipt'
FROM generate_series(1, $1::bigint) AS g;

INSERT INTO complaints (complaint_id, version, status, snapshot, created_at, updated_at,
                        last_position)
SELECT 'bureau.hz:C' || c, $2, 'filed', '{"state": {}, "public": {}}'::jsonb, now(), now(),
       (c + 1) * $2
FROM generate_series(0, ($1::bigint - 1) / $2) AS c;

UPDATE feed_counter SET last = $1;
"""


async def _build(conn: asyncpg.Connection, events: int, per_case: int, batch_every: int) -> None:
    started = time.perf_counter()
    async with conn.transaction():
        for statement in filter(str.strip, _BUILD.split(";\n")):
            args = [
                a for n, a in ((1, events), (2, per_case), (3, batch_every)) if f"${n}" in statement
            ]
            await conn.execute(statement, *args)
    await conn.execute("ANALYZE events")
    await conn.execute("ANALYZE evidence")
    print(f"built {events} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)


async def _time_reads(conn: asyncpg.Connection, ids: list[str]) -> list[float]:
    timings = []
    for complaint_id in ids:
        started = time.perf_counter()
        rows = await conn.fetch(CHAIN_QUERY, complaint_id)
        timings.append((time.perf_counter() - started) * 1000)
        assert rows, complaint_id
    return timings


def _summary(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"{name:<38} median {statistics.median(ordered):8.3f} ms   p95 {p95:8.3f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-case", type=int, default=8)
    parser.add_argument("--batch-every", type=int, default=50)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--old-reads", type=int, default=20, help="reads without the index")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    async with bench_database(args.database_url) as url:
        conn = await asyncpg.connect(url)
        try:
            await _build(conn, args.events, args.per_case, args.batch_every)
            cases = args.events // args.per_case
            rng = random.Random(7)
            ids = [f"bureau.hz:C{rng.randrange(cases)}" for _ in range(args.reads)]
            print(f"{args.events} events, {cases} complaints, {args.per_case} events per chain")
            print(_summary("chain read (index on evidence_id)", await _time_reads(conn, ids)))
            tr = conn.transaction()
            await tr.start()
            try:
                await conn.execute("DROP INDEX events_evidence")
                old = await _time_reads(conn, ids[: args.old_reads])
                print(_summary("chain read before (no index)", old))
            finally:
                await tr.rollback()
        finally:
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
