"""The audit log's cost: inclusion proofs at a million leaves; leaf appends beside event appends.

    python bench/audit.py [--leaves 1000000] [--proofs 2000] [--writers 50] [--appends 4000]
                          [--rounds 3] [--database-url URL]

1. A scratch database gets a tree of `--leaves` leaves built directly in SQL (generate_series,
   then one INSERT ... SELECT per level), not through the HTTP path; then `--proofs` inclusion
   and consistency proofs are read through AuditStore, each timed, and checked against the root.
2. The same EventStore group commit as bench/append.py, with the leaf append inside each group
   and without it (a second database, LeafLog.append_txn replaced by nothing), alternating
   rounds in the same run; and leaf appends alone, in transactions of the same group size.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from bench._pg import bench_database
from bench.append import _event
from hub.audit.merkle import ProofError, verify_consistency, verify_inclusion
from hub.store.audit import AuditStore, LeafLog
from hub.store.events import EventStore
from hub.store.migrate import migrate
from hub.store.pool import Conn, create_pool
from hub.supervisor import Supervisor
from hub.trust.signer import HubSigner

_BUILD_LEVELS = """
DO $$
DECLARE
    lvl   smallint := 0;
    added bigint;
BEGIN
    LOOP
        INSERT INTO audit_nodes (level, node_index, hash)
        SELECT lvl + 1, l.node_index / 2, sha256('\\x01'::bytea || l.hash || r.hash)
        FROM audit_nodes AS l
        JOIN audit_nodes AS r ON r.level = lvl AND r.node_index = l.node_index + 1
        WHERE l.level = lvl AND l.node_index % 2 = 0;
        GET DIAGNOSTICS added = ROW_COUNT;
        EXIT WHEN added = 0;
        lvl := lvl + 1;
    END LOOP;
END
$$;
"""


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def _scratch(server_url: str, name: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    url = _with_database(server_url, name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return url


def _ms(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms,"
        f" mean {statistics.fmean(ordered) * 1000:.3f} ms"
    )


async def proofs_at_scale(url: str, leaves: int, proofs: int) -> None:
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    await conn.execute(
        "INSERT INTO audit_nodes (level, node_index, hash)"
        " SELECT 0, i, sha256('\\x00'::bytea || int8send(i))"
        " FROM generate_series(0, $1::bigint - 1) AS i",
        leaves,
    )
    await conn.execute(_BUILD_LEVELS)
    await conn.execute("ANALYZE audit_nodes")
    rows = await conn.fetchval("SELECT count(*) FROM audit_nodes")
    await conn.close()
    print(
        f"built {leaves:,} leaves ({rows:,} stored nodes) in {time.perf_counter() - started:.1f} s"
    )
    pool = await create_pool(url, size=2)
    store = AuditStore(pool)
    root = await store.root(leaves)
    rng = random.Random(9162)
    inclusion: list[float] = []
    consistency: list[float] = []
    for _ in range(proofs):
        index = rng.randrange(leaves)
        t0 = time.perf_counter()
        leaf, path = await store.inclusion_path(index, leaves)
        inclusion.append(time.perf_counter() - t0)
        verify_inclusion(index, leaves, leaf, path, root)
        first = rng.randrange(1, leaves)
        t0 = time.perf_counter()
        consistency_path = await store.consistency_path(first, leaves)
        consistency.append(time.perf_counter() - t0)
        first_root = await store.root(first)
        try:
            verify_consistency(first, leaves, first_root, root, consistency_path)
        except ProofError as err:
            raise SystemExit(f"consistency proof {first}->{leaves} failed: {err}") from err
    await pool.close()
    print(f"inclusion proof at {leaves:,} leaves ({proofs} proofs):   {_ms(inclusion)}")
    print(f"consistency proof at {leaves:,} leaves ({proofs} proofs): {_ms(consistency)}")


async def _appends(url: str, *, label: str, writers: int, appends: int) -> float:
    pool = await create_pool(url, size=8)
    store = EventStore(pool, seal=HubSigner.ephemeral().seal, max_items=500, max_wait_s=0.002)
    supervisor = Supervisor()
    await store.start(supervisor)
    per_writer = appends // writers

    async def writer(number: int) -> None:
        complaint_id = f"{label}-{number}-{uuid.uuid4().hex[:6]}"
        for version in range(1, per_writer + 1):
            await store.append(_event(complaint_id, version))

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    elapsed = time.perf_counter() - started
    await store.close()
    await supervisor.close()
    await pool.close()
    return per_writer * writers / elapsed


async def _no_leaves(self: LeafLog, conn: Conn, size: int, leaves: Sequence[bytes]) -> None:
    return None


async def _leaf_rate(url: str, *, group: int, groups: int) -> float:
    """Leaves appended per second by append_leaves_txn alone, `group` per transaction."""
    pool = await create_pool(url, size=2)
    size = await AuditStore(pool).tree_size()
    leaf_log = LeafLog()
    leaves = [uuid.uuid4().bytes * 6 for _ in range(group)]
    started = time.perf_counter()
    async with pool.acquire() as conn:
        for _ in range(groups):
            async with conn.transaction():
                await leaf_log.append_txn(conn, size, leaves)
            size += group
    elapsed = time.perf_counter() - started
    await pool.close()
    return group * groups / elapsed


async def append_cost(server_url: str, *, writers: int, appends: int, rounds: int) -> None:
    with_log = await _scratch(server_url, "audit_bench_with_log")
    without_log = await _scratch(server_url, "audit_bench_without_log")
    leaves_only = await _scratch(server_url, "audit_bench_leaves")
    original = LeafLog.append_txn

    async def run(url: str, label: str, leaf_append: Callable[..., Awaitable[None]]) -> float:
        LeafLog.append_txn = leaf_append  # type: ignore[method-assign, assignment]
        try:
            return await _appends(url, label=label, writers=writers, appends=appends)
        finally:
            LeafLog.append_txn = original  # type: ignore[method-assign]

    await run(with_log, "warm", original)  # warm the server and the pools once
    await run(without_log, "warm", _no_leaves)
    rates_with, rates_without, leaf_rates = [], [], []
    for number in range(rounds):
        rates_with.append(await run(with_log, f"with-{number}", original))
        rates_without.append(await run(without_log, f"without-{number}", _no_leaves))
        leaf_rates.append(await _leaf_rate(leaves_only, group=writers, groups=appends // writers))
    with_rate = statistics.median(rates_with)
    without_rate = statistics.median(rates_without)
    leaf_rate = statistics.median(leaf_rates)
    print(f"writers={writers} appends={appends} rounds={rounds} (medians)")
    print(f"event appends, group commit, with the leaf append:    {with_rate:8.0f} /s")
    print(f"event appends, group commit, without it (same run):   {without_rate:8.0f} /s")
    print(f"leaf appends alone, {writers} per transaction:            {leaf_rate:8.0f} /s")
    print(
        f"the log's share of event append time:                 {1 - with_rate / without_rate:8.1%}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--appends", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="a PostgreSQL server's maintenance database URL")
    args = parser.parse_args()
    async with bench_database(args.database_url) as dsn:
        await proofs_at_scale(await _scratch(dsn, "audit_bench_1m"), args.leaves, args.proofs)
        await append_cost(dsn, writers=args.writers, appends=args.appends, rounds=args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
