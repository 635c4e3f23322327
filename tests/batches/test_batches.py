"""POST /v1/batches over HTTP against PostgreSQL, with real keys: per-item verdicts, one hub
signature over the accepted items, receipts verified by the SDK, evidence kept from others."""

from __future__ import annotations

import asyncio
from datetime import datetime

import asyncpg
import pytest
from aiohttp import web
from prometheus_client import REGISTRY

from hub.audit.batch_receipts import BatchReceiptInvalid, is_batch_receipt, parse_item_receipt
from hub.cli.audit import verify_log
from hub.crypto._b64 import b64url_encode
from hub.crypto.jcs import canonical_json
from hub.crypto.receipts import receipt_payload
from hub.sdk.client import HubClient, HubError
from hub.store.resources import POOL
from tests.api._lifecycle import (
    OFFER_ID,
    Cast,
    Enrol,
    event,
    new_complaint_id,
    row_counts,
    step_event,
)


def _chain(complaint_id: str, upto: int) -> list[dict[str, object]]:
    """The bureau's first `upto` steps of one complaint: filed, accepted, routed."""
    return [step_event("bureau", v, complaint_id) for v in range(1, upto + 1)]


def _quiet(done: int, total: int) -> None:
    pass


async def test_each_item_gets_its_own_verdict_and_one_bad_item_harms_no_other(
    enrol: Enrol, db: asyncpg.Connection, app: web.Application
) -> None:
    cast = Cast(enrol)
    bureau = await cast("bureau")
    earlier = step_event("bureau", 1, new_complaint_id())
    first_answer = await bureau.post_event(earlier)
    chained = _chain(new_complaint_id(), 3)  # v1, v2, v3 of one case in one batch
    invalid = step_event("bureau", 1, new_complaint_id())
    del invalid["occurred_at"]
    other = new_complaint_id()
    filed_other = step_event("bureau", 1, other)
    illegal = event("complaint.confirmed", other, 2)  # confirmed before any resolution
    before = await row_counts(db)

    items = await bureau.send_batch([*chained, earlier, invalid, filed_other, illegal])

    assert [i["outcome"] for i in items] == [
        "accepted",
        "accepted",
        "accepted",
        "replayed",
        "refused",
        "accepted",
        "refused",
    ]
    assert [i["index"] for i in items] == list(range(7))
    assert [i["version"] for i in items[:3]] == [1, 2, 3]
    # Appended in the order sent, at dense positions, all in one commit.
    positions = [items[i]["position"] for i in (0, 1, 2, 5)]
    assert positions == list(range(positions[0], positions[0] + 4))
    assert len({items[i]["accepted_at"] for i in (0, 1, 2, 5)}) == 1
    # The replay is the original answer, receipt and all.
    replay = items[3]
    assert replay["status"] == 200
    assert replay["receipt"] == first_answer["receipt"]
    assert replay["position"] == first_answer["position"]
    assert items[4]["status"] == 422
    assert items[4]["problem"]["type"].endswith("/invalid-record")
    assert "occurred_at" in items[4]["problem"]["detail"]
    assert items[6]["status"] == 409
    assert items[6]["problem"]["type"].endswith("/illegal-transition")
    after = await row_counts(db)
    assert after.events == before.events + 4
    assert after.evidence == before.evidence + 1  # the batch's signed request, stored once
    # Every new item's receipt is a batch item receipt over one root; each verified in the SDK.
    new = [items[i] for i in (0, 1, 2, 5)]
    assert all(is_batch_receipt(i["receipt"]) for i in new)
    assert len({parse_item_receipt(i["receipt"]).batch_jws for i in new}) == 1
    assert [parse_item_receipt(i["receipt"]).leaf_index for i in new] == [0, 1, 2, 3]
    assert all(i["receipt_payload"]["position"] == i["position"] for i in new)
    # The case reads as if the events had come one by one; the audit log verifies throughout.
    case = await bureau.get_complaint(str(chained[0]["complaint_id"]))
    assert case["version"] == 3
    # A feed reader checks each batch item's receipt against the event it comes with.
    page = await bureau.get_feed(after=positions[0] - 1, limit=4)
    verified = [await bureau.verify_feed_item(item) for item in page["items"]]
    assert [v["position"] for v in verified] == positions
    summary = await verify_log(app[POOL], _quiet)
    assert summary["failures"] == []


