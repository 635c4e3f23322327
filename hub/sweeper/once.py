"""One sweep outside a running hub (`complaint-hub sweep --once`): cron jobs and back-fills."""

from __future__ import annotations

import dataclasses

import asyncpg

from hub.decisions import CaseChecks
from hub.settings import Settings
from hub.signer import key_file_path, load_signer
from hub.store.events import EventStore
from hub.store.hub_keys import HubKeyStore
from hub.store.sweeps import SweepStore
from hub.sweeper.holidays import HOLIDAYS_FILE, read_calendar
from hub.sweeper.sweep import DeadlineSweeper, Progress, SweepReport


async def sweep_once(
    pool: asyncpg.Pool, settings: Settings, progress: Progress | None = None
) -> SweepReport:
    """Recompute provisional deadlines with the current table, then record due breaches."""
    path = key_file_path(settings.hub_key_file, settings.data_dir)
    # Receipts of breaches are signed like any other; a hub key must already exist unless this
    # is the development default, which generates one as `serve` would.
    signer = await load_signer(HubKeyStore(pool), path, generate=settings.hub_key_file is None)
    calendar = read_calendar(settings.data_dir / HOLIDAYS_FILE)
    checks = CaseChecks(calendar)
    events = EventStore(pool, seal=signer.seal)
    await events.start()
    try:
        sweeper = DeadlineSweeper(SweepStore(pool), events, checks)
        recomputed = await sweeper.recompute_provisional(calendar)
        report = await sweeper.record_breaches(progress)
    finally:
        await events.close()
    return dataclasses.replace(report, deadlines_recomputed=recomputed.deadlines_recomputed)
