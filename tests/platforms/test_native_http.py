"""Platforms speaking their native formats through the hub: push, idempotency, refusals, feed."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
import pytest

from hub.sdk.client import HubClient, Response
from tests.api._lifecycle import Cast, event, new_complaint_id, prepare, row_counts, step_event

REFUND_ID = "200456789012345678"
ORDER_ID = 4012345678901234567  # Taobao sends it as a JSON number above 2^53


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


def taobao_message(topic: str, modified: str, refund_fee: str = "599.00") -> dict[str, Any]:
    return {
        "topic": f"taobao_refund_{topic}",
        "content": {
            "refund_id": REFUND_ID,
            "tid": ORDER_ID,
            "refund_fee": refund_fee,
            "modified": modified,
            "refund_phase": "aftersale",
        },
    }


async def push(
    client: HubClient, platform: str, payload: Any, complaint_id: str | None = None
) -> Response:
    return await client.request(
        "POST",
        f"/v1/platforms/{platform}/inbound",
        json=payload,
        params={"complaint_id": complaint_id},
    )


async def native_rows(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT count(*) FROM native_refs"))


async def test_taobao_messages_move_a_bureau_case_to_resolved_with_the_refund_in_fen(
    cast: Cast,
) -> None:
    routed = await prepare(cast, "bureau", 3)
    taobao = await cast("platform")
    messages = [
        taobao_message("RefundCreated", "2026-11-14 10:00:00"),
        taobao_message("RefundSellerAgreeAgreement", "2026-11-14 11:00:00"),
        taobao_message("RefundSuccess", "2026-11-14 12:00:00"),
    ]

    answers = []
    for index, message in enumerate(messages):
        # Only the first push names the complaint; the hub links the refund id to it.
        response = await push(taobao, "taobao", message, routed.complaint_id if not index else None)
        assert response.status == 201, response.body
        answers.append(response.json())

    versions = [a["results"][0]["version"] for a in answers]
    assert versions == [4, 5, 6]
    assert all(a["complaint_id"] == routed.complaint_id for a in answers)
    assert answers[0]["native_ref"] == {
        "platform": "taobao",
        "kind": "refund",
        "native_id": REFUND_ID,
    }
    receipt = await taobao.verify_receipt(answers[2]["results"][0]["receipt"])
    assert receipt["version"] == 6
    assert receipt["actor"] == "platform.taobao"

    bureau = await cast("bureau")
    snapshot = await bureau.get_complaint(routed.complaint_id)
    assert snapshot["status"] == "resolved"
    assert snapshot["resolution"] == "refund"
    assert snapshot["amount_recovered_fen"] == 59900

    chain = await bureau.call("GET", f"/v1/complaints/{routed.complaint_id}/events")
    native_events = chain["events"][3:]
    assert [e["event"]["type"] for e in native_events] == [
        "complaint.acknowledged",
        "complaint.offer_made",
        "complaint.resolved",
    ]
    assert native_events[1]["event"]["data"]["amount_fen"] == 59900
    assert native_events[2]["event"]["data"]["amount_fen"] == 59900
    # The evidence of each event is the platform's own signed native message.
    for item, message in zip(native_events, messages, strict=True):
        assert item["evidence"]["sender"] == "platform.taobao"
        assert orjson.loads(item["evidence"]["body"]) == message


async def test_repushing_a_native_message_returns_its_stored_results_and_creates_nothing(
    cast: Cast, db: asyncpg.Connection
) -> None:
    routed = await prepare(cast, "bureau", 3)
    taobao = await cast("platform")
    message = taobao_message("RefundCreated", "2026-11-14 10:00:00")
    first = await push(taobao, "taobao", message, routed.complaint_id)
    assert first.status == 201
    before = (await row_counts(db), await native_rows(db))

    again = await push(taobao, "taobao", message)
    linked_again = await push(taobao, "taobao", message, routed.complaint_id)

    for response in (again, linked_again):
        assert response.status == 200, response.body
        assert response.json()["results"] == first.json()["results"]
    assert (await row_counts(db), await native_rows(db)) == before


async def test_an_older_native_message_after_a_newer_one_changes_nothing(
    cast: Cast, db: asyncpg.Connection
) -> None:
    routed = await prepare(cast, "bureau", 3)
    taobao = await cast("platform")
    newer = taobao_message("RefundSellerAgreeAgreement", "2026-11-14 11:00:00")
    assert (await push(taobao, "taobao", newer, routed.complaint_id)).status == 201
    before = await row_counts(db)

    late = await push(taobao, "taobao", taobao_message("RefundCreated", "2026-11-14 10:00:00"))

    assert late.status == 200
    assert late.json()["superseded"] is True
    assert late.json()["results"] == []
    assert await row_counts(db) == before


async def test_a_push_signed_by_another_platform_is_forbidden(
    cast: Cast, db: asyncpg.Connection
) -> None:
    routed = await prepare(cast, "bureau", 3)
    jd = await cast("other_platform")
    before = await row_counts(db)

    response = await push(
        jd, "taobao", taobao_message("RefundCreated", "2026-11-14 10:00:00"), routed.complaint_id
    )

    assert response.status == 403
    assert response.json()["type"].endswith("/not-platform-owner")
    assert await row_counts(db) == before
    assert await native_rows(db) == 0


async def test_a_push_to_an_unknown_platform_is_not_found(cast: Cast) -> None:
    taobao = await cast("platform")
    response = await push(taobao, "nosuchmall", {"anything": 1})
    assert response.status == 404


async def test_a_malformed_native_payload_is_refused_naming_the_native_field(
    cast: Cast, db: asyncpg.Connection
) -> None:
    routed = await prepare(cast, "bureau", 3)
    taobao = await cast("platform")
    before = await row_counts(db)

    # Three decimals of a yuan: a unit mistake the adapter never guesses at.
    message = taobao_message("RefundCreated", "2026-11-14 10:00:00", refund_fee="599.001")
    response = await push(taobao, "taobao", message, routed.complaint_id)

    assert response.status == 422
    problem = response.json()
    assert problem["type"].endswith("/native-field-invalid")
    assert problem["field"] == "/content/refund_fee"
    assert await row_counts(db) == before


async def test_an_illegal_transition_is_refused_naming_the_native_status_field(
    cast: Cast, db: asyncpg.Connection
) -> None:
    accepted = await prepare(cast, "bureau", 2)  # accepted, not yet routed to the platform
    taobao = await cast("platform")
    before = await row_counts(db)

    response = await push(
        taobao,
        "taobao",
        taobao_message("RefundCreated", "2026-11-14 10:00:00"),
        accepted.complaint_id,
    )

    assert response.status == 409
    problem = response.json()
    assert problem["type"].endswith("/illegal-transition")
    assert problem["field"] == "/topic"
    assert problem["native_ref"]["native_id"] == REFUND_ID
    assert problem["results"][0]["status"] == 409
    # Nothing was applied, not even the native state: a re-push once routed goes through.
    assert await row_counts(db) == before
    assert await native_rows(db) == 0


async def test_a_full_refund_record_names_its_status_field_when_refused(cast: Cast) -> None:
    accepted = await prepare(cast, "bureau", 2)
    taobao = await cast("platform")
    record = {
        **taobao_message("RefundCreated", "2026-11-14 10:00:00")["content"],
        "status": "WAIT_SELLER_AGREE",
    }

    response = await push(taobao, "taobao", record, accepted.complaint_id)

    assert response.status == 409
    assert response.json()["field"] == "/status"


async def test_a_platform_cannot_act_through_its_adapter_on_another_platforms_case(
    cast: Cast, db: asyncpg.Connection
) -> None:
    taobao_case = await prepare(cast, "bureau", 3)
    jd = await cast("other_platform")
    jd_record = {
        "afsServiceId": 1234567890,
        "afsApplyId": 987654321,
        "orderId": ORDER_ID,
        "customerExpect": 10,
        "afsServiceStep": 10,
        "suggestAmount": "599.00",
        "afsApplyTime": "2026-11-14 09:00:00",
    }
    before = await row_counts(db)

    response = await push(jd, "jd", jd_record, taobao_case.complaint_id)

    # a case another platform may not see is answered as if it did not exist
    assert response.status == 409
    assert response.json()["type"].endswith("/unknown-complaint")
    assert await row_counts(db) == before


async def test_a_native_record_naming_no_complaint_is_refused_as_unlinked(cast: Cast) -> None:
    taobao = await cast("platform")
    response = await push(taobao, "taobao", taobao_message("RefundCreated", "2026-11-14 10:00:00"))
    assert response.status == 409
    assert response.json()["type"].endswith("/unlinked-native-record")


async def _route_to_jd(cast: Cast) -> str:
    complaint_id = new_complaint_id()
    bureau = await cast("bureau")
    filed = step_event("bureau", 1, complaint_id, respondent={"platform": "jd"})
    await bureau.post_event(filed)
    await bureau.post_event(
        event("complaint.accepted", complaint_id, 2, handling_bureau="bureau.hz")
    )
    await bureau.post_event(event("complaint.routed", complaint_id, 3, platform="jd"))
    return complaint_id


async def test_the_native_feed_renders_a_routed_complaint_in_jds_shape_for_jd_only(
    cast: Cast,
) -> None:
    jd_case = await _route_to_jd(cast)
    taobao_case = await prepare(cast, "bureau", 3)
    jd = await cast("other_platform")

    page = await jd.call("GET", "/v1/platforms/jd/feed", params={"after": 0, "limit": 50})

    assert {item["complaint_id"] for item in page["items"]} == {jd_case}
    assert taobao_case.complaint_id not in orjson.dumps(page).decode()
    routed = page["items"][-1]["message"]
    assert routed["messageType"] == "complaint_hub_ComplaintRouted"
    assert routed["body"]["complaintId"] == jd_case
    assert routed["body"]["platform"] == "jd"
    assert routed["body"]["orderId"] == "4012345678901234567"
    assert routed["body"]["version"] == 3
    # The cursor moves past the events JD may not see, so its next read starts after them.
    assert page["next"] == 6
    assert page["more"] is False
    later = await jd.call("GET", "/v1/platforms/jd/feed", params={"after": page["next"]})
    assert later["items"] == []


async def test_the_native_feed_names_the_platforms_native_ids_once_linked(cast: Cast) -> None:
    routed = await prepare(cast, "bureau", 3)
    taobao = await cast("platform")
    message = taobao_message("RefundCreated", "2026-11-14 10:00:00")
    assert (await push(taobao, "taobao", message, routed.complaint_id)).status == 201

    page = await taobao.call("GET", "/v1/platforms/taobao/feed", params={"limit": 2})

    assert page["more"] is True
    assert [i["message"]["topic"] for i in page["items"]] == [
        "complaint_hub_ComplaintFiled",
        "complaint_hub_ComplaintAccepted",
    ]
    rest = await taobao.call("GET", "/v1/platforms/taobao/feed", params={"after": page["next"]})
    acknowledged = rest["items"][-1]["message"]
    assert acknowledged["topic"] == "complaint_hub_ComplaintAcknowledged"
    assert acknowledged["content"]["refund_id"] == REFUND_ID
    assert acknowledged["content"]["tid"] == "4012345678901234567"


async def test_only_the_platform_or_an_operator_reads_its_native_feed(cast: Cast) -> None:
    await _route_to_jd(cast)
    taobao = await cast("platform")
    bureau = await cast("bureau")
    operator = await cast("operator")

    for reader in (taobao, bureau):
        response = await reader.request("GET", "/v1/platforms/jd/feed")
        assert response.status == 403
    page = await operator.call("GET", "/v1/platforms/jd/feed")
    assert len(page["items"]) == 3
