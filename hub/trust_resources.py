"""Cleanup contexts for trust: participants and nonces, the domain checks, nonce purging."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from hub.appkeys import CHECKS, COMPLAINTS, NONCES, PARTICIPANTS, POOL, SETTINGS
from hub.decisions import CaseChecks
from hub.domain.calendar import WorkingCalendar, parse_holiday_table
from hub.store.complaints import ComplaintStore
from hub.store.participants import NonceStore, ParticipantStore

log = structlog.get_logger("hub.trust")
_NONCE_PURGE_S = 60


def load_calendar(app: web.Application) -> WorkingCalendar:
    """The working-day calendar: the package, extended by the operator's holiday table."""
    settings = app[SETTINGS]
    path = settings.data_dir / "holidays.json"
    if not path.exists():
        return WorkingCalendar()
    return WorkingCalendar(table=parse_holiday_table(path.read_text(encoding="utf-8")))


async def trust_ctx(app: web.Application) -> AsyncIterator[None]:
    pool = app[POOL]
    app[PARTICIPANTS] = ParticipantStore(pool)
    app[NONCES] = NonceStore(pool)
    app[CHECKS] = CaseChecks(load_calendar(app))
    app[COMPLAINTS] = ComplaintStore(pool)

    async def purge() -> None:
        while True:
            await asyncio.sleep(_NONCE_PURGE_S)
            try:
                await app[NONCES].purge_expired()
            except Exception as err:
                log.warning("nonce_purge_failed", error=repr(err))

    task = asyncio.create_task(purge())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
