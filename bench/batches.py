"""Batches of signed events pushed over HTTP into a running hub, beside the same run's raw
PostgreSQL COPY rate into an equivalent table.

    python bench/batches.py [--batches 40] [--size 500] [--concurrency 4] [--workers N]
                            [--profile batches.txt]

Starts `complaint-hub serve --workers N` (bench/push.py's hub process) on a fresh database of
one embedded PostgreSQL, enrols a bureau with a real Ed25519 key, signs every batch (RFC 9421,
one signature per batch over `{"events": [...]}` of distinct complaint.filed events) before the
clock starts, and keeps `--concurrency` batches in flight (four by default: the kernel spreads
connections over the workers by hash, and two could land on one). Every item must be accepted.

The ceiling, measured right after on the same server: the same number of rows, of the same
sizes (canonical body, digests, a batch item receipt's length), COPYed by asyncpg into a table
made `LIKE events INCLUDING ALL` (its columns, primary key, unique and other indexes, without
the append-only triggers or foreign keys), `--size` rows per transaction from as many
connections as batches were in flight. The ratio is the hub's share of that rate. For scale,
`--singles` distinct filings then go through the same hub one per request (`POST /v1/events`,
64 in flight), and the batch rate is printed against theirs too. `--profile FILE` samples every
hub process with py-spy while the batches run (collapsed stacks; summarise them with
`python bench/profile_summary.py FILE --match hub/`).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._pg import bench_database  # noqa: E402
from bench._report import emit  # noqa: E402
from bench.push import _postmaster_pid, _profiled, _tree_cpu_seconds, hub_process  # noqa: E402
from hub.store.batches import EVENT_COLUMNS  # noqa: E402

EXAMPLES = REPO / "schemas" / "examples"
BUREAU = "bureau.hz"
KID = "bench-batches"


def _filing(run: str, number: int) -> dict[str, Any]:
    import orjson

    document: dict[str, Any] = orjson.loads((EXAMPLES / "complaint.filed.json").read_bytes())
    document.update(
        event_id=str(uuid.uuid4()), complaint_id=f"{BUREAU}:BATCH-{run}-{number:08d}", version=1
    )
    return document


async def _enrol(url: str, public_key: bytes) -> None:
    import asyncpg

    from hub.store.participants import Participant, ParticipantStore

    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        store = ParticipantStore(pool)
        bureau = Participant(BUREAU, "Hangzhou AMR", "bureau", None, ("330100",), None, True)
        await store.add(bureau)
        await store.add_key(BUREAU, KID, public_key)
    finally:
        await pool.close()


def _signed_batches(
    url: str, key: Any, batches: int, size: int
) -> list[tuple[bytes, dict[str, str]]]:
    import orjson

    from hub.crypto.httpsig import sign_request

    run = uuid.uuid4().hex[:8]
    signed = []
    for b in range(batches):
        body = orjson.dumps({"events": [_filing(run, b * size + i) for i in range(size)]})
        headers = {"Content-Type": "application/json"}
        headers.update(
            sign_request("POST", url + "/v1/batches", headers, body, private_key=key, kid=KID)
        )
        signed.append((body, headers))
    return signed


def _signed_singles(url: str, key: Any, count: int) -> list[tuple[bytes, dict[str, str]]]:
    import orjson

    from hub.crypto.httpsig import sign_request

    run = uuid.uuid4().hex[:8]
    signed = []
    for number in range(count):
        body = orjson.dumps(_filing(run, number))
        headers = {"Content-Type": "application/json"}
        headers.update(
            sign_request("POST", url + "/v1/events", headers, body, private_key=key, kid=KID)
        )
        signed.append((body, headers))
    return signed


async def _push_singles(
    url: str, signed: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> float:
    """Events per second for single signed filings, `concurrency` in flight."""
    import aiohttp

    queue = list(reversed(signed))

    async def worker(session: aiohttp.ClientSession) -> None:
        while queue:
            body, headers = queue.pop()
            async with session.post(url + "/v1/events", data=body, headers=headers) as response:
                await response.read()
                if response.status != 201:
                    raise RuntimeError(f"event refused: {response.status}")

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return len(signed) / (time.perf_counter() - started)


async def _push(
    url: str, signed: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> tuple[float, int, list[float]]:
    """Seconds for every batch, items accepted, and each batch's latency in ms."""
    import aiohttp
    import orjson

    queue = list(reversed(signed))
    accepted = 0
    latencies: list[float] = []

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal accepted
        while queue:
            body, headers = queue.pop()
            started = time.perf_counter()
            async with session.post(url + "/v1/batches", data=body, headers=headers) as response:
                answer = orjson.loads(await response.read())
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise RuntimeError(f"batch refused: {response.status} {answer}")
            accepted += answer["accepted"]

    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return time.perf_counter() - started, accepted, sorted(latencies)


def _per_event_ms(
    before: tuple[float, float], after: tuple[float, float], events: int
) -> tuple[float, float]:
    """Milliseconds of hub and of PostgreSQL CPU per event between two readings."""
    if not events:
        return 0.0, 0.0
    return (
        (after[0] - before[0]) * 1000 / events,
        (after[1] - before[1]) * 1000 / events,
    )


