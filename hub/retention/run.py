"""A retention run: find the personal parts whose period has passed and erase them in batches.

Each batch is one transaction (erasure and its record together), so a run can be stopped at any
moment and run again: what was erased stays erased and drops out of the next run's list.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import structlog

from hub.retention.policy import retention_cutoff
from hub.store.retention import Erasure, Expired, RetentionStore

log = structlog.get_logger("hub.retention")

DEFAULT_BATCH = 500

Progress = Callable[[int, int], None]  # (done, total)


@dataclasses.dataclass(frozen=True)
class RunSummary:
    run_id: uuid.UUID
    cutoff: datetime
    expired: int  # expired parts found when the run started
    erased: int  # of them erased by this run


async def expired_parts(
    store: RetentionStore, now: datetime, years: int, *, batch: int = DEFAULT_BATCH
) -> AsyncIterator[Expired]:
    """Every part that a run at `now` would erase, in complaint id order; changes nothing."""
    cutoff = retention_cutoff(now, years)
    after = ""
    while page := await store.expired(cutoff, after=after, limit=batch):
        for part in page:
            yield part
        after = page[-1].complaint_id


async def run_retention(
    store: RetentionStore,
    now: datetime,
    years: int,
    *,
    batch: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    on_erased: Callable[[list[Erasure]], None] | None = None,
) -> RunSummary:
    run_id = uuid.uuid4()
    cutoff = retention_cutoff(now, years)
    total = await store.count_expired(cutoff)
    log.info("retention_started", run_id=str(run_id), cutoff=cutoff.isoformat(), expired=total)
    done = erased = 0
    after = ""
    if progress is not None:
        progress(done, total)
    # Keyset pages: a part that stops being expired mid-run (a late event) is skipped, not retried.
    while page := await store.expired(cutoff, after=after, limit=batch):
        after = page[-1].complaint_id
        erasures = await store.erase_expired(
            [p.complaint_id for p in page],
            cutoff,
            erased_at=now,
            retention_years=years,
            run_id=run_id,
        )
        erased += len(erasures)
        done += len(page)
        # Ids and counts only: nothing of a personal part is ever logged.
        log.debug("retention_batch_erased", run_id=str(run_id), erased=len(erasures), done=done)
        if on_erased is not None:
            on_erased(erasures)
        if progress is not None:
            progress(done, max(total, done))
    log.info("retention_finished", run_id=str(run_id), erased=erased)
    return RunSummary(run_id, cutoff, total, erased)