async def test_a_retry_of_the_whole_batch_gets_the_same_verdicts(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    bureau = await cast("bureau")
    complaint_id = new_complaint_id()
    invalid = step_event("bureau", 1, new_complaint_id())
    invalid["data"] = {}
    batch = [*_chain(complaint_id, 2), invalid, event("complaint.confirmed", complaint_id, 3)]
    first = await bureau.send_batch(batch)
    before = await row_counts(db)

    again = await bureau.send_batch(batch)

    assert [i["outcome"] for i in first] == ["accepted", "accepted", "refused", "refused"]
    assert [i["outcome"] for i in again] == ["replayed", "replayed", "refused", "refused"]
    for then, now in zip(first, again, strict=True):
        assert now.get("receipt") == then.get("receipt")
        assert now.get("position") == then.get("position")
        assert now.get("problem", {}).get("type") == then.get("problem", {}).get("type")
    assert await row_counts(db) == before


async def test_a_batch_of_a_thousand_is_committed_at_dense_positions_and_every_receipt_verifies(
    enrol: Enrol,
) -> None:
    bureau = await Cast(enrol)("bureau")
    batch = [step_event("bureau", 1, new_complaint_id()) for _ in range(1000)]

    items = await bureau.send_batch(batch)  # the SDK verifies every receipt

    assert {i["outcome"] for i in items} == {"accepted"}
    positions = [i["position"] for i in items]
    assert positions == list(range(positions[0], positions[0] + 1000))
    assert [i["receipt_payload"]["event_id"] for i in items] == [e["event_id"] for e in batch]


async def test_a_tampered_inclusion_path_or_leaf_fails_in_the_sdk(enrol: Enrol) -> None:
    bureau = await Cast(enrol)("bureau")
    batch = [step_event("bureau", 1, new_complaint_id()) for _ in range(5)]
    items = await bureau.send_batch(batch)
    receipt = items[2]["receipt"]
    item = parse_item_receipt(receipt)
    flipped = bytes([item.inclusion_path[0][0] ^ 1]) + item.inclusion_path[0][1:]
    tampered_path = f"{item.batch_jws}.{b64url_encode(item.leaf)}.2." + b64url_encode(
        b"".join([flipped, *item.inclusion_path[1:]])
    )
    other_leaf = parse_item_receipt(items[3]["receipt"]).leaf
    tampered_leaf = receipt.replace(b64url_encode(item.leaf), b64url_encode(other_leaf))
    moved = receipt.replace(".2.", ".3.")

    assert (await bureau.verify_receipt(receipt))["event_id"] == batch[2]["event_id"]
    for bad in (tampered_path, tampered_leaf, moved):
        with pytest.raises(BatchReceiptInvalid):
            await bureau.verify_receipt(bad)
    # A good receipt of another item does not pass for this event.
    with pytest.raises(HubError):
        await bureau.verify_event_receipt(batch[2], items[3]["receipt"])


async def test_the_batch_evidence_is_shown_to_its_sender_and_operators_only(
    enrol: Enrol,
) -> None:
    cast = Cast(enrol)
    bureau, platform = await cast("bureau"), await cast("platform")
    operator = await cast("operator")
    complaint_id = new_complaint_id()
    # The case is routed to the platform within the batch, which also holds an item refused.
    refused = event("complaint.confirmed", new_complaint_id(), 2)
    items = await bureau.send_batch([*_chain(complaint_id, 3), refused])
    assert [i["outcome"] for i in items] == ["accepted", "accepted", "accepted", "refused"]

    async def chain_evidence(reader: HubClient) -> list[bool]:
        chain = await reader.call("GET", f"/v1/complaints/{complaint_id}/events")
        return ["evidence" in e for e in chain["events"]]

    assert await chain_evidence(platform) == [False, False, False]
    assert await chain_evidence(bureau) == [True, True, True]
    assert await chain_evidence(operator) == [True, True, True]
    # The platform still gets every item's event and verifiable receipt.
    chain = await platform.call("GET", f"/v1/complaints/{complaint_id}/events")
    for shown in chain["events"]:
        assert (await platform.verify_receipt(shown["receipt"]))["complaint_id"] == complaint_id


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"events": []}, "/events"),
        ({"events": "no"}, "/events"),
        ({"items": []}, ""),
        ([], ""),
    ],
)
async def test_a_batch_that_is_not_one_is_refused_whole_and_changes_nothing(
    enrol: Enrol, db: asyncpg.Connection, body: object, pointer: str
) -> None:
    bureau = await Cast(enrol)("bureau")
    before = await row_counts(db)

    response = await bureau.request("POST", "/v1/batches", json=body)

    assert response.status == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["pointer"] == pointer
    assert await row_counts(db) == before


