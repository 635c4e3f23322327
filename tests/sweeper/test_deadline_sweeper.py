"""The deadline sweeper over the real app: one breach event per breach, never a provisional one."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from hub.domain.breaches import breach_event_id
from hub.sdk.client import HubClient
from hub.services.resources import CALENDARS, CHECKS
from hub.settings import Settings
from hub.store.events import EventStore
from hub.store.pool import create_pool
from hub.store.resources import EVENT_STORE, POOL
from hub.store.sweeps import SweepStore
from hub.supervisor import Supervisor
from hub.sweeper.sweep import DeadlineSweeper
from hub.sweeper.worker import SweepLoop
from hub.trust.resources import HUB_SIGNER
from tests.conftest import example
from tests.hubproc import hub_process
from tests.waiting import eventually

REPO = Path(__file__).resolve().parents[2]

# received 2026-11-12: the 7th working day after is Monday 2026-11-23, so 11-24 is a breach.
RECEIVED_NOVEMBER = "2026-11-12T09:12:45+08:00"
NOVEMBER_DUE = "2026-11-23"
AFTER_NOVEMBER_DUE = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
# received 2026-12-28: the period runs into 2027, which chinese_calendar 1.11 does not know.
RECEIVED_DECEMBER = "2026-12-28T10:00:00+08:00"
SPRING_2027 = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)


def clock_at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def sweeper_for(app: web.Application, now: datetime, events: EventStore | None = None) -> Any:
    return DeadlineSweeper(
        SweepStore(app[POOL]),
        events or app[EVENT_STORE],
        app[CHECKS],
        clock=clock_at(now),
    )


@pytest.fixture
async def bureau(enrol: Any) -> HubClient:
    client: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    return client


async def file_complaint(bureau: HubClient, received_at: str) -> str:
    complaint_id = f"bureau.hz:HZ12315-{uuid.uuid4().hex[:12]}"
    filed = example("complaint.filed", event_id=str(uuid.uuid4()), complaint_id=complaint_id)
    filed["data"] = {**filed["data"], "received_at": received_at}  # type: ignore[dict-item]
    await bureau.post_event(filed)
    return complaint_id


async def breach_events(bureau: HubClient, complaint_id: str) -> list[dict[str, Any]]:
    chain = await bureau.call("GET", f"/v1/complaints/{complaint_id}/events")
    return [
        {**item["event"], "receipt": item["receipt"], "evidence": item.get("evidence")}
        for item in chain["events"]
        if item["event"]["type"] == "deadline.breached"
    ]


async def test_missed_acceptance_deadline_is_recorded_once_by_the_hub(
    app: web.Application, bureau: HubClient
) -> None:
    complaint_id = await file_complaint(bureau, RECEIVED_NOVEMBER)

    report = await sweeper_for(app, AFTER_NOVEMBER_DUE).record_breaches()

    assert report.breaches_recorded == 1
    (event,) = await breach_events(bureau, complaint_id)
    assert event["actor"] == "hub"
    assert event["evidence"] is None  # the hub is the author; nobody else signed anything
    assert event["version"] == 2
    assert event["event_id"] == breach_event_id(complaint_id, "acceptance_decision", NOVEMBER_DUE)
    assert event["data"] == {
        "deadline": "acceptance_decision",
        "due_on": NOVEMBER_DUE,
        "responsible": "bureau.hz",
    }
    receipt = await bureau.verify_receipt(event["receipt"])
    assert receipt["actor"] == "hub"
    snapshot = await bureau.get_complaint(complaint_id)
    assert snapshot["version"] == 2
    assert snapshot["deadlines"] == [
        {
            "name": "acceptance_decision",
            "due_on": NOVEMBER_DUE,
            "provisional": False,
            "breached": True,
        }
    ]


async def test_sweeping_again_records_nothing_more(app: web.Application, bureau: HubClient) -> None:
    complaint_id = await file_complaint(bureau, RECEIVED_NOVEMBER)
    sweeper = sweeper_for(app, AFTER_NOVEMBER_DUE)

    await sweeper.record_breaches()
    again = await sweeper.record_breaches()

    assert again.breaches_recorded == 0
    assert len(await breach_events(bureau, complaint_id)) == 1


async def test_the_due_day_itself_is_still_in_time(app: web.Application, bureau: HubClient) -> None:
    complaint_id = await file_complaint(bureau, RECEIVED_NOVEMBER)

    report = await sweeper_for(app, datetime(2026, 11, 23, 15, 59, tzinfo=UTC)).record_breaches()

    assert report.breaches_recorded == 0
    assert await breach_events(bureau, complaint_id) == []


@pytest.fixture
async def second_event_store(app: web.Application, database_url: str) -> AsyncIterator[EventStore]:
    """What another hub process has: its own pool and its own group commit."""
    pool = await create_pool(database_url, size=3)
    store = EventStore(pool, seal=app[HUB_SIGNER].seal)
    supervisor = Supervisor()
    await store.start(supervisor)
    try:
        yield store
    finally:
        await store.close()
        await supervisor.close()
        await pool.close()


async def test_two_hubs_sweeping_at_once_record_each_breach_once(
    app: web.Application, bureau: HubClient, second_event_store: EventStore
) -> None:
    complaint_ids = [await file_complaint(bureau, RECEIVED_NOVEMBER) for _ in range(8)]
    first = sweeper_for(app, AFTER_NOVEMBER_DUE)
    second = sweeper_for(app, AFTER_NOVEMBER_DUE, events=second_event_store)

    reports = await asyncio.gather(first.record_breaches(), second.record_breaches())

    assert sum(r.breaches_recorded for r in reports) == 8
    for complaint_id in complaint_ids:
        assert len(await breach_events(bureau, complaint_id)) == 1


async def test_a_provisional_deadline_is_never_breached(
    app: web.Application, bureau: HubClient
) -> None:
    complaint_id = await file_complaint(bureau, RECEIVED_DECEMBER)

    report = await sweeper_for(app, SPRING_2027).record_breaches()

    assert report.breaches_recorded == 0
    assert await breach_events(bureau, complaint_id) == []
    (deadline,) = (await bureau.get_complaint(complaint_id))["deadlines"]
    assert deadline["provisional"] is True
    assert deadline["breached"] is False


async def test_a_holiday_table_for_the_year_makes_the_deadline_firm_and_breachable(
    app: web.Application, bureau: HubClient, settings: Settings
) -> None:
    complaint_id = await file_complaint(bureau, RECEIVED_DECEMBER)
    loop = SweepLoop(sweeper_for(app, SPRING_2027), app[CALENDARS])
    await loop.once()
    assert await breach_events(bureau, complaint_id) == []

    # New Year's Day 2027 off: Dec 29, 30, 31, then Jan 4, 5, 6, 7.
    table = {"2027": {"holidays": ["2027-01-01"], "workdays": []}}
    (settings.data_dir / "holidays.json").write_text(json.dumps(table), encoding="utf-8")
    await loop.once()

    (event,) = await breach_events(bureau, complaint_id)
    assert event["data"]["due_on"] == "2027-01-07"
    assert (await bureau.get_complaint(complaint_id))["deadlines"] == [
        {
            "name": "acceptance_decision",
            "due_on": "2027-01-07",
            "provisional": False,
            "breached": True,
        }
    ]
    # The whole hub now decides with the new table.
    assert 2027 in app[CALENDARS].current.table


async def test_an_invalid_holiday_table_keeps_the_deadline_provisional(
    app: web.Application, bureau: HubClient, settings: Settings
) -> None:
    complaint_id = await file_complaint(bureau, RECEIVED_DECEMBER)
    loop = SweepLoop(sweeper_for(app, SPRING_2027), app[CALENDARS])
    (settings.data_dir / "holidays.json").write_text('{"2027": {"holidays": ["2028-01-01"]}}')

    await loop.once()

    assert await breach_events(bureau, complaint_id) == []
    (deadline,) = (await bureau.get_complaint(complaint_id))["deadlines"]
    assert deadline["provisional"] is True


async def test_sweep_command_records_breaches_against_the_configured_database(
    bureau: HubClient, settings: Settings, database_url: str
) -> None:
    # Received well before the real today, so the real clock has passed its deadline.
    complaint_id = await file_complaint(bureau, "2026-11-02T10:00:00+08:00")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(settings.data_dir),
    }
    command = [sys.executable, "-m", "hub.cli", "sweep", "--once", "--json"]

    done = await asyncio.to_thread(
        subprocess.run, command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    again = await asyncio.to_thread(
        subprocess.run, command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["breaches_recorded"] == 1
    assert json.loads(again.stdout)[0]["breaches_recorded"] == 0
    assert len(await breach_events(bureau, complaint_id)) == 1


async def test_two_hub_processes_sweeping_the_same_cases_record_each_breach_once(
    enrol: Any, settings: Settings, database_url: str
) -> None:
    # The in-process hub sweeps only every 60 s: the breaches are the two processes' work.
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    complaint_ids = [await file_complaint(bureau, "2026-11-02T10:00:00+08:00") for _ in range(10)]
    sweep_interval_s = 1
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        # the key file the in-process hub generated: every replica signs with the same key
        "COMPLAINT_HUB_DATA_DIR": str(settings.data_dir),
        "COMPLAINT_HUB_SWEEP_INTERVAL_S": str(sweep_interval_s),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
    }

    async def every_breach_recorded() -> bool:
        for complaint_id in complaint_ids:
            assert await breach_events(bureau, complaint_id), complaint_id
        return True

    with (
        hub_process(env, settings.data_dir / "a.log"),
        hub_process(env, settings.data_dir / "b.log"),
    ):
        await eventually(every_breach_recorded, timeout_s=60, interval_s=0.2)
        # Time passing is the point here: each process sweeps again, and must add no second
        # breach to a case another process (or it) has already recorded one for.
        await asyncio.sleep(2 * sweep_interval_s)

    for complaint_id in complaint_ids:
        assert len(await breach_events(bureau, complaint_id)) == 1
