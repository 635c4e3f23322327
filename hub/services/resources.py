"""Cleanup context for the services handlers call: the case checks and the complaint reader."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from hub.clock import clock_of
from hub.services.batches import BatchIntake
from hub.services.calendar import CalendarSource
from hub.services.decisions import CaseChecks, rules_for_setting
from hub.settings import SETTINGS
from hub.store.batches import BatchStore
from hub.store.complaints import ComplaintStore
from hub.store.resources import EVENT_STORE, POOL, READ_POOL
from hub.trust.resources import HUB_SIGNER

CALENDARS: web.AppKey[CalendarSource] = web.AppKey("calendars")
CHECKS: web.AppKey[CaseChecks] = web.AppKey("checks")
COMPLAINTS: web.AppKey[ComplaintStore] = web.AppKey("complaints")
BATCHES: web.AppKey[BatchIntake] = web.AppKey("batches")
# Lists read from the replica when one is configured; a single complaint or chain, which a
# filer reads right after writing it, stays on the primary (COMPLAINTS).
COMPLAINT_LISTS: web.AppKey[ComplaintStore] = web.AppKey("complaint_lists")


async def services_ctx(app: web.Application) -> AsyncIterator[None]:
    calendars = await asyncio.to_thread(CalendarSource.in_data_dir, app[SETTINGS].data_dir)
    app[CALENDARS] = calendars
    app[CHECKS] = CaseChecks(
        calendars,
        rules=rules_for_setting(app[SETTINGS].pending_cases),
    )
    app[COMPLAINTS] = ComplaintStore(app[POOL])
    app[BATCHES] = BatchIntake(
        BatchStore(app[POOL], clock=clock_of(app)), app[EVENT_STORE], app[CHECKS], app[HUB_SIGNER]
    )
    app[COMPLAINT_LISTS] = ComplaintStore(app[READ_POOL])
    yield
