"""A witness's `cosigned_at` is kept only when it lies within a small window around the hub's
clock: a cosignature dated in year 5138, or an hour ago, says nothing a reader can trust."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from hub.audit.heads import TreeHead
from hub.services.audit_log import AUDIT_LOG, COSIGNED_AT_WINDOW_S
from hub.settings import Settings
from tests.api._lifecycle import Cast
from tests.audit.conftest import Client, drive_case, get_json
from tests.clocks import MovableClock, app_on_clock

PROBLEM = "application/problem+json"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    return app_on_clock(settings, clock)


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


async def _head(app: web.Application, client: Client, cast: Cast) -> TreeHead:
    await drive_case(cast, 1)
    await app[AUDIT_LOG].publish()
    return TreeHead.from_json(await get_json(client, "/v1/audit/tree-head"))


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


@pytest.mark.parametrize(
    "offset_s",
    [
        99999999999 - _seconds(datetime.now(UTC)),  # year 5138
        COSIGNED_AT_WINDOW_S + 1,
        -COSIGNED_AT_WINDOW_S - 1,
        -3600,
    ],
    ids=["year-5138", "just-ahead", "just-behind", "an-hour-ago"],
)
async def test_a_cosignature_dated_outside_the_window_is_refused_naming_cosigned_at(
    app: web.Application, client: Client, cast: Cast, clock: MovableClock, offset_s: int
) -> None:
    head = await _head(app, client, cast)
    court = await cast("court")
    answer = await court.cosign_head(head, cosigned_at=_seconds(clock.now) + offset_s)
    assert answer.status == 422, answer.body
    assert answer.headers["Content-Type"].startswith(PROBLEM)
    problem = answer.json()
    assert problem["type"].endswith("/invalid-record")
    assert problem["pointer"] == "/cosigned_at"
    assert problem["rule"] == "cosigned-at-window"
    assert "cosigned_at" in problem["detail"]
    assert (await get_json(client, "/v1/audit/tree-head"))["cosignatures"] == []


@pytest.mark.parametrize("offset_s", [-COSIGNED_AT_WINDOW_S, 0, COSIGNED_AT_WINDOW_S])
async def test_a_cosignature_dated_within_the_window_is_kept(
    app: web.Application, client: Client, cast: Cast, clock: MovableClock, offset_s: int
) -> None:
    head = await _head(app, client, cast)
    court = await cast("court")
    answer = await court.cosign_head(head, cosigned_at=_seconds(clock.now) + offset_s)
    assert answer.status == 201, answer.body


async def test_the_window_is_around_the_hubs_clock_not_the_machines(
    app: web.Application, client: Client, cast: Cast, clock: MovableClock
) -> None:
    head = await _head(app, client, cast)
    court = await cast("court")
    machine_now = _seconds(clock.now)
    clock.now += timedelta(days=1)
    refused = await court.cosign_head(head, cosigned_at=machine_now)
    assert refused.status == 422, refused.body
    assert refused.json()["pointer"] == "/cosigned_at"
    kept = await court.cosign_head(head, cosigned_at=_seconds(clock.now))
    assert kept.status == 201, kept.body


def test_the_window_is_stated_where_witnesses_and_the_route_are_documented() -> None:
    from hub.api.openapi import api_description

    stated = f"{COSIGNED_AT_WINDOW_S} s"
    trust_model = (Path(__file__).resolve().parents[2] / "docs" / "trust-model.md").read_text()
    assert stated in trust_model
    assert "cosigned-at-window" in trust_model
    operation = api_description().document["paths"]["/v1/audit/cosignatures"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert stated in body["properties"]["cosigned_at"]["description"]
    assert "cosigned-at-window" in operation["responses"]["422"]["description"]
