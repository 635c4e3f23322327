"""A repeated event_id: the sender's retry gets its receipt again, anything else is refused."""

from __future__ import annotations

import asyncio

import asyncpg
import orjson

from tests.api._lifecycle import Cast, Enrol, event, prepare, row_counts


async def test_a_retry_after_the_case_moved_on_gets_the_very_same_receipt(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    bureau = await cast("bureau")
    prepared = await prepare(cast, "bureau", 5)
    accepted = prepared.answers[1]  # complaint.accepted, followed since by three more events
    before = await row_counts(db)

    retry = await bureau.request("POST", "/v1/events", json=prepared.events[1])

    assert retry.status == 200
    again = retry.json()
    assert again["receipt"] == accepted["receipt"]
    assert again["position"] == accepted["position"]
    assert again["version"] == 2
    assert again["accepted_at"] == accepted["accepted_at"]
    assert await row_counts(db) == before


async def test_the_retry_answer_is_byte_identical_to_the_first(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    bureau = await cast("bureau")
    document = event("complaint.filed", "bureau.hz:HZ12315-retry", 1)
    first = await bureau.request("POST", "/v1/events", json=document)
    assert first.status == 201
    await prepare(cast, "bureau", 3)  # other cases move on meanwhile
    before = await row_counts(db)

    retry = await bureau.request("POST", "/v1/events", json=document)

    assert retry.status == 200
    assert retry.body == first.body
    assert await row_counts(db) == before


async def test_a_retry_in_another_json_spelling_is_the_same_event(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    """The digest is over canonical JSON: member order and whitespace do not make a new event."""
    cast = Cast(enrol)
    bureau = await cast("bureau")
    document = event("complaint.filed", "bureau.hz:HZ-S1", 1)
    first = await bureau.post_event(document)
    before = await row_counts(db)
    spelled = orjson.dumps(dict(reversed(list(document.items()))), option=orjson.OPT_INDENT_2)

    retry = await bureau.request("POST", "/v1/events", body=spelled)

    assert retry.status == 200
    assert retry.json()["receipt"] == first["receipt"]
    assert await row_counts(db) == before


async def test_the_same_event_id_with_another_body_is_refused_as_reused(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    bureau = await cast("bureau")
    prepared = await prepare(cast, "bureau", 3)
    reused = event("case.note_added", prepared.complaint_id, 4)
    reused["event_id"] = prepared.events[2]["event_id"]
    before = await row_counts(db)

    response = await bureau.request("POST", "/v1/events", json=reused)

    assert response.status == 409
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/event-id-reused")
    assert reused["event_id"] in problem["detail"]
    assert await row_counts(db) == before
    # The case did not move: the next version is still 4.
    assert (await bureau.get_complaint(prepared.complaint_id))["version"] == 3


async def test_another_participant_reusing_an_event_id_learns_nothing_of_the_original(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    platform = await cast("platform")
    prepared = await prepare(cast, "bureau", 3)
    taken = prepared.events[1]["event_id"]  # the bureau's complaint.accepted
    # The same bytes the bureau sent, and an event of the platform's own: refused alike.
    attempts = [prepared.events[1], event("complaint.acknowledged", prepared.complaint_id, 4)]
    attempts[1]["event_id"] = taken
    before = await row_counts(db)

    for attempt in attempts:
        response = await platform.request("POST", "/v1/events", json=attempt)
        assert response.status == 409
        problem = response.json()
        assert problem["type"].endswith("/id-conflict")
        assert not {"position", "version", "complaint_id", "actor", "receipt"} & problem.keys()
        text = response.body.decode()
        for secret in ("bureau.hz", "complaint.accepted", prepared.answers[1]["receipt"]):
            assert secret not in text
        assert str(prepared.answers[1]["position"]) not in problem["detail"]
    assert await row_counts(db) == before


async def test_two_identical_concurrent_posts_store_one_event_and_share_its_receipt(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    bureau = await cast("bureau")
    prepared = await prepare(cast, "bureau", 2)
    body = orjson.dumps(event("complaint.routed", prepared.complaint_id, 3))
    before = await row_counts(db)

    # Each request is signed afresh: two nonces, one event.
    responses = await asyncio.gather(
        bureau.request("POST", "/v1/events", body=body),
        bureau.request("POST", "/v1/events", body=body),
    )

    assert sorted(r.status for r in responses) == [200, 201]
    first, second = (r.json() for r in responses)
    assert first["receipt"] == second["receipt"]
    assert first["position"] == second["position"]
    assert responses[0].body == responses[1].body
    after = await row_counts(db)
    assert (after.events, after.complaints, after.evidence) == (
        before.events + 1,
        before.complaints,
        before.evidence + 1,
    )


async def test_concurrent_posts_of_one_event_id_by_two_participants_store_one(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    bureau, province = await cast("bureau"), await cast("province_bureau")
    prepared = await prepare(cast, "bureau", 1)
    document = event("case.note_added", prepared.complaint_id, 2)
    body = orjson.dumps(document)
    before = await row_counts(db)

    responses = await asyncio.gather(
        bureau.request("POST", "/v1/events", body=body),
        province.request("POST", "/v1/events", body=body),
    )

    statuses = sorted(r.status for r in responses)
    assert statuses == [201, 409]
    refused = next(r for r in responses if r.status == 409).json()
    assert refused["type"].endswith("/id-conflict")
    assert "position" not in refused
    assert (await row_counts(db)).events == before.events + 1
