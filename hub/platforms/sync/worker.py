"""The poller of one platform: windows of update times, a durable cursor, backoff, one poller.

A pass covers the update times from where the last pass ended (less `overlap_s`, so an update the
platform indexed late is still seen) up to the clock at the pass's start, in the adapter's windows
and pages. After each page whose records were all handed to the ingest service the adapter's
cursor is stored, so a crash repeats at most one page; the records are states with deterministic
event ids, so a repeated page or an overlapping window creates nothing twice.

One process polls a platform at a time: each page is preceded by claiming (or extending) a lease
row in a statement of its own, never by a transaction held across the HTTP call.

A record that cannot be applied (unlinked, malformed, refused by the case's rules) is counted in
the platform's rejects by reason and the cursor moves past it: records are states, so a later
update of the same record is diffed afresh, and one bad record never stalls a platform.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog

from adapters.base.contract import PullAdapter, TimeWindow
from adapters.base.errors import AdapterError
from adapters.base.lifecycle import RecordAdapter
from hub.platforms.ingest import PlatformIngest
from hub.platforms.problems import UnlinkedNativeRecord
from hub.platforms.sync.config import SyncTarget
from hub.platforms.sync.pull_client import PullClient, PullFailed, PullRefused
from hub.problems import Problem
from hub.store.events import Appended
from hub.store.evidence import Evidence
from hub.store.participants import Participant, ParticipantStore
from hub.store.sync_state import SyncState, SyncStateStore

log = structlog.get_logger("hub.platforms.sync")

REJECT_UNLINKED = "unlinked-record"
REJECT_AMBIGUOUS = "ambiguous-order"
REJECT_MALFORMED_PAGE = "malformed-page"


@dataclasses.dataclass(frozen=True)
class PollReport:
    """What one poll did."""

    leased: bool
    pages: int = 0
    records: int = 0
    events_created: int = 0
    backlog: bool = False
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def backoff_s(failures: int, interval_s: float, max_s: float, draw: float) -> float:
    """The wait after `failures` failed polls in a row: doubling, capped, with jitter.

    `draw` in [0, 1) spreads the wait over its upper half, so many hubs that failed together do
    not retry together ("equal jitter").
    """
    if failures <= 0:
        return interval_s
    base = min(max_s, interval_s * 2 ** (failures - 1))
    return float(base / 2 + base / 2 * draw)


class SyncWorker:
    def __init__(
        self,
        target: SyncTarget,
        adapter: PullAdapter,
        client: PullClient,
        states: SyncStateStore,
        participants: ParticipantStore,
        ingest: PlatformIngest,
        *,
        holder: str,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self.target = target
        self._adapter = adapter
        self._client = client
        self._states = states
        self._participants = participants
        self._ingest = ingest
        self._holder = holder
        self._clock = clock
        self._rng = rng or random.Random()
        # The lease outlives a poll's worst case for one page, then lapses for another process.
        self._lease_s = max(60.0, 2 * target.timeout_s + 30)

    async def run(self) -> None:
        """Poll until cancelled."""
        failures = 0
        while True:
            try:
                report = await self.poll_once()
            except Exception as err:  # a bug or the database: keep polling, never die silently
                log.exception("sync_poll_crashed", platform=self.target.platform)
                await self._record_crash(err)
                report = PollReport(leased=True, error="internal")
            failures = failures + 1 if report.failed else 0
            if report.backlog and not report.failed:
                delay = 0.0
            else:
                delay = backoff_s(
                    failures, self.target.interval_s, self.target.max_backoff_s, self._rng.random()
                )
            await asyncio.sleep(delay)

    async def _record_crash(self, err: Exception) -> None:
        """Best effort: the crash may be the database itself, and the poller must outlive it."""
        try:
            await self._fail(f"internal: {type(err).__name__}")
        except Exception as record_err:
            log.warning(
                "sync_crash_not_recorded",
                platform=self.target.platform,
                error_type=type(record_err).__name__,
            )

    async def poll_once(self) -> PollReport:
        """One poll: claim the lease, pull pages until caught up or the page budget is spent."""
        platform = self.target.platform
        await self._states.ensure(platform, self._clock())
        state = await self._claim()
        if state is None:
            return PollReport(leased=False)
        try:
            participant = await self._participants.get(self.target.participant)
            if participant is None or participant.platform != platform:
                return await self._failed(
                    PollReport(leased=True),
                    f"participant {self.target.participant} is not registered for {platform}",
                )
            return await self._pages(state, participant)
        finally:
            await self._states.release_lease(platform, self._holder)

    async def _claim(self) -> SyncState | None:
        now = self._clock()
        return await self._states.claim_lease(
            self.target.platform, self._holder, now, now + timedelta(seconds=self._lease_s)
        )

    async def _pages(self, state: SyncState, participant: Participant) -> PollReport:
        platform = self.target.platform
        report = PollReport(leased=True)
        started = self._clock()
        for _ in range(self.target.max_pages_per_poll):
            planned = _next_query(state, started, self.target)
            if planned is None:
                return report
            cursor, window = planned
            request = self._adapter.pull_request(cursor, window)
            try:
                answer = await self._client.fetch(self.target, request)
                page = self._adapter.parse_pull_page(answer.payload, request)
            except PullRefused as refused:
                log.warning("sync_answer_refused", platform=platform, reason=refused.reason)
                await self._states.count_reject(platform, refused.reason, self._clock())
                return await self._failed(report, f"refused: {refused.reason}")
            except PullFailed as failed:
                log.warning("sync_pull_failed", platform=platform, error=str(failed))
                return await self._failed(report, str(failed))
            except AdapterError as err:
                await self._states.count_reject(platform, REJECT_MALFORMED_PAGE, self._clock())
                return await self._failed(report, f"malformed page at {err.field}")
            created = 0
            for record in page.records:
                created += await self._apply(record, participant, answer.evidence)
            now = self._clock()
            kept = await self._states.record_page(
                platform,
                self._holder,
                cursor=page.next_cursor,
                window_end=request.until,
                backlog=page.more,
                lag_s=max(0, int((now - request.window.end).total_seconds())),
                records=len(page.records),
                at=now,
            )
            report = dataclasses.replace(
                report,
                pages=report.pages + 1,
                records=report.records + len(page.records),
                events_created=report.events_created + created,
                backlog=page.more,
            )
            log.info(
                "sync_page_pulled",
                platform=platform,
                records=len(page.records),
                events=created,
                more=page.more,
            )
            if not kept:
                log.warning("sync_lease_lost", platform=platform)
                return report
            if not page.more:
                return report
            claimed = await self._claim()
            if claimed is None:
                return report
            state = claimed
        return report

    async def _apply(
        self, record: Mapping[str, Any], participant: Participant, evidence: Evidence
    ) -> int:
        """Ingest one record; returns how many new events it created."""
        platform = self.target.platform
        try:
            try:
                outcome = await self._ingest.ingest(self._adapter, participant, record, evidence)
            except UnlinkedNativeRecord:
                complaint_id = await self._linked_complaint(record)
                if complaint_id is None:
                    return 0
                outcome = await self._ingest.ingest(
                    self._adapter, participant, record, evidence, complaint_id=complaint_id
                )
        except Problem as problem:
            await self._states.count_reject(platform, problem.slug, self._clock())
            log.info("sync_record_rejected", platform=platform, reason=problem.slug)
            return 0
        refusal = outcome.refusal
        if refusal is not None:
            await self._states.count_reject(platform, f"refused:{refusal.slug}", self._clock())
            log.info(
                "sync_record_refused",
                platform=platform,
                complaint_id=outcome.complaint_id,
                reason=refusal.slug,
            )
        return sum(1 for r in outcome.results if isinstance(r, Appended) and not r.duplicate)

    async def _linked_complaint(self, record: Mapping[str, Any]) -> str | None:
        """The open complaint against this platform about the record's order, if exactly one."""
        platform = self.target.platform
        order_id = _order_id(self._adapter, record)
        found = await self._states.open_complaints_for_order(platform, order_id) if order_id else []
        if len(found) == 1:
            return found[0]
        reason = REJECT_AMBIGUOUS if found else REJECT_UNLINKED
        await self._states.count_reject(platform, reason, self._clock())
        log.info("sync_record_unlinked", platform=platform, reason=reason)
        return None

    async def _failed(self, report: PollReport, error: str) -> PollReport:
        await self._fail(error)
        return dataclasses.replace(report, error=error)

    async def _fail(self, error: str) -> None:
        await self._states.record_failure(self.target.platform, error, self._clock())


def _next_query(
    state: SyncState, now: datetime, target: SyncTarget
) -> tuple[str | None, TimeWindow] | None:
    """The cursor and window of the next query, or None when there is nothing to ask for."""
    overlap = timedelta(seconds=target.overlap_s)
    if state.cursor is None or state.window_end is None:
        window = TimeWindow(now - timedelta(seconds=target.initial_lookback_s), now)
        return None, window
    if state.backlog:
        # The pass in progress: the adapter's cursor knows where, the stored end how far.
        return state.cursor, TimeWindow(state.window_end - overlap, state.window_end)
    if now <= state.window_end:
        return None
    return None, TimeWindow(state.window_end - overlap, now)


def _order_id(adapter: PullAdapter, record: Mapping[str, Any]) -> str | None:
    if not isinstance(adapter, RecordAdapter):
        return None
    try:
        return adapter.normalise(record).order_id
    except AdapterError:
        return None
