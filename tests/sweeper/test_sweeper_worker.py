"""The sweeper runs inside every hub process, on the configured interval."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from hub.settings import Settings
from tests.sweeper.test_deadline_sweeper import breach_events, file_complaint


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, sweep_interval_s=1)


def test_sweep_interval_is_read_from_the_environment() -> None:
    environ = {"COMPLAINT_HUB_SWEEP_INTERVAL_S": "15"}
    assert Settings.from_environ(environ).sweep_interval_s == 15
    assert Settings().sweep_interval_s == 60


async def test_running_hub_records_a_missed_deadline_on_its_own(enrol: Any) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    # Received well before the real today, so the real clock has passed its deadline.
    complaint_id = await file_complaint(bureau, "2026-11-02T10:00:00+08:00")

    for _ in range(50):
        found = await breach_events(bureau, complaint_id)
        if found:
            break
        await asyncio.sleep(0.1)

    assert [e["data"]["deadline"] for e in found] == ["acceptance_decision"]
