"""Cleanup contexts for trust: participants and nonces, the domain checks, nonce purging."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hub.appkeys import CHECKS, COMPLAINTS, NONCES, PARTICIPANTS, POOL, SETTINGS
from hub.decisions import CaseChecks
from hub.domain.calendar import WorkingCalendar
from hub.periodic import every
from hub.store.complaints import ComplaintStore
from hub.store.participants import NonceStore, ParticipantStore
from hub.sweeper.holidays import HOLIDAYS_FILE, read_calendar

_NONCE_PURGE_S = 60


def load_calendar(app: web.Application) -> WorkingCalendar:
    """The working-day calendar: the package, extended by the operator's holiday table."""
    return read_calendar(app[SETTINGS].data_dir / HOLIDAYS_FILE)


async def trust_ctx(app: web.Application) -> AsyncIterator[None]:
    pool = app[POOL]
    app[PARTICIPANTS] = ParticipantStore(pool)
    app[NONCES] = NonceStore(pool)
    app[CHECKS] = CaseChecks(load_calendar(app))
    app[COMPLAINTS] = ComplaintStore(pool)

    async with every(_NONCE_PURGE_S, app[NONCES].purge_expired, failure_event="nonce_purge_failed"):
        yield
