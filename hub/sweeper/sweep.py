"""One sweep: recompute provisional deadlines, then record every breach that is due.

Exactly once across processes: a breach's event id is derived from the case, the deadline and its
due date, so two hubs sweeping at once build the same event; the store serialises them on that id
and on the case, and the second gets the stored event back (or a stale version) instead of a second
event. A case that moved on while it was swept is looked at again on the next sweep. Reports
(举报) are swept alike: their verification clock is a deadline of their own chain.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime

import structlog

from hub.clock import Clock, system_clock
from hub.domain.breaches import Breach, breach_event, due_breaches, today_in_china
from hub.domain.calendar import WorkingCalendar
from hub.domain.case import CaseView
from hub.domain.case_state import chain_from_state, to_state
from hub.domain.report import ReportView, due_report_breaches
from hub.domain.roles import Actor, Role
from hub.problems import Problem
from hub.services.decisions import CaseChecks
from hub.services.intake import build_pending
from hub.store.events import Appended, Check, EventStore
from hub.store.sweeps import SweepCandidate, SweepStore

log = structlog.get_logger("hub.sweeper")

HUB_ACTOR = Actor(participant_id="hub", role=Role.HUB)
_PAGE = 200


@dataclasses.dataclass(frozen=True)
class SweepReport:
    cases_seen: int = 0
    breaches_recorded: int = 0
    deadlines_recomputed: int = 0
    raced: int = 0  # cases another writer moved on meanwhile: looked at again next time


Progress = Callable[[SweepReport], None]


class DeadlineSweeper:
    def __init__(
        self,
        sweeps: SweepStore,
        events: EventStore,
        checks: CaseChecks,
        *,
        clock: Clock = system_clock,
        page_size: int = _PAGE,
    ) -> None:
        self._sweeps = sweeps
        self._events = events
        self._checks = checks  # shared with the app: a new holiday table updates its calendar
        self._clock = clock
        self._page_size = page_size

    async def record_breaches(self, progress: Progress | None = None) -> SweepReport:
        """Append a `deadline.breached` event for every breach due as of the local date today."""
        now = self._clock()
        today = today_in_china(now)
        check = self._checks.for_domain_actor(HUB_ACTOR)
        report = SweepReport()
        after: str | None = None
        while True:
            page = await self._sweeps.due_before(today, after=after, limit=self._page_size)
            if not page:
                return report
            for candidate in page:
                recorded, raced = await self._record(candidate, today, now, check)
                report = dataclasses.replace(
                    report,
                    cases_seen=report.cases_seen + 1,
                    breaches_recorded=report.breaches_recorded + recorded,
                    raced=report.raced + raced,
                )
            after = page[-1].complaint_id
            if progress is not None:
                progress(report)

    async def _record(
        self, candidate: SweepCandidate, today: date, now: datetime, check: Check
    ) -> tuple[int, int]:
        """(breaches recorded, 1 if the case raced another writer else 0)."""
        chain = chain_from_state(candidate.state)
        breaches = _due(chain, today)
        try:
            pending = [
                build_pending(
                    breach_event(b, chain.version + i, now),
                    HUB_ACTOR.participant_id,
                    None,
                    by_hub=True,
                )
                for i, b in enumerate(breaches, start=1)
            ]
        except Problem as err:
            # One malformed case must not stop the sweep of all the others.
            log.warning(
                "deadline_breach_invalid", complaint_id=candidate.complaint_id, detail=err.detail
            )
            return 0, 0
        if not pending:
            return 0, 0
        results = await self._events.append_many(pending, check)
        recorded = raced = 0
        for event, result in zip(pending, results, strict=True):
            if isinstance(result, Appended) and not result.duplicate:
                recorded += 1
                log.info(
                    "deadline_breach_recorded",
                    complaint_id=event.complaint_id,
                    event_id=event.event_id,
                    position=result.position,
                )
            elif isinstance(result, Appended):
                log.debug("deadline_breach_already_recorded", complaint_id=event.complaint_id)
            elif isinstance(result, Problem):
                # Another process recorded it first, or the case moved on: the next sweep decides.
                raced += 1
                log.debug(
                    "deadline_breach_skipped",
                    complaint_id=event.complaint_id,
                    reason=type(result).__name__,
                    detail=result.detail,
                )
            else:
                raise result
        return recorded, min(raced, 1)

    def _recomputed(
        self, chain: CaseView | ReportView, calendar: WorkingCalendar
    ) -> CaseView | ReportView:
        """The chain's deadlines under `calendar` and the rules the writes decide with."""
        if isinstance(chain, ReportView):
            return chain.with_deadlines(calendar, self._checks.report_rules)
        return chain.with_deadlines(calendar, self._checks.rules)

    async def recompute_provisional(
        self, calendar: WorkingCalendar, progress: Progress | None = None
    ) -> SweepReport:
        """Recompute the deadlines of cases holding a provisional one, with `calendar`.

        Only snapshots whose deadlines actually change are rewritten.
        """
        report = SweepReport()
        after: str | None = None
        while True:
            page = await self._sweeps.with_provisional_deadlines(after=after, limit=self._page_size)
            if not page:
                return report
            for candidate in page:
                chain = chain_from_state(candidate.state)
                recomputed = self._recomputed(chain, calendar)
                changed = recomputed.deadlines != chain.deadlines
                rewritten = changed and await self._sweeps.rewrite_snapshot(
                    candidate.complaint_id,
                    candidate.version,
                    {"state": to_state(recomputed), "public": recomputed.to_json()},
                )
                if rewritten:
                    log.info("deadlines_recomputed", complaint_id=candidate.complaint_id)
                report = dataclasses.replace(
                    report,
                    cases_seen=report.cases_seen + 1,
                    deadlines_recomputed=report.deadlines_recomputed + int(rewritten),
                    raced=report.raced + int(changed and not rewritten),
                )
            after = page[-1].complaint_id
            if progress is not None:
                progress(report)


def _due(chain: CaseView | ReportView, today: date) -> list[Breach]:
    if isinstance(chain, ReportView):
        return due_report_breaches(chain, today)
    return due_breaches(chain, today)
