"""The ops page's content and actions over HTTP: what it shows, what it never shows, what its
buttons do, and its JSON picture for the terminal."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.ops.page.resources import HEARTBEAT, OPS_STORE, REQUEST_RECORDER
from hub.store.ops import Reject
from hub.store.unmapped import count_unmapped_txn
from tests.conftest import EXAMPLES, example
from tests.ops_page.conftest import OPERATOR, PASSWORD, Clock, login

PERSONAL: dict[str, Any] = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))
CONSUMER = PERSONAL["consumer"]
SECRET_BITS = (CONSUMER["name"], CONSUMER["phone"], CONSUMER["address"], "110101199003077777")


async def _flush(app: web.Application) -> None:
    """What the recorder noted, written now rather than at its next one-second flush."""
    await app[REQUEST_RECORDER].flush(app[OPS_STORE])


def _basic(name: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def _file_with_personal_data(enrol: Any) -> tuple[Any, str]:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    complaint_id = f"bureau.hz:HZ12315-{uuid.uuid4().hex[:12]}"
    written = await bureau.call("PUT", f"/v1/complaints/{complaint_id}/personal", json=PERSONAL)
    filed = example("complaint.filed", complaint_id=complaint_id, event_id=str(uuid.uuid4()))
    filed["data"] = {
        **filed["data"],  # type: ignore[dict-item]
        "personal_ref": "personal-" + complaint_id,
        "personal_commitment": written["personal_commitment"],
    }
    await bureau.post_event(filed)
    return bureau, complaint_id


async def test_no_personal_data_reaches_any_ops_page_even_from_refused_requests(
    app: web.Application, client: TestClient, operator: str, enrol: Any, db: asyncpg.Connection
) -> None:
    bureau, complaint_id = await _file_with_personal_data(enrol)
    # Refused requests that carry personal data in a field, a path and a query.
    leaky = example("complaint.filed", event_id=str(uuid.uuid4()))
    leaky["data"] = {**leaky["data"], "merchant_note": CONSUMER["phone"]}  # type: ignore[dict-item]
    refused = await bureau.request("POST", "/v1/events", json=leaky)
    assert refused.status >= 400
    missing = await bureau.request("GET", f"/v1/complaints/bureau.hz:{CONSUMER['phone']}")
    assert missing.status == 404
    await bureau.request("GET", f"/v1/complaints?region={SECRET_BITS[3]}")
    await _flush(app)

    await login(client)
    pages = [
        await (await client.get(path)).text()
        for path in ("/ops", "/ops/live", "/ops/state.json", "/ops/participants/bureau.hz")
    ]
    for page in pages:
        for secret in SECRET_BITS:
            assert secret not in page
    rejects = await db.fetch("SELECT * FROM ops_rejects")
    assert len(rejects) >= 2
    for row in rejects:
        assert not any(secret in str(dict(row)) for secret in SECRET_BITS)
    # The refusals are there, by type, without their personal data.
    detail_page = pages[3]
    assert "not-found" in detail_page
    assert "GET /v1/complaints/{complaint_id}" in detail_page
    assert complaint_id not in detail_page  # the route's pattern, never the path


async def test_the_overview_shows_participants_activity_rejects_deadlines_codes_and_tasks(
    app: web.Application,
    client: TestClient,
    clock: Clock,
    operator: str,
    enrol: Any,
    db: asyncpg.Connection,
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    await enrol("platform.taobao", "platform", platform="taobao")
    await bureau.post_event(example("complaint.filed", event_id=str(uuid.uuid4())))
    bad = await bureau.request("POST", "/v1/events", json={"type": "nonsense"})
    assert bad.status >= 400
    await count_unmapped_txn(db, [("taobao", "dispute_status", "WAIT_X")] * 3, clock())
    await _flush(app)
    await app[HEARTBEAT].beat()  # the first beat, at start-up, precedes the page's own tasks

    response = await client.get("/ops/state.json", headers=_basic(OPERATOR, PASSWORD))
    assert response.status == 200
    assert "ops_session" not in response.cookies  # Basic opens no session
    picture = await response.json()
    rows = {row["participant_id"]: row for row in picture["participants"]}
    assert rows["bureau.hz"]["last_seen_at"] is not None
    assert rows["bureau.hz"]["last_event_at"] is not None
    assert rows["platform.taobao"]["last_event_at"] is None
    assert sum(rows["bureau.hz"]["rejects_last_hour"].values()) == 1
    assert rows["bureau.hz"]["status"] == "ok"
    assert [t["platform"] for t in picture["timeliness"]] == ["taobao"]
    assert picture["timeliness"][0]["open_cases"] == 1
    assert picture["unmapped_codes"] == [
        {
            "platform": "taobao",
            "field": "dispute_status",
            "code": "WAIT_X",
            "count": 3,
            "last_seen_at": picture["unmapped_codes"][0]["last_seen_at"],
        }
    ]
    (process,) = picture["processes"]
    assert process["alive"] is True
    tasks = {t["name"]: t["state"] for t in process["tasks"]}
    assert tasks["ops-heartbeat"] == tasks["ops-requests"] == "running"

    await login(client)
    page = await (await client.get("/ops")).text()
    assert "bureau.hz" in page
    assert "WAIT_X" in page
    assert process["identity"] in page


async def test_the_json_picture_refuses_wrong_or_missing_credentials(
    client: TestClient, operator: str
) -> None:
    for headers in ({}, _basic(OPERATOR, "wrong"), _basic("nobody", PASSWORD)):
        response = await client.get("/ops/state.json", headers=headers)
        assert response.status == 401
        assert response.headers["Content-Type"].startswith("application/problem+json")
    malformed = await client.get("/ops/state.json", headers={"Authorization": "Basic !!"})
    assert malformed.status == 401


async def _subscription(enrol: Any, db: asyncpg.Connection, state: str) -> str:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    created = await bureau.call(
        "POST", "/v1/subscriptions", json={"url": "http://127.0.0.1:9/in?token=s3cret"}
    )
    await db.execute(
        "UPDATE subscriptions SET state = $2, attempts = 12, last_status = 500,"
        " last_error = 'HTTP 500' WHERE id = $1",
        created["id"],
        state,
    )
    return str(created["id"])


async def test_a_disabled_endpoint_is_re_enabled_and_replayed_through_the_page(
    client: TestClient, operator: str, enrol: Any, db: asyncpg.Connection
) -> None:
    subscription_id = await _subscription(enrol, db, "disabled")
    csrf = await login(client)
    page = await (await client.get("/ops")).text()
    assert "s3cret" not in page  # a receiver's query may hold its token
    assert "http://127.0.0.1:9/in" in page
    assert f"/ops/actions/endpoints/{subscription_id}/enable" in page

    base = f"/ops/actions/endpoints/{subscription_id}"
    enabled = await client.post(
        base + "/enable",
        data={"csrf": csrf, "next": "/ops/participants/bureau.hz"},
        allow_redirects=False,
    )
    assert (enabled.status, enabled.headers["Location"]) == (303, "/ops/participants/bureau.hz")
    row = await db.fetchrow(
        "SELECT state, attempts FROM subscriptions WHERE id = $1", subscription_id
    )
    assert (row["state"], row["attempts"]) == ("active", 0)
    again = await client.post(base + "/enable", data={"csrf": csrf})
    assert again.status == 400  # not disabled any more

    await db.execute("SELECT 1")
    head = await db.fetchval("SELECT last FROM feed_counter")
    replay = await client.post(
        base + "/replay",
        data={"csrf": csrf, "after": "0", "next": "//evil.example"},
        allow_redirects=False,
    )
    assert (replay.status, replay.headers["Location"]) == (303, "/ops")
    assert (
        await db.fetchval(
            "SELECT delivered_position FROM subscriptions WHERE id = $1", subscription_id
        )
        == 0
    )
    for after, status in ((str(head + 1), 400), ("-1", 400), ("x", 400)):
        response = await client.post(base + "/replay", data={"csrf": csrf, "after": after})
        assert response.status == status
    unknown = await client.post("/ops/actions/endpoints/nope/enable", data={"csrf": csrf})
    assert unknown.status == 404


async def test_rejects_are_purged_after_their_retention_and_beyond_the_cap(
    app: web.Application, client: TestClient, clock: Clock, db: asyncpg.Connection
) -> None:
    store = app[OPS_STORE]
    now = clock()
    old = [Reject("p", "bad-request", 400, "x", "POST", "/v1/events", now - timedelta(days=8))]
    recent = [Reject("p", "bad-request", 400, str(i), "POST", "/v1/events", now) for i in range(5)]
    await store.add_rejects(old + recent)
    assert await store.purge_rejects(now - timedelta(days=7), keep_at_most=3) == 3
    kept = await db.fetch("SELECT detail FROM ops_rejects ORDER BY id")
    assert [r["detail"] for r in kept] == ["2", "3", "4"]
