"""Bytes on disk per complaint and per event, from the real tables after a load through the signed
HTTP path, and what a national year takes at that rate (docs/scaling.md).

    python bench/storage.py [--complaints 1000] [--concurrency 16] [--database-url URL]

The hub runs in this process on an embedded PostgreSQL. Each complaint gets a personal part (the
example's name, phone, address and narrative, sealed) and then the nine signed events of the
acceptance tests' bureau path (filed, accepted, routed, acknowledged, offer made and answered,
resolved, confirmed, closed), sent by the bureau and the platform; the statistics rollup is then
brought up to date and the tables vacuumed. Sizes are the growth of `pg_total_relation_size`
(heap, TOAST and indexes) per table over the load, divided by the complaints or the events.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import asyncpg
from aiohttp import web

from bench._pg import bench_database
from hub.app import create_app
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.logs import configure_logging
from hub.sdk.client import HubClient
from hub.settings import Settings
from hub.stats.resources import STATS_WORKER
from hub.store.participants import Participant
from hub.trust.resources import PARTICIPANTS
from tests.api._lifecycle import BUREAU_PATH, step_event

REPO = Path(__file__).resolve().parents[1]
PERSONAL: dict[str, Any] = json.loads(
    (REPO / "schemas" / "examples" / "personal.json").read_text(encoding="utf-8")
)
# The national yardstick (DESIGN.md, Scale): cases a year and events per case.
NATIONAL_COMPLAINTS = 50_000_000
NATIONAL_EVENTS = 400_000_000

_SIZES = """
SELECT c.relname AS name, c.reltuples::bigint AS estimate, pg_total_relation_size(c.oid) AS total
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
"""


async def _sizes(dsn: str) -> dict[str, tuple[int, int]]:
    """Each table's (row estimate, total bytes), after a VACUUM ANALYZE."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM ANALYZE")
        rows = await conn.fetch(_SIZES)
    finally:
        await conn.close()
    return {r["name"]: (max(int(r["estimate"]), 0), int(r["total"])) for r in rows}


async def _enrol(
    app: web.Application, participant_id: str, role: str, **extra: Any
) -> tuple[str, Any]:
    await app[PARTICIPANTS].add(
        Participant(
            participant_id,
            participant_id,
            role,
            extra.get("platform"),
            extra.get("regions", ()),
            None,
            True,
        )
    )
    key = generate_private_key()
    await app[PARTICIPANTS].add_key(
        participant_id, participant_id + "-k", public_key_raw(key.public_key())
    )
    return participant_id + "-k", key


async def _drive(clients: dict[str, HubClient], n: int) -> None:
    complaint_id = f"bureau.hz:HZ12315-{n:08d}-{uuid.uuid4().hex[:6]}"
    bureau = clients["bureau"]
    written = await bureau.call("PUT", f"/v1/complaints/{complaint_id}/personal", json=PERSONAL)
    for version, (_, sender, _) in enumerate(BUREAU_PATH, start=1):
        extra = (
            {
                "personal_ref": written["personal_ref"],
                "personal_commitment": written["personal_commitment"],
            }
            if version == 1
            else {}
        )
        event = step_event("bureau", version, complaint_id, **extra)
        await clients[sender].post_event(event, verify=False)


async def run(args: argparse.Namespace) -> None:
    configure_logging("console", "WARNING")
    async with bench_database(args.database_url) as dsn:
        data_dir = Path(tempfile.mkdtemp(prefix="chstore", dir="/tmp"))
        # No deadline sweep: a breach it appended would take a version the path expects.
        settings = Settings(
            database_url=dsn, data_dir=data_dir, log_level="WARNING", sweep_interval_s=86_400
        )
        app = create_app(settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        try:
            keys = {
                "bureau": await _enrol(app, "bureau.hz", "bureau", regions=("330100",)),
                "platform": await _enrol(app, "platform.taobao", "platform", platform="taobao"),
            }
            before = await _sizes(dsn)
            async with aiohttp.ClientSession() as session:
                clients = {
                    name: HubClient(base, kid, key, session=session)
                    for name, (kid, key) in keys.items()
                }
                started = time.perf_counter()
                gate = asyncio.Semaphore(args.concurrency)

                async def one(n: int) -> None:
                    async with gate:
                        await _drive(clients, n)

                await asyncio.gather(*(one(n) for n in range(args.complaints)))
                elapsed_s = time.perf_counter() - started
            await app[STATS_WORKER].catch_up()
            after = await _sizes(dsn)
        finally:
            await runner.cleanup()
            shutil.rmtree(data_dir, ignore_errors=True)
    events = after["events"][0]
    complaints = after["complaints"][0]
    grown = sorted(
        ((name, rows, size - before.get(name, (0, 0))[1]) for name, (rows, size) in after.items()),
        key=lambda row: -row[2],
    )
    total = sum(size for _, _, size in grown)
    print(
        f"{complaints:,} complaints, {events:,} events ({events / complaints:.1f} per complaint)"
        f" through signed HTTP in {elapsed_s:.1f} s ({events / elapsed_s:,.0f} events/s)"
    )
    print(f"{'table (growth)':<28}{'rows':>10}{'bytes':>14}{'per event':>11}{'per complaint':>15}")
    for name, rows, size in grown:
        if size > 0:
            shares = f"{size / events:>11,.0f}{size / complaints:>15,.0f}"
            print(f"{name:<28}{rows:>10,}{size:>14,}{shares}")
    per_event, per_complaint = total / events, total / complaints
    print(
        f"all tables: {total:,} bytes,"
        f" {per_event:,.0f} per event, {per_complaint:,.0f} per complaint"
    )
    print(
        f"a national year at this rate ({NATIONAL_EVENTS:,} events): "
        f"{per_event * NATIONAL_EVENTS / 1e12:,.2f} TB; "
        f"at the rate per complaint ({NATIONAL_COMPLAINTS:,}): "
        f"{per_complaint * NATIONAL_COMPLAINTS / 1e12:,.2f} TB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--complaints", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
