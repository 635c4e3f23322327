"""The picture's rules without a database: whose breached deadlines count, the timeliness table,
a row's status, and how a process reports its failing tasks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.ops.page.heartbeat import Heartbeat
from hub.ops.page.overview import _breached_for, _status, _timeliness, shown_url
from hub.store.ops import DeadlineCount
from hub.supervisor import Supervisor
from tests.waiting import eventually

COUNTS = [
    DeadlineCount("taobao", "bureau.hz", "odr_negotiation", True, 2),
    DeadlineCount("taobao", "bureau.hz", "refund_after_return", False, 3),
    DeadlineCount("taobao", "bureau.hz", "acceptance_decision", True, 5),  # the bureau's
    DeadlineCount("jd", "bureau.bj", "refund_after_return", True, 1),
    DeadlineCount("jd", "bureau.bj", "no_such_deadline", True, 9),  # an unknown name is skipped
]


@pytest.mark.parametrize(
    ("participant", "role", "platform", "breached"),
    [
        ("platform.taobao", "platform", "taobao", 2),
        ("platform.jd", "platform", "jd", 1),
        ("bureau.hz", "bureau", None, 5),
        ("bureau.bj", "bureau", None, 0),
        ("court.hz", "court", None, 0),
    ],
)
def test_breached_deadlines_count_against_whoever_is_responsible(
    participant: str, role: str, platform: str | None, breached: int
) -> None:
    assert _breached_for(participant, role, platform, COUNTS) == breached


def test_timeliness_counts_each_platforms_own_deadlines_in_open_cases() -> None:
    rows = _timeliness(COUNTS, {"taobao": 4, "pinduoduo": 1})
    assert rows == [
        {
            "platform": "jd",
            "open_cases": 0,
            "deadlines_open": 0,
            "breached": 1,
            "on_time_share": 0.0,
        },
        {
            "platform": "pinduoduo",
            "open_cases": 1,
            "deadlines_open": 0,
            "breached": 0,
            "on_time_share": None,
        },
        {
            "platform": "taobao",
            "open_cases": 4,
            "deadlines_open": 3,
            "breached": 2,
            "on_time_share": 0.6,
        },
    ]


def _row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"enabled": True, "sync": None, "endpoints": [], "breached_deadlines": 0}
    row.update(changes)
    return row


def _sync(state: str, lag_s: int = 0) -> dict[str, Any]:
    return {"state": state, "last_error": "refused: signature-invalid", "lag_s": lag_s}


@pytest.mark.parametrize(
    ("row", "status"),
    [
        (_row(), "ok"),
        (_row(enabled=False, sync=_sync("failing")), "disabled"),
        (_row(sync=_sync("failing")), "failing"),
        (_row(endpoints=[{"id": "sub_1", "state": "disabled"}]), "failing"),
        (_row(endpoints=[{"id": "sub_1", "state": "retrying"}]), "warning"),
        (_row(sync=_sync("paused")), "warning"),
        (_row(sync=_sync("ok", lag_s=7200)), "warning"),
        (_row(sync=_sync("ok", lag_s=60)), "ok"),
        (_row(breached_deadlines=3), "warning"),
    ],
)
def test_a_rows_status_says_what_needs_a_hand_first(row: dict[str, Any], status: str) -> None:
    assert _status(row)[0] == status


def test_an_endpoint_url_is_shown_without_its_query_or_user_info() -> None:
    shown = shown_url("https://user:pw@hooks.example.org:8443/in/jd?token=s3cret#x")
    assert shown == "https://hooks.example.org:8443/in/jd"


async def test_a_task_that_keeps_failing_is_reported_failing_since_it_first_failed() -> None:
    now = [datetime(2026, 11, 11, 8, 0, tzinfo=UTC)]
    supervisor = Supervisor(backoff_first_s=0.01, backoff_max_s=0.02, stable_after_s=60)

    async def work() -> None:
        await asyncio.sleep(0)
        raise OSError("gateway unreachable")

    heartbeat = Heartbeat("host:1:abc", supervisor, store=None, clock=lambda: now[0])  # type: ignore[arg-type]
    supervisor.run("pull-sync:jd", work)
    try:
        await eventually(lambda: supervisor.health()[0].consecutive_failures >= 1)
        assert heartbeat.tasks()[0]["state"] in ("restarting", "failing")
        await eventually(lambda: supervisor.health()[0].failing)
        now[0] += timedelta(seconds=10)
        (task,) = heartbeat.tasks()
        assert (task["name"], task["state"]) == ("pull-sync:jd", "failing")
        assert task["since"] == "2026-11-11T08:00:00+00:00"  # when it was first seen failing
        assert "gateway unreachable" in task["last_error"]
    finally:
        await supervisor.close()
