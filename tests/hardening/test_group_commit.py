"""One bad item never harms another: a value PostgreSQL cannot store is refused per item, before
the group transaction; and a data error inside a group fails only the item that caused it."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import pytest

from hub.domain.named import Registered
from hub.problems import InvalidRecord
from hub.sdk.client import HubClient
from hub.store.events import (
    Appended,
    CaseState,
    Decision,
    EventStore,
    PendingEvent,
    chain_check,
)
from hub.store.pool import create_pool
from hub.supervisor import Supervisor
from hub.trust.signer import HubSigner
from tests.conftest import example

PROBLEM = "application/problem+json"
BUREAU = "bureau.hz"


def _filing(*, goods_name: str = "无线降噪耳机 黑色") -> dict[str, Any]:
    document = example(
        "complaint.filed",
        event_id=str(uuid.uuid4()),
        complaint_id=f"{BUREAU}:HZ12315-{uuid.uuid4().hex[:12]}",
    )
    data = orjson.loads(orjson.dumps(document["data"]))
    data["goods"][0]["name"] = goods_name
    document["data"] = data
    return document


async def test_poisoned_filings_fail_alone_when_sent_together(
    enrol: Any, db: asyncpg.Connection
) -> None:
    bureau: HubClient = await enrol(BUREAU, "bureau", regions=("330100",))
    valid = [_filing() for _ in range(40)]
    poisoned = [_filing(goods_name="耳机\u0000黑色") for _ in range(5)]
    documents = valid[:20] + poisoned + valid[20:]

    responses = await asyncio.gather(
        *(bureau.request("POST", "/v1/events", json=d) for d in documents)
    )

    by_id = {d["event_id"]: r for d, r in zip(documents, responses, strict=True)}
    assert sorted(by_id[d["event_id"]].status for d in valid) == [201] * 40
    for document in poisoned:
        response = by_id[document["event_id"]]
        assert response.status == 422, response.body[:300]
        assert response.headers["Content-Type"].startswith(PROBLEM)
        problem = response.json()
        assert problem["pointer"] == "/data/goods/0/name"
        assert "\x00" not in response.body.decode()
    assert await db.fetchval("SELECT count(*) FROM events") == 40
    positions = [r["position"] for r in await db.fetch("SELECT position FROM events ORDER BY 1")]
    assert positions == list(range(1, 41))


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("/data/respondent/merchant/name", "店\u0000铺"),
        ("/data/goods/0/name", "\u0000"),
        ("/data/category/level2", "defect\u0000"),
    ],
)
async def test_a_nul_anywhere_is_refused_with_its_pointer(
    enrol: Any, db: asyncpg.Connection, pointer: str, value: str
) -> None:
    bureau: HubClient = await enrol(BUREAU, "bureau", regions=("330100",))
    document = _filing()
    node: Any = document
    *parents, leaf = pointer.strip("/").split("/")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[leaf] = value
    response = await bureau.request("POST", "/v1/events", json=document)
    assert response.status == 422, response.body[:300]
    assert response.json()["pointer"] == pointer
    assert await db.fetchval("SELECT count(*) FROM events") == 0


async def test_a_version_beyond_the_stored_integer_is_refused(enrol: Any) -> None:
    bureau: HubClient = await enrol(BUREAU, "bureau", regions=("330100",))
    document = {**_filing(), "version": 2**31}
    response = await bureau.request("POST", "/v1/events", json=document)
    assert response.status == 422, response.body[:300]
    assert response.json()["pointer"] == "/version"


@pytest.mark.parametrize("event_type", [{}, [], ["complaint.filed"], {"a": 1}, 7, None])
async def test_an_event_type_that_is_no_string_is_refused(enrol: Any, event_type: object) -> None:
    bureau: HubClient = await enrol(BUREAU, "bureau", regions=("330100",))
    document = {**_filing(), "type": event_type}
    response = await bureau.request("POST", "/v1/events", json=document)
    assert response.status == 422, response.body[:300]
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert response.json()["pointer"] == "/type"


# -- the store's own guard: a data error inside a group fails its item alone -----------------

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)


def _pending(complaint_id: str, version: int = 1) -> PendingEvent:
    event_id = str(uuid.uuid4())
    body = orjson.dumps({"complaint_id": complaint_id, "event_id": event_id, "version": version})
    return PendingEvent(
        event_id=event_id,
        complaint_id=complaint_id,
        version=version,
        type="case.note_added",
        actor="tester",
        occurred_at=NOW,
        body=body,
        event_sha256=hashlib.sha256(body).digest(),
    )


def _poisoning_check(
    case: CaseState | None,
    event: PendingEvent,
    accepted_at: datetime,
    named: Mapping[str, Registered],
) -> Decision:
    """Decides like `chain_check`, but the snapshot of a "P..." case holds a NUL jsonb refuses."""
    decision = chain_check(case, event, accepted_at, named)
    if event.complaint_id.startswith("P"):
        return Decision(dataclasses_replace_snapshot(decision.case, {"note": "a\u0000b"}))
    return decision


def dataclasses_replace_snapshot(case: CaseState, snapshot: dict[str, Any]) -> CaseState:
    return CaseState(case.complaint_id, case.version, case.status, snapshot)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[EventStore]:
    pool = await create_pool(database_url, size=4)
    event_store = EventStore(pool, seal=HubSigner.ephemeral().seal, max_items=100, max_wait_s=0.2)
    supervisor = Supervisor()
    await event_store.start(supervisor)
    yield event_store
    await event_store.close()
    await supervisor.close()
    await pool.close()


async def test_a_data_error_inside_a_group_fails_only_its_item(
    store: EventStore, db: asyncpg.Connection
) -> None:
    items = [_pending(f"C{i}") for i in range(30)]
    items[7:7] = [_pending("P1")]
    items[20:20] = [_pending("P2")]
    # a chain across the group: version 2 rides on an accepted version 1
    items.append(_pending("C3", 2))

    results = await store.append_many(items, _poisoning_check)

    refused = {
        item.complaint_id
        for item, r in zip(items, results, strict=True)
        if not isinstance(r, Appended)
    }
    assert refused == {"P1", "P2"}
    for item, result in zip(items, results, strict=True):
        if item.complaint_id.startswith("P"):
            assert isinstance(result, InvalidRecord)
            assert result.status == 422
    positions = [r["position"] for r in await db.fetch("SELECT position FROM events ORDER BY 1")]
    assert positions == list(range(1, 32))
    # the audit log's leaves follow the positions, with no gap
    assert await db.fetchval("SELECT count(*) FROM audit_nodes WHERE level = 0") == 31
