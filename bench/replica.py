"""Feed delivery read from a streaming replica against the primary, in the same run.

    python bench/replica.py [--rate 300] [--seconds 10] [--writers 30]

A primary and its streaming replica start on this machine (tests/replica/cluster.py: the binaries
pgserver ships, `pg_basebackup -R`). Two hubs run in this process on the same database: one reads
the feed from the primary, the other with COMPLAINT_HUB_READ_DATABASE_URL naming the replica.
Writers append straight to the first hub's event store at `--rate`; one long-poll reader on each
hub follows the feed. Latency is from the writer's COMMIT acknowledged to the item's arrival.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import asyncpg
from aiohttp import web

from bench.feeds import ACKNOWLEDGED, Delivered, TokenBucket, direct_writer, long_poll
from hub.app import create_app
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.logs import configure_logging
from hub.sdk.client import HubClient
from hub.settings import Settings
from hub.store.participants import Participant
from hub.store.resources import EVENT_STORE
from hub.trust.resources import PARTICIPANTS
from tests.replica.cluster import streaming_cluster


async def _serve(settings: Settings) -> tuple[web.Application, web.AppRunner, str]:
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return app, runner, f"http://127.0.0.1:{port}"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(args: argparse.Namespace) -> None:
    configure_logging("console", "WARNING")
    with streaming_cluster() as cluster:
        name = "bench_" + uuid.uuid4().hex[:8]
        admin = await asyncpg.connect(cluster.url("postgres"))
        await admin.execute(f"CREATE DATABASE {name}")
        await admin.close()
        # One data directory: both hubs sign with the same hub key, as replicas of a hub do.
        data_dir = Path(tempfile.mkdtemp(prefix="chrb", dir="/tmp"))
        common = {"log_level": "WARNING", "pool_size": 20, "sweep_interval_s": 86_400}
        primary_app, primary_runner, primary_base = await _serve(
            Settings(database_url=cluster.url(name), data_dir=data_dir, **common)  # type: ignore[arg-type]
        )
        _, replica_runner, replica_base = await _serve(
            Settings(
                database_url=cluster.url(name),
                read_database_url=cluster.url(name, replica=True),
                data_dir=data_dir,
                **common,  # type: ignore[arg-type]
            )
        )
        try:
            key = generate_private_key()
            await primary_app[PARTICIPANTS].add(
                Participant("operator.bench", "operator.bench", "operator", None, (), None, True)
            )
            await primary_app[PARTICIPANTS].add_key(
                "operator.bench", "operator.bench-k", public_key_raw(key.public_key())
            )
            async with aiohttp.ClientSession() as session:
                on_primary, on_replica = Delivered(), Delivered()
                stop_writing, stop_reading = asyncio.Event(), asyncio.Event()
                readers = [
                    asyncio.create_task(
                        long_poll(
                            HubClient(base, "operator.bench-k", key, session=session),
                            into,
                            stop_reading,
                        )
                    )
                    for base, into in ((primary_base, on_primary), (replica_base, on_replica))
                ]
                await asyncio.sleep(0.5)
                bucket = TokenBucket(args.rate, capacity=max(1.0, args.rate / 100))
                counts = [0]
                store = primary_app[EVENT_STORE]
                writers = [
                    asyncio.create_task(direct_writer(store, bucket, stop_writing, counts))
                    for _ in range(args.writers)
                ]
                started = time.perf_counter()
                await asyncio.sleep(args.seconds)
                stop_writing.set()
                await asyncio.gather(*writers)
                elapsed_s = time.perf_counter() - started
                total = counts[0]
                deadline = time.perf_counter() + 30
                while (  # noqa: ASYNC110 - a bounded wait for two counters to catch up
                    len(on_primary.delivered_at) < total or len(on_replica.delivered_at) < total
                ) and time.perf_counter() < deadline:
                    await asyncio.sleep(0.1)
                stop_reading.set()
                await asyncio.gather(*readers, return_exceptions=True)
        finally:
            await replica_runner.cleanup()
            await primary_runner.cleanup()
            shutil.rmtree(data_dir, ignore_errors=True)
    print(
        f"{total} events in {elapsed_s:.1f} s ({total / elapsed_s:.0f}/s), {args.writers} writers"
    )
    for label, delivered in (("primary", on_primary), ("replica", on_replica)):
        acked = [
            max(0.0, at - ACKNOWLEDGED[position])
            for position, at in delivered.delivered_at.items()
            if position in ACKNOWLEDGED
        ]
        if not acked:
            print(f"{label}: nothing delivered")
            continue
        print(
            f"long-poll read from the {label}: delivered {len(acked)}/{total}"
            f"  p50 {statistics.median(acked) * 1000:.1f} ms"
            f"  p99 {_percentile(acked, 0.99) * 1000:.1f} ms  max {max(acked) * 1000:.1f} ms"
            " from COMMIT acknowledged"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--writers", type=int, default=30)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
