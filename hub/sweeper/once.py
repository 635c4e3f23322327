"""One sweep outside a running hub (`complaint-hub sweep --once`): cron jobs and back-fills."""

from __future__ import annotations

import dataclasses

import asyncpg

from hub.services.calendar import CalendarSource
from hub.services.decisions import CaseChecks, rules_for_setting
from hub.settings import Settings
from hub.store.events import EventStore
from hub.store.hub_keys import HubKeyStore
from hub.store.sweeps import SweepStore
from hub.supervisor import Supervisor
from hub.sweeper.sweep import DeadlineSweeper, Progress, SweepReport
from hub.trust.signer import HubSigner, key_file_path


async def sweep_once(
    pool: asyncpg.Pool, settings: Settings, progress: Progress | None = None
) -> SweepReport:
    """Recompute provisional deadlines with the current table, then record due breaches."""
    path = key_file_path(settings.hub_key_file, settings.data_dir)
    # Receipts of breaches are signed like any other; a hub key must already exist unless this
    # is the development default, which generates one as `serve` would.
    signer = await HubSigner.load(HubKeyStore(pool), path, generate=settings.hub_key_file is None)
    calendars = CalendarSource.in_data_dir(settings.data_dir)
    events = EventStore(pool, seal=signer.seal)
    supervisor = Supervisor()
    await events.start(supervisor)
    try:
        checks = CaseChecks(calendars, rules=rules_for_setting(settings.pending_cases))
        sweeper = DeadlineSweeper(SweepStore(pool), events, checks)
        recomputed = await sweeper.recompute_provisional(calendars.current)
        report = await sweeper.record_breaches(progress)
    finally:
        await events.close()
        await supervisor.close()
    return dataclasses.replace(report, deadlines_recomputed=recomputed.deadlines_recomputed)
