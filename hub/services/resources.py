"""Cleanup context for the services handlers call: the case checks and the complaint reader."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from hub.services.calendar import CalendarSource
from hub.services.decisions import CaseChecks
from hub.settings import SETTINGS
from hub.store.complaints import ComplaintStore
from hub.store.resources import POOL

CALENDARS: web.AppKey[CalendarSource] = web.AppKey("calendars")
CHECKS: web.AppKey[CaseChecks] = web.AppKey("checks")
COMPLAINTS: web.AppKey[ComplaintStore] = web.AppKey("complaints")


async def services_ctx(app: web.Application) -> AsyncIterator[None]:
    calendars = await asyncio.to_thread(CalendarSource.in_data_dir, app[SETTINGS].data_dir)
    app[CALENDARS] = calendars
    app[CHECKS] = CaseChecks(calendars)
    app[COMPLAINTS] = ComplaintStore(app[POOL])
    yield
