"""A jurisdiction's statistics report from the rollup, beside the same report by a full scan.

    python bench/stats.py [--events 10000000] [--queries 50] [--database-url URL]

A scratch database gets `--events` events (eight per complaint: filed, ..., resolved, ...; one
year, 30 districts of 3 cities, 15 platforms) and the matching rollup rows (months and days, the
total and two breakdowns), both generated in SQL with generate_series, not through the HTTP path.
Then a district bureau's annual report (group_by=month,district,platform: every month by
platform, suppression decided on the whole grid) is read through StatsService `--queries` times,
and the same figures once more by scanning the events; both answers are compared.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from bench._pg import bench_database
from hub.domain.roles import Actor, Role
from hub.domain.stats_query import parse_query
from hub.domain.stats_scope import stats_scope
from hub.stats.service import StatsService
from hub.store.pool import create_pool
from hub.store.stats import StatsStore

DISTRICT = "330106"

# One complaint per c in 0..n-1, every field a function of c (the same in both tables).
_COMPLAINTS = """
CREATE UNLOGGED TABLE bench_complaints AS
SELECT c,
       (ARRAY['3301','3302','3303'])[1 + (c / 10) % 3]
           || lpad((1 + c % 10)::text, 2, '0') AS region,
       (ARRAY['taobao','tmall','jd','pinduoduo','douyin','kuaishou','vipshop','suning',
              'meituan','dangdang','xianyu','xiaohongshu','dewu','jumei','yanxuan'])
           [1 + (c / 30) % 15] AS platform,
       DATE '2026-01-01' + ((c * 13) % 365)::int AS received_on,
       (ARRAY['after_sales','quality','contract','false_advertising','price','safety',
              'counterfeit','personal_dignity','measurement','personal_information','other'])
           [1 + (c / 7) % 11] AS category1,
       c % 4 <> 0 AS resolved,
       (c % 60)::int AS resolve_days,
       (c % 1000) * 100 AS amount_fen,
       1000 + (c % 5000) * 10 AS claimed_fen
FROM generate_series(0, {count} - 1) AS c
"""

_EVENTS = """
CREATE UNLOGGED TABLE bench_events AS
SELECT e + 1 AS position,
       'C' || (e / 8) AS complaint_id,
       CASE WHEN e % 8 = 6 AND NOT b.resolved THEN 'case.note_added'
            ELSE (ARRAY['complaint.filed','complaint.accepted','complaint.routed',
                        'complaint.acknowledged','complaint.offer_made',
                        'complaint.offer_answered','complaint.resolved','complaint.confirmed'])
                 [1 + e % 8] END AS type,
       CASE e % 8
           WHEN 0 THEN jsonb_build_object('data', jsonb_build_object(
               'region', b.region, 'received_at', b.received_on::text || 'T10:00:00+08:00',
               'respondent', jsonb_build_object('platform', b.platform),
               'category', jsonb_build_object('level1', b.category1),
               'demand', jsonb_build_object('amount_fen', b.claimed_fen)))
           WHEN 6 THEN jsonb_build_object('data', jsonb_build_object(
               'amount_fen', b.amount_fen, 'resolution', 'refund'))
           ELSE jsonb_build_object('data', '{}'::jsonb) END AS body,
       (b.received_on + CASE WHEN e % 8 = 6 THEN b.resolve_days ELSE (e % 8)::int END)::timestamptz
           AS occurred_at
FROM generate_series(0, {count} - 1) AS e
JOIN bench_complaints AS b ON b.c = e / 8
"""

# The rollup rows these complaints make: per (grain, dim) a GROUP BY of the same table.
_ROLLUP = """
INSERT INTO stats_rollup (kind, grain, dim, period_start, region, platform, value, filed,
                          accepted, resolved, claimed_fen, recovered_fen, within_deadline,
                          resolve_days)
SELECT 'complaint', $1, $2, period_start, region, platform, value, sum(n), sum(n), sum(r),
       sum(claimed), sum(recovered), sum(r),
       coalesce(jsonb_object_agg(d, r) FILTER (WHERE r > 0), '{}'::jsonb)
