"""The sweeper runs inside every hub process, on the configured interval."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from hub.app import create_app
from hub.clock import CLOCK
from hub.settings import Settings
from tests.sweeper.test_deadline_sweeper import breach_events, file_complaint
from tests.waiting import eventually

# After the acceptance deadline of a complaint received on 2026-11-02 (2026-11-11).
TODAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, sweep_interval_s=1)


@pytest.fixture
async def app(settings: Settings) -> web.Application:
    app = create_app(settings)
    app[CLOCK] = lambda: TODAY
    return app


def test_sweep_interval_is_read_from_the_environment() -> None:
    environ = {"COMPLAINT_HUB_SWEEP_INTERVAL_S": "15"}
    assert Settings.from_environ(environ).sweep_interval_s == 15
    assert Settings().sweep_interval_s == 60


async def test_running_hub_records_a_missed_deadline_on_its_own(enrol: Any) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    complaint_id = await file_complaint(bureau, "2026-11-02T10:00:00+08:00")

    found = await eventually(lambda: breach_events(bureau, complaint_id))

    assert [e["data"]["deadline"] for e in found] == ["acceptance_decision"]