def _raw_rows(count: int, receipt_chars: int) -> list[tuple[Any, ...]]:
    """Rows as the hub writes them: real canonical filings (an index reads the body), their
    digests, and a receipt as long as the hub's."""
    from hub.crypto.jcs import canonical_json

    now = datetime.now(UTC)
    receipt = "r" * receipt_chars
    run = uuid.uuid4().hex[:8]
    rows = []
    for i in range(count):
        filing = _filing(run, i)
        body = canonical_json(filing)
        digest = hashlib.sha256(body).digest()
        rows.append(
            (
                i + 1,
                filing["event_id"],
                filing["complaint_id"],
                1,
                "complaint.filed",
                BUREAU,
                now,
                now,
                body,
                digest,
                None,
                digest,
                "{}",
                receipt,
            )
        )
    return rows


async def _raw_copy(url: str, rows: list[tuple[Any, ...]], size: int, connections: int) -> float:
    """Rows per second COPYed into an equivalent table, `size` rows per transaction."""
    import asyncpg

    admin = await asyncpg.connect(url)
    try:
        await admin.execute("CREATE TABLE raw_events (LIKE events INCLUDING ALL)")
    finally:
        await admin.close()
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    pool = await asyncpg.create_pool(url, min_size=connections, max_size=connections)

    async def copy(chunk: list[tuple[Any, ...]]) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.copy_records_to_table("raw_events", records=chunk, columns=EVENT_COLUMNS)

    try:
        started = time.perf_counter()
        pending = list(reversed(chunks))

        async def worker() -> None:
            while pending:
                await copy(pending.pop())

        await asyncio.gather(*(worker() for _ in range(connections)))
        return len(rows) / (time.perf_counter() - started)
    finally:
        await pool.close()


async def _receipt_chars(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT avg(length(receipt))::int FROM events") or 0)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", type=Path, help="py-spy the hub into this file")
    parser.add_argument(
        "--singles", type=int, default=2000, help="single events sent after, for comparison"
    )
    args = parser.parse_args()

    from hub.crypto.keys import generate_private_key, public_key_raw

    key = generate_private_key()
    events = args.batches * args.size
    print(
        f"batches: {args.batches} x {args.size} signed events, {args.concurrency} in flight,"
        f" hub workers {args.workers}",
        flush=True,
    )

    async def prepare(dsn: str) -> None:
        await _enrol(dsn, public_key_raw(key.public_key()))

    async def run() -> None:
        async with bench_database(args.database_url) as dsn:
            await prepare(dsn)
            postgres = await _postmaster_pid(dsn)
            data_dir = Path(tempfile.mkdtemp(prefix="chbatch", dir="/tmp"))
            try:
                with hub_process(dsn, data_dir, workers=args.workers, baseline=False) as hub:

                    def cpu() -> tuple[float, float]:
                        return _tree_cpu_seconds(hub.process.pid), _tree_cpu_seconds(postgres)

                    signed = _signed_batches(hub.url, key, args.batches, args.size)
                    # One warm-up batch (schemas compiled, connections open) outside the clock.
                    warm = _signed_batches(hub.url, key, 1, args.size)
                    await _push(hub.url, warm, 1)
                    started = cpu()
                    with _profiled(hub, args.profile):
                        seconds, accepted, latencies = await _push(
                            hub.url, signed, args.concurrency
                        )
                    batch_cpu = _per_event_ms(started, cpu(), events)
                    singles = _signed_singles(hub.url, key, args.singles)
                    started = cpu()
                    single_rate = await _push_singles(hub.url, singles, 64) if singles else None
                    single_cpu = _per_event_ms(started, cpu(), len(singles))
            finally:
                shutil.rmtree(data_dir, ignore_errors=True)
            if accepted != events:
                raise RuntimeError(f"{accepted} of {events} items accepted")
            hub_rate = events / seconds
            rows = _raw_rows(events, await _receipt_chars(dsn))
            raw_rate = await _raw_copy(dsn, rows, args.size, args.concurrency)
        p50 = latencies[len(latencies) // 2]
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        print(f"hub        {hub_rate:10.0f} events/s  batch p50 {p50:.0f} ms, p99 {p99:.0f} ms")
        print(f"raw COPY   {raw_rate:10.0f} rows/s")
        if single_rate:
            print(f"singles    {single_rate:10.0f} events/s (POST /v1/events, 64 in flight)")
        print(f"ratio      {hub_rate / raw_rate:10.2%} of raw COPY")
        singles_cpu = (
            f"; hub {single_cpu[0]:.3f} ms, PostgreSQL {single_cpu[1]:.3f} ms single"
            if single_rate
            else ""
        )
        print(
            f"CPU/event  hub {batch_cpu[0]:.3f} ms, PostgreSQL {batch_cpu[1]:.3f} ms in batches"
            + singles_cpu,
            flush=True,
        )
        label = f"batches of {args.size}"
        emit(f"{label}: events/s", hub_rate, "events/s", raw_rate)
        if single_rate:
            emit(f"{label}: events/s against single events", hub_rate, "events/s", single_rate)
        # CPU per event says what bounds the rate even when the shared machine is busy.
        baselines = single_cpu if single_rate else (None, None)
        emit(f"{label}: hub CPU per event against single events", batch_cpu[0], "ms", baselines[0])
        emit(
            f"{label}: PostgreSQL CPU per event against single events",
            batch_cpu[1],
            "ms",
            baselines[1],
        )
        emit(f"{label}: batch p50", p50, "ms")
        emit(f"{label}: batch p99", p99, "ms")

    asyncio.run(run())


if __name__ == "__main__":
    main()
