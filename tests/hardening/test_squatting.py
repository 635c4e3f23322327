"""Nobody can take an event id that is somebody else's: not the hub's own breach ids, and not a
stored id for another complaint, another body or another actor."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from aiohttp import web

from hub.domain.breaches import breach_event_id
from hub.problems import EventIdReused, IdConflict
from hub.sdk.client import HubClient
from hub.services.resources import CHECKS
from hub.store.events import Appended, EventStore, PendingEvent
from hub.store.pool import create_pool
from hub.store.resources import EVENT_STORE, POOL
from hub.store.sweeps import SweepStore
from hub.supervisor import Supervisor
from hub.sweeper.sweep import DeadlineSweeper
from hub.trust.signer import HubSigner
from tests.conftest import example

BUREAU = "bureau.hz"
PLATFORM = "platform.taobao"
RECEIVED = "2026-11-12T09:12:45+08:00"
DUE = "2026-11-23"  # the 7th working day after RECEIVED: acceptance is due
AFTER_DUE = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


async def _file(bureau: HubClient) -> str:
    complaint_id = f"{BUREAU}:HZ12315-{uuid.uuid4().hex[:12]}"
    filed = example("complaint.filed", event_id=str(uuid.uuid4()), complaint_id=complaint_id)
    filed["data"] = {**filed["data"], "received_at": RECEIVED}  # type: ignore[dict-item]
    await bureau.post_event(filed)
    return complaint_id


def _note(complaint_id: str, version: int, event_id: str) -> dict[str, Any]:
    return example("case.note_added", event_id=event_id, complaint_id=complaint_id, version=version)


async def test_a_participant_cannot_take_the_id_of_a_breach_the_hub_will_record(
    app: web.Application, enrol: Any
) -> None:
    bureau: HubClient = await enrol(BUREAU, "bureau", regions=("330100",))
    platform: HubClient = await enrol(PLATFORM, "platform", platform="taobao")
    complaint_id = await _file(bureau)
    squatted = breach_event_id(complaint_id, "acceptance_decision", DUE)

    for sender in (platform, bureau):
        response = await sender.request("POST", "/v1/events", json=_note(complaint_id, 2, squatted))
        assert response.status == 422, response.body[:300]
        assert response.json()["pointer"] == "/event_id"

    sweeper = DeadlineSweeper(
        SweepStore(app[POOL]), app[EVENT_STORE], app[CHECKS], clock=lambda: AFTER_DUE
    )
    report = await sweeper.record_breaches()
    assert report.breaches_recorded == 1
    chain = await bureau.call("GET", f"/v1/complaints/{complaint_id}/events")
    (breach,) = [i["event"] for i in chain["events"] if i["event"]["type"] == "deadline.breached"]
    assert breach["event_id"] == squatted
    assert breach["actor"] == "hub"


def test_breach_ids_are_in_the_hubs_own_uuid_version() -> None:
    event_id = breach_event_id("bureau.hz:HZ12315-1", "acceptance_decision", DUE)
    assert uuid.UUID(event_id).version == 8
    # still derived: every hub process names the same breach alike
    assert event_id == breach_event_id("bureau.hz:HZ12315-1", "acceptance_decision", DUE)


# -- the store: a duplicate is the same actor, complaint and digest; anything else conflicts ----

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)


def _pending(
    complaint_id: str, event_id: str, *, actor: str = "alice", note: str = ""
) -> PendingEvent:
    body = orjson.dumps({"complaint_id": complaint_id, "event_id": event_id, "note": note})
    return PendingEvent(
        event_id=event_id,
        complaint_id=complaint_id,
        version=1,
        type="case.note_added",
        actor=actor,
        occurred_at=NOW,
        body=body,
        event_sha256=hashlib.sha256(body).digest(),
    )


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[EventStore]:
    pool = await create_pool(database_url, size=4)
    event_store = EventStore(pool, seal=HubSigner.ephemeral().seal, max_items=100, max_wait_s=0.05)
    supervisor = Supervisor()
    await event_store.start(supervisor)
    yield event_store
    await event_store.close()
    await supervisor.close()
    await pool.close()


async def test_a_stored_id_from_another_actor_is_a_conflict_not_a_duplicate(
    store: EventStore,
) -> None:
    event_id = str(uuid.uuid4())
    await store.append(_pending("C1", event_id, actor="squatter"))
    (result,) = await store.append_many([_pending("C1", event_id, actor="hub")])
    assert isinstance(result, IdConflict)
    assert result.status == 409


@pytest.mark.parametrize(
    "other", [{"complaint_id": "C2"}, {"note": "another body"}], ids=["complaint", "body"]
)
async def test_a_stored_id_for_another_complaint_or_body_is_reused(
    store: EventStore, other: dict[str, str]
) -> None:
    event_id = str(uuid.uuid4())
    first = await store.append(_pending("C1", event_id))
    (result,) = await store.append_many(
        [_pending(**{"complaint_id": "C1", **other}, event_id=event_id)]
    )
    assert isinstance(result, EventIdReused)
    assert result.status == 409
    assert result.extensions["position"] == first.position


async def test_the_same_event_again_is_a_duplicate(store: EventStore) -> None:
    event_id = str(uuid.uuid4())
    first = await store.append(_pending("C1", event_id))
    (again,) = await store.append_many([_pending("C1", event_id)])
    assert isinstance(again, Appended)
    assert again.duplicate
    assert again.position == first.position


async def test_inside_one_group_a_second_sender_of_an_id_gets_a_conflict(
    store: EventStore,
) -> None:
    event_id = str(uuid.uuid4())
    results = await store.append_many(
        [
            _pending("C1", event_id),
            _pending("C1", event_id),
            _pending("C1", event_id, actor="mallory"),
            _pending("C2", event_id),
        ]
    )
    first, same, other_actor, other_complaint = results
    assert isinstance(first, Appended)
    assert not first.duplicate
    assert isinstance(same, Appended)
    assert same.duplicate
    assert isinstance(other_actor, IdConflict)
    assert isinstance(other_complaint, EventIdReused)
