"""JD end to end: a bureau's complaint reaches JD in JD's shape, JD's updates resolve it (push)."""

from __future__ import annotations

from typing import Any

import asyncpg

from hub.demo.simulators.jd import JdSimulator
from hub.demo.simulators.traffic import JD_PATHS
from tests.platforms._sync import Clock, routed_case

ORDER_ID = "312345678901"
AMOUNT_FEN = 59900


async def test_bureau_complaint_reaches_jd_natively_and_jd_updates_resolve_it_in_fen(
    enrol: Any, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    clock = Clock()
    jd = JdSimulator(await enrol("platform.jd", "platform", platform="jd"), clock=clock)
    complaint_id = await routed_case(bureau, "jd", ORDER_ID, AMOUNT_FEN)

    received = await jd.pull_feed()

    assert [m["messageType"] for m in received] == [
        "complaint_hub_ComplaintFiled",
        "complaint_hub_ComplaintAccepted",
        "complaint_hub_ComplaintRouted",
    ]
    routed = received[-1]["body"]
    assert routed["complaintId"] == complaint_id
    assert routed["platform"] == "jd"
    assert routed["orderId"] == ORDER_ID  # from the filing, as a string: JD ids are longs
    assert len(routed["occurredAt"]) == len("2026-11-12 09:30:00")  # JD's local time text
    assert complaint_id in jd.services

    _, steps = JD_PATHS["return"]  # applied, merchant review, received, processing, done
    # Each step happens ten minutes after the last, so each has its own update time.
    responses = await jd.play(
        complaint_id, steps, suggest_amount_fen=AMOUNT_FEN, tick=lambda: clock.advance(600)
    )

    # Only the changes that mean something to the case create events; the rest keep state.
    assert [r.status for r in responses] == [201, 200, 201, 200, 201], [r.body for r in responses]
    snapshot = await bureau.get_complaint(complaint_id)
    assert snapshot["status"] == "resolved"
    assert snapshot["resolution"] == "refund"
    assert snapshot["amount_recovered_fen"] == AMOUNT_FEN
    chain = await bureau.call("GET", f"/v1/complaints/{complaint_id}/events")
    assert [item["event"]["type"] for item in chain["events"][3:]] == [
        "complaint.acknowledged",
        "complaint.offer_made",
        "complaint.resolved",
    ]
    assert {item["event"]["actor"] for item in chain["events"][3:]} == {"platform.jd"}
    linked = await db.fetchrow(
        "SELECT kind, complaint_id, state->>'status' AS status FROM native_refs"
        " WHERE platform = 'jd'"
    )
    assert dict(linked) == {"kind": "afs_service", "complaint_id": complaint_id, "status": "50"}

    # JD reads its own updates back in its own shape, amounts as yuan strings.
    echoed = await jd.pull_feed()
    assert [m["messageType"] for m in echoed] == [
        "complaint_hub_ComplaintAcknowledged",
        "complaint_hub_ComplaintOfferMade",
        "complaint_hub_ComplaintResolved",
    ]
    assert echoed[-1]["body"]["afsServiceId"] == str(jd.services[complaint_id]["afsServiceId"])


async def test_jd_pushing_the_same_service_state_again_creates_no_second_event(
    enrol: Any, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    jd = JdSimulator(await enrol("platform.jd", "platform", platform="jd"), clock=Clock())
    complaint_id = await routed_case(bureau, "jd", ORDER_ID, AMOUNT_FEN)
    await jd.pull_feed()
    first = await jd.advance(complaint_id, 10)
    assert first.status == 201, first.body
    events_before = await db.fetchval("SELECT count(*) FROM events")

    again = await jd.advance(complaint_id, 10)

    assert again.status == 200, again.body
    assert again.json()["results"] == first.json()["results"]
    assert await db.fetchval("SELECT count(*) FROM events") == events_before
