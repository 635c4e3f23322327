"""The rollup follower: a supervised loop that folds the feed into the statistics, by position."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from typing import Any

import structlog

from hub.domain.case_state import from_state, is_report_state, report_from_state
from hub.domain.stats_cells import Contribution, complaint_contribution, report_contribution
from hub.store.stats import Followed, StatsStore

log = structlog.get_logger("hub.stats")


def contributions(
    states: Mapping[str, Mapping[str, Any]],
    *,
    bureau_regions: Mapping[str, Collection[str]],
    village_stations: Collection[str],
) -> dict[str, Contribution | None]:
    """Each chain's contribution from its current state (the CaseView or ReportView form)."""
    result: dict[str, Contribution | None] = {}
    for complaint_id, state in states.items():
        if is_report_state(state):
            result[complaint_id] = report_contribution(report_from_state(state))
            continue
        case = from_state(state)
        result[complaint_id] = complaint_contribution(
            case,
            bureau_regions=bureau_regions.get(case.handling_bureau or "", ()),
            village_stations=village_stations,
        )
    return result


class StatsWorker:
    def __init__(
        self,
        store: StatsStore,
        *,
        village_stations: Collection[str] = (),
        batch_size: int = 1000,
        idle_s: float = 0.5,
    ) -> None:
        self._store = store
        self._village_stations = frozenset(village_stations)
        self._batch_size = batch_size
        self._idle_s = idle_s

    async def step(self) -> Followed:
        """Fold one batch of events after the cursor (none when the rollup is up to date)."""
        bureau_regions = await self._store.bureau_regions()
        return await self._store.follow(
            lambda states: contributions(
                states, bureau_regions=bureau_regions, village_stations=self._village_stations
            ),
            limit=self._batch_size,
        )

    async def catch_up(self) -> int:
        """Fold until the cursor reaches the feed's head; returns the events folded."""
        folded = 0
        while (done := await self.step()).events:
            folded += done.events
        return folded

    async def run(self) -> None:
        while True:
            done = await self.step()
            if done.events:
                log.debug("stats_followed", events=done.events, position=done.position)
            else:
                await asyncio.sleep(self._idle_s)
