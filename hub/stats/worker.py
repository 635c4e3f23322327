"""The rollup follower: a supervised loop that folds the feed into the statistics, by position."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from typing import Any

import structlog

from hub.domain.case_state import is_report_state, report_from_state
from hub.domain.stats_cells import (
    CaseFigures,
    Contribution,
    complaint_contribution,
    report_contribution,
)
from hub.store.pool import Conn
from hub.store.stats import Followed, StatsStore

log = structlog.get_logger("hub.stats")


def contributions(
    states: Mapping[str, Mapping[str, Any]],
    *,
    bureau_regions: Mapping[str, Collection[str]],
    village_stations: Collection[str],
) -> dict[str, Contribution | None]:
    """Each chain's contribution from its current state (a report's whole ReportView form, a
    complaint's FIGURE_FIELDS at least)."""
    result: dict[str, Contribution | None] = {}
    for complaint_id, state in states.items():
        if is_report_state(state):
            result[complaint_id] = report_contribution(report_from_state(state))
            continue
        case = CaseFigures.from_state(state)
        result[complaint_id] = complaint_contribution(
            case,
            bureau_regions=bureau_regions.get(case.handling_bureau or "", ()),
            village_stations=village_stations,
        )
    return result


class StatsWorker:
    """Folds the feed into the statistics. `run` folds only while this process leads (one
    follower per database); `step` and `catch_up` fold whoever leads, the cursor row lock
    keeping every fold apart."""

    def __init__(
        self,
        store: StatsStore,
        *,
        village_stations: Collection[str] = (),
        batch_size: int = 5000,
        idle_s: float = 0.5,
        standby_s: float = 5.0,
    ) -> None:
        self._store = store
        self._village_stations = frozenset(village_stations)
        self._batch_size = batch_size
        self._idle_s = idle_s
        self._standby_s = standby_s

    async def step(self, conn: Conn | None = None) -> Followed:
        """Fold one batch of events after the cursor (none when the rollup is up to date)."""
        bureau_regions = await self._store.bureau_regions(conn)
        return await self._store.follow(
            lambda states: contributions(
                states, bureau_regions=bureau_regions, village_stations=self._village_stations
            ),
            limit=self._batch_size,
            conn=conn,
        )

    async def catch_up(self) -> int:
        """Fold until the cursor reaches the feed's head; returns the events folded."""
        folded = 0
        while (done := await self.step()).events:
            folded += done.events
        return folded

    async def run(self) -> None:
        while True:
            async with self._store.leading() as conn:
                if conn is not None:
                    await self._lead(conn)
            # another process leads; ask again now and then, to take over if it dies
            await asyncio.sleep(self._standby_s)

    async def _lead(self, conn: Conn) -> None:
        while True:
            done = await self.step(conn)
            if done.events:
                log.debug("stats_followed", events=done.events, position=done.position)
            if done.events < self._batch_size:
                # Caught up: let events gather rather than fold them a few at a time, since a
                # batch's fixed cost (its queries and its cells) is paid per batch.
                await asyncio.sleep(self._idle_s)