FROM (
    SELECT CASE WHEN $1 = 'month' THEN date_trunc('month', received_on)::date
                ELSE received_on END AS period_start,
           region, platform,
           CASE $2 WHEN '*' THEN '*' WHEN 'category1' THEN category1
                   ELSE CASE WHEN resolved THEN 'confirmed' ELSE 'acknowledged' END END AS value,
           resolve_days AS d,
           count(*) AS n, count(*) FILTER (WHERE resolved) AS r,
           sum(claimed_fen) AS claimed,
           coalesce(sum(amount_fen) FILTER (WHERE resolved), 0) AS recovered
    FROM bench_complaints GROUP BY 1, 2, 3, 4, 5
) AS per_day_count
GROUP BY period_start, region, platform, value
"""

_FULL_SCAN = """
WITH filed AS (
    SELECT complaint_id, body #>> '{data,respondent,platform}' AS platform,
           date_trunc('month', (body #>> '{data,received_at}')::timestamptz
                      AT TIME ZONE 'Asia/Shanghai')::date AS month,
           (body #>> '{data,demand,amount_fen}')::bigint AS claimed
    FROM bench_events
    WHERE type = 'complaint.filed' AND body #>> '{data,region}' = $1
), resolved AS (
    SELECT complaint_id, (body #>> '{data,amount_fen}')::bigint AS amount
    FROM bench_events WHERE type = 'complaint.resolved'
)
SELECT month, platform, count(*) AS filed, count(r.complaint_id) AS resolved,
       coalesce(sum(r.amount), 0) AS recovered, sum(claimed) AS claimed
FROM filed LEFT JOIN resolved AS r USING (complaint_id)
GROUP BY month, platform
"""


async def _build(conn: asyncpg.Connection, events: int) -> None:
    complaints = events // 8
    started = time.perf_counter()
    await conn.execute("SET max_parallel_workers_per_gather = 2")
    # utility statements take no parameters: the counts are integers formatted in
    await conn.execute(_COMPLAINTS.replace("{count}", str(int(complaints))))
    await conn.execute("CREATE INDEX ON bench_complaints (c)")
    await conn.execute(_EVENTS.replace("{count}", str(int(complaints) * 8)))
    for grain, dim in (
        ("month", "*"), ("month", "category1"), ("month", "status"),
        ("day", "*"), ("day", "status"),
    ):  # fmt: skip
        await conn.execute(_ROLLUP, grain, dim)
    await conn.execute("VACUUM ANALYZE bench_events")
    await conn.execute("VACUUM ANALYZE stats_rollup")
    rows = await conn.fetchval("SELECT count(*) FROM stats_rollup")
    print(
        f"generated {complaints * 8:,} events ({complaints:,} complaints) and {rows:,} rollup "
        f"rows in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


async def run(args: argparse.Namespace) -> None:
    async with bench_database(args.database_url) as dsn:
        conn = await asyncpg.connect(dsn)
        try:
            await _build(conn, args.events)
        finally:
            await conn.close()
        pool = await create_pool(dsn, size=4)
        try:
            service = StatsService(StatsStore(pool), threshold=5)
            scope = stats_scope(Actor("bureau.hz.xihu", Role.BUREAU, regions=(DISTRICT,)))
            params = {"group_by": "month,district,platform", "from": "2026-01-01",
                      "to": "2026-12-31"}  # fmt: skip
            query = parse_query(params, scope, dt.date(2026, 12, 31))
            timings = []
            result = None
            for _ in range(args.queries):
                started = time.perf_counter()
                result = await service.query(query, scope)
                timings.append((time.perf_counter() - started) * 1000)
            assert result is not None
            scans = []
            rows: list[asyncpg.Record] = []
            for _ in range(args.scans):
                started = time.perf_counter()
                rows = await pool.fetch(_FULL_SCAN, DISTRICT)
                scans.append((time.perf_counter() - started) * 1000)
        finally:
            await pool.close()
    scanned = {(r["month"].isoformat(), r["platform"]): r for r in rows}
    cells = {(c["period_start"], c["platform"]): c for c in result.cells}
    same = set(scanned) == set(cells) and all(
        c["suppressed"]
        or (c["complaints_filed"], c["complaints_resolved"], c["amount_recovered_fen"])
        == (scanned[k]["filed"], scanned[k]["resolved"], scanned[k]["recovered"])
        for k, c in cells.items()
    )
    timings.sort()
    print(
        f"jurisdiction report ({len(result.cells)} cells, {args.events:,} events): rollup "
        f"median {statistics.median(timings):.1f} ms, p95 "
        f"{timings[int(0.95 * (len(timings) - 1))]:.1f} ms over {args.queries} queries; "
        f"full scan of the events {statistics.median(scans):.0f} ms; "
        f"figures {'match' if same else 'DIFFER'}"
    )
    if not same:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--scans", type=int, default=1)
    parser.add_argument("--database-url", help="a migrated scratch database (default: embedded)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