async def test_more_than_a_thousand_items_are_refused_whole(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    bureau = await Cast(enrol)("bureau")
    before = await row_counts(db)
    # Small items, so the body stays within the size limit and the count is what refuses it.
    response = await bureau.request("POST", "/v1/batches", json={"events": [{}] * 1001})
    assert response.status == 422
    assert response.json()["max_items"] == 1000
    assert await row_counts(db) == before


async def test_items_follow_the_single_endpoints_rules_of_role_and_ownership(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    platform = await cast("platform")
    bureau_case = step_event("bureau", 1, new_complaint_id())  # not in the platform's namespace
    not_an_object = "complaint.filed"
    reused_id = step_event("bureau", 1, new_complaint_id("platform.taobao"))
    reused_id["data"]["channel"] = "platform_odr"
    twin = dict(reused_id, complaint_id=new_complaint_id("platform.taobao"))
    before = await row_counts(db)

    response = await platform.request(
        "POST", "/v1/batches", json={"events": [bureau_case, not_an_object, reused_id, twin]}
    )

    assert response.status == 200
    items = response.json()["items"]

    assert [i["outcome"] for i in items] == ["refused", "refused", "accepted", "refused"]
    assert items[1]["problem"]["type"].endswith("/invalid-record")
    assert items[3]["problem"]["type"].endswith("/event-id-reused")
    assert (await row_counts(db)).events == before.events + 1


async def test_batches_and_single_events_at_once_keep_positions_dense_and_the_log_whole(
    enrol: Enrol, db: asyncpg.Connection, app: web.Application
) -> None:
    cast = Cast(enrol)
    bureau = await cast("bureau")
    shared = new_complaint_id()
    batches = [[step_event("bureau", 1, new_complaint_id()) for _ in range(50)] for _ in range(3)]
    batches[0].append(step_event("bureau", 1, shared))
    singles = [step_event("bureau", 1, new_complaint_id()) for _ in range(20)]
    rival = step_event("bureau", 1, shared)  # the same case filed by a single event meanwhile

    answers = await asyncio.gather(
        *(bureau.send_batch(b) for b in batches),
        *(bureau.post_event(e) for e in singles),
        bureau.request("POST", "/v1/events", json=rival),
        return_exceptions=True,
    )

    assert not [a for a in answers if isinstance(a, BaseException)]
    # Exactly one of the two filings of the shared case won; the other was refused alone.
    shared_item = answers[0][-1]  # type: ignore[index]
    rival_status = answers[-1].status  # type: ignore[union-attr]
    assert sorted([shared_item["status"], rival_status]) == [201, 409]
    positions = [r["position"] for r in await db.fetch("SELECT position FROM events")]
    assert sorted(positions) == list(range(1, len(positions) + 1))
    assert len(positions) == 3 * 50 + 20 + 1
    summary = await verify_log(app[POOL], _quiet)
    assert summary["failures"] == []


async def test_an_item_holding_what_the_database_cannot_store_fails_alone(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    bureau = await Cast(enrol)("bureau")
    good = [step_event("bureau", 1, new_complaint_id()) for _ in range(3)]
    bad = step_event("bureau", 1, new_complaint_id())
    bad["data"]["respondent"]["merchant"]["name"] = "A\u0000B"  # no NUL in PostgreSQL's jsonb
    before = await row_counts(db)

    items = await bureau.send_batch([good[0], bad, good[1], good[2]])

    assert [i["outcome"] for i in items] == ["accepted", "refused", "accepted", "accepted"]
    assert items[1]["status"] == 422
    assert items[1]["problem"]["type"].endswith("/invalid-record")
    assert items[1]["problem"]["pointer"] == "/data/respondent/merchant/name"
    assert (await row_counts(db)).events == before.events + 3


async def test_a_platforms_batch_meets_the_voice_and_version_rules_item_by_item(
    enrol: Enrol,
) -> None:
    cast = Cast(enrol)
    bureau, platform = await cast("bureau"), await cast("platform")
    complaint_id = new_complaint_id()
    await bureau.send_batch(_chain(complaint_id, 3))  # filed, accepted, routed to the platform

    items = await platform.send_batch(
        [
            step_event("bureau", 4, complaint_id),  # acknowledged: the platform's own step
            # the consumer's answer, which a respondent never gives on a bureau-filed case
            event("complaint.offer_answered", complaint_id, 5, offer_id=OFFER_ID),
            event("complaint.offer_made", complaint_id, 4, offer_id=OFFER_ID),  # stale
            event("complaint.offer_made", complaint_id, 5, offer_id=OFFER_ID),
        ]
    )

    assert [i["outcome"] for i in items] == ["accepted", "refused", "refused", "accepted"]
    assert items[1]["problem"]["type"].endswith("/not-consumer-channel")
    assert items[2]["problem"]["type"].endswith("/stale-version")
    assert items[2]["problem"]["current_version"] == 4
    assert [items[0]["position"] + 1] == [items[3]["position"]]
    assert (await platform.get_complaint(complaint_id))["version"] == 5


async def _take_locks(conn: asyncpg.Connection, key: int, count: int | None = None) -> int:
    """Take `count` advisory locks from `key` on in `conn`'s open transaction, or (None) as many
    as PostgreSQL's shared lock table (max_locks_per_transaction x max_connections in all) has
    room for; returns the next key."""
    for chunk in (1000, 100, 10, 1) if count is None else (count,):
        while True:
            savepoint = conn.transaction()
            await savepoint.start()
            try:
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(k)"
                    " FROM generate_series($1::bigint, $1 + $2 - 1) AS k",
                    key,
                    chunk,
                )
            except asyncpg.OutOfMemoryError:
                await savepoint.rollback()
                break
            await savepoint.commit()
            key += chunk
            if count is not None:
                break
    return key


async def test_a_batch_that_finds_the_lock_table_full_is_answered_503_and_stores_nothing(
    enrol: Enrol, db: asyncpg.Connection, database_url: str
) -> None:
    bureau = await Cast(enrol)("bureau")
    filings = [step_event("bureau", 1, new_complaint_id()) for _ in range(100)]
    before = await row_counts(db)
    hog, room = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        async with hog.transaction():
            # Far from the hub's keys (a clash would only wait). `room` holds 64 locks while
            # `hog` takes every other one, then gives them back: room for the request's own
            # statements (its nonce), not for the batch's 200 locks.
            async with room.transaction():
                next_key = await _take_locks(room, 1 << 40, 64)
                await _take_locks(hog, next_key)
            with pytest.raises(HubError) as refused:
                await bureau.send_batch(filings)
            assert refused.value.status == 503
            assert refused.value.slug == "service-unavailable"
            assert "smaller batches" in refused.value.problem["detail"]
            assert (await row_counts(db)).events == before.events
    finally:
        await hog.close()
        await room.close()

    # Once the locks are free, the same batch goes through whole.
    items = await bureau.send_batch(filings)
    assert [i["outcome"] for i in items] == ["accepted"] * 100


def _accepted_count(event_type: str, participant: str) -> float:
    labels = {"type": event_type, "participant": participant}
    return REGISTRY.get_sample_value("hub_events_accepted_total", labels) or 0.0


async def test_a_batch_counts_each_new_item_once_in_the_accepted_events_metric(
    enrol: Enrol,
) -> None:
    bureau = await Cast(enrol)("bureau")
    complaint_id = new_complaint_id()
    chain = _chain(complaint_id, 3)
    earlier = step_event("bureau", 1, new_complaint_id())
    await bureau.post_event(earlier)
    before = {t: _accepted_count(t, "bureau.hz") for t in ("complaint.filed", "complaint.accepted")}

    # filed twice (new, replayed), accepted once, routed refused as stale (sent before v2)
    items = await bureau.send_batch([chain[0], earlier, chain[2], chain[1]])

    assert [i["outcome"] for i in items] == ["accepted", "replayed", "refused", "accepted"]
    assert _accepted_count("complaint.filed", "bureau.hz") == before["complaint.filed"] + 1
    assert _accepted_count("complaint.accepted", "bureau.hz") == before["complaint.accepted"] + 1


async def test_every_items_leaf_is_the_payload_its_single_receipt_would_sign(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    bureau = await Cast(enrol)("bureau")
    complaint_id = new_complaint_id()
    sent = [*_chain(complaint_id, 3), step_event("bureau", 1, new_complaint_id())]

    items = await bureau.send_batch(sent)

    rows = await db.fetch(
        "SELECT e.event_id, e.event_sha256, v.sha256 AS evidence_sha256 FROM events e"
        " JOIN evidence v ON v.evidence_id = e.evidence_id WHERE e.event_id = ANY($1::text[])",
        [e["event_id"] for e in sent],
    )
    digests = {r["event_id"]: r for r in rows}
    for item in items:
        row = digests[item["event_id"]]
        expected = receipt_payload(
            event_id=item["event_id"],
            complaint_id=item["complaint_id"],
            version=item["version"],
            position=item["position"],
            accepted_at=datetime.fromisoformat(item["accepted_at"]),
            actor="bureau.hz",
            event_sha256=bytes(row["event_sha256"]),
            evidence_sha256=bytes(row["evidence_sha256"]),
        )
        assert parse_item_receipt(item["receipt"]).leaf == canonical_json(expected)
