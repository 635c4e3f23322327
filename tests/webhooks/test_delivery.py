"""Webhook delivery over real HTTP: signatures stock verifiers accept, order, outages, replay."""

from __future__ import annotations

import uuid

import asyncpg
from aiohttp.test_utils import TestClient
from cloudevents.v1.http import from_http  # cloudevents.http before SDK 2.0
from standardwebhooks.webhooks import Webhook

from hub.crypto.keys import load_public_key
from hub.feeds.webhooks.resources import WEBHOOK_WORKER
from hub.sdk.client import HubClient
from hub.sdk.webhooks import verify_webhook
from tests.waiting import eventually
from tests.webhooks.conftest import FakeClock, Receiver, filed, subscription_row

BUREAU = ("bureau.hz", "bureau")


async def _subscribe(hub: HubClient, url: str, **extra: object) -> dict[str, object]:
    created: dict[str, object] = await hub.call(
        "POST", "/v1/subscriptions", json={"url": url, **extra}
    )
    return created


async def _bureau(enrol) -> HubClient:  # type: ignore[no-untyped-def]
    return await enrol(*BUREAU, regions=("330100",))


async def test_delivery_verifies_with_stock_standard_webhooks_and_with_the_hub_jwks(
    enrol, client: TestClient, receiver: Receiver
) -> None:
    bureau = await _bureau(enrol)
    created = await _subscribe(bureau, receiver.url)
    assert str(created["secret"]).startswith("whsec_")
    accepted = await bureau.post_event(filed())

    await eventually(lambda: len(receiver.received) == 1)
    headers, body = receiver.received[0]

    payload = Webhook(str(created["secret"])).verify(body, headers)
    assert payload["type"] == "complaint.filed"
    assert payload["data"]["position"] == accepted["position"]
    assert payload["data"]["previous_position"] == accepted["position"] - 1
    assert payload["data"]["event"]["event_id"] == accepted["event_id"]
    assert payload["data"]["receipt"] == accepted["receipt"]
    assert headers["webhook-id"] == f"{created['id']}_{accepted['position']}"

    jwks = await (await client.get("/.well-known/jwks.json")).json()
    hub_keys = [load_public_key(orjson_dumps(jwk)) for jwk in jwks["keys"]]
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    v1a = [p.split(",", 1)[1] for p in headers["webhook-signature"].split() if p[:4] == "v1a,"]
    assert v1a
    assert any(_ed25519_ok(key, sig, content) for key in hub_keys for sig in v1a)
    assert verify_webhook(headers, body, secret=str(created["secret"]), jwks=jwks) == payload


async def test_cloudevents_delivery_parses_with_the_cloudevents_sdk(
    enrol, receiver: Receiver
) -> None:
    bureau = await _bureau(enrol)
    await _subscribe(bureau, receiver.url, format="cloudevents")
    accepted = await bureau.post_event(filed())

    await eventually(lambda: len(receiver.received) == 1)
    headers, body = receiver.received[0]
    assert headers["Content-Type"] == "application/cloudevents+json"
    event = from_http(headers, body)
    assert event["specversion"] == "1.0"
    assert event["id"] == accepted["event_id"]
    assert event["type"] == "complaint.filed"
    assert event["subject"] == accepted["complaint_id"]
    assert event["source"] == "/complaint-hub"
    assert event.data["position"] == accepted["position"]
    assert event.data["receipt"] == accepted["receipt"]


async def test_events_the_owner_may_not_read_or_did_not_ask_for_are_skipped(
    enrol, receiver: Receiver
) -> None:
    bureau = await _bureau(enrol)
    jd = await enrol("platform.jd", "platform", platform="jd")
    await _subscribe(jd, receiver.url, types=["complaint.filed"])

    await bureau.post_event(filed(platform="taobao"))  # jd may not read it
    mine = await bureau.post_event(filed(platform="jd"))
    await bureau.post_event(filed(platform="taobao"))
    last = await bureau.post_event(filed(platform="jd"))

    await eventually(lambda: len(receiver.received) == 2)
    data = [p["data"] for p in receiver.payloads()]
    assert [d["position"] for d in data] == [mine["position"], last["position"]]
    # previous_position names the last event delivered, so skipped ones are no gap.
    assert data[1]["previous_position"] == mine["position"]


async def test_a_receiver_down_for_over_an_hour_gets_every_event_once_in_order(
    enrol, app, db: asyncpg.Connection, clock: FakeClock, receiver: Receiver
) -> None:
    app[WEBHOOK_WORKER].timeout_s = 0.3
    bureau = await _bureau(enrol)
    created = await _subscribe(bureau, receiver.url)
    subscription_id = str(created["id"])
    receiver.mode = "error"
    positions = [(await bureau.post_event(filed()))["position"] for _ in range(3)]
    await eventually(lambda: receiver.failed_attempts == 1)

    outage = [("error", 2), ("slow", 2), ("refused", 3)]  # 7 failed attempts in all
    started = clock.now
    failures = 1
    for mode, count in outage:
        if mode == "refused":
            await receiver.stop()
        else:
            receiver.mode = mode
        for _ in range(count if failures > 1 or mode != "error" else count - 1):
            row = await subscription_row(db, subscription_id)
            assert row["state"] == "retrying"
            assert row["delivered_position"] < positions[0]
            clock.set(row["next_attempt_at"])
            await eventually(_attempts_reach(db, subscription_id, failures + 1))
            failures += 1
            positions.append((await bureau.post_event(filed()))["position"])
    assert failures == 7
    assert receiver.received == []

    receiver.mode = "ok"
    await receiver.start()
    row = await subscription_row(db, subscription_id)
    clock.set(row["next_attempt_at"])
    assert clock.now - started > _hour()
    await eventually(lambda: len(receiver.received) == len(positions))

    secret = Webhook(str(created["secret"]))
    verified = [secret.verify(body, headers) for headers, body in receiver.received]
    assert [p["data"]["position"] for p in verified] == positions
    assert len({h["webhook-id"] for h, _ in receiver.received}) == len(positions)
    previous = [p["data"]["previous_position"] for p in verified]
    assert previous == [positions[0] - 1, *positions[:-1]]

    async def caught_up() -> bool:
        row = await subscription_row(db, subscription_id)
        return (row["state"], row["attempts"], row["delivered_position"]) == (
            "active",
            0,
            positions[-1],
        )

    # The receiver has the last event a moment before the worker records its answer.
    await eventually(caught_up)


async def test_a_receiver_that_keeps_failing_is_disabled_at_its_position_and_replay_resumes(
    enrol, app, db: asyncpg.Connection, clock: FakeClock, receiver: Receiver
) -> None:
    bureau = await _bureau(enrol)
    created = await _subscribe(bureau, receiver.url)
    subscription_id = str(created["id"])
    receiver.mode = "error"
    first = await bureau.post_event(filed())
    second = await bureau.post_event(filed())

    for attempt in range(1, 13):  # the first attempt, then one retry per backoff step
        await eventually(_attempts_reach(db, subscription_id, attempt))
        row = await subscription_row(db, subscription_id)
        if row["next_attempt_at"] is not None:
            clock.set(row["next_attempt_at"])
    row = await subscription_row(db, subscription_id)
    assert row["state"] == "disabled"
    assert row["delivered_position"] == first["position"] - 1
    shown = await bureau.call("GET", f"/v1/subscriptions/{subscription_id}")
    assert (shown["state"], shown["last_status"]) == ("disabled", 500)
    assert "secret" not in shown

    receiver.mode = "ok"
    clock.advance(86_400)  # nothing moves a disabled subscription, however long
    third = await bureau.post_event(filed())
    # A whole pass of the worker, a day on and after a new event, finds nothing to deliver.
    assert not await app[WEBHOOK_WORKER].run_once()
    assert receiver.received == []

    replayed = await bureau.call("POST", f"/v1/subscriptions/{subscription_id}/replay")
    assert replayed["state"] == "active"
    await eventually(lambda: len(receiver.received) == 3)
    assert [p["data"]["position"] for p in receiver.payloads()] == [
        first["position"],
        second["position"],
        third["position"],
    ]


async def test_a_redirect_is_a_failure_and_never_followed(
    enrol, db: asyncpg.Connection, receiver: Receiver
) -> None:
    elsewhere = Receiver()
    await elsewhere.start()
    try:
        bureau = await _bureau(enrol)
        created = await _subscribe(bureau, receiver.url)
        receiver.mode = "redirect"
        receiver.redirect_to = elsewhere.url
        await bureau.post_event(filed())
        await eventually(_attempts_reach(db, str(created["id"]), 1))
        row = await subscription_row(db, str(created["id"]))
        assert (row["state"], row["last_status"]) == ("retrying", 302)
        assert elsewhere.received == []
    finally:
        await elsewhere.stop()


async def test_a_disabled_owner_s_subscriptions_pause(
    enrol, app, db: asyncpg.Connection, receiver: Receiver
) -> None:
    from hub.trust.resources import PARTICIPANTS

    bureau = await _bureau(enrol)
    created = await _subscribe(bureau, receiver.url)
    platform = await enrol("platform.taobao", "platform", platform="taobao")
    await app[PARTICIPANTS].disable("bureau.hz")
    await platform.post_event(_odr_filing())
    await eventually(_state_is(db, str(created["id"]), "paused"))
    assert receiver.received == []


def _odr_filing() -> dict[str, object]:
    document = filed(f"platform.taobao:TB-ODR-{uuid.uuid4().hex[:12]}", platform="taobao")
    document["data"] = {**document["data"], "channel": "platform_odr"}  # type: ignore[dict-item]
    return document


def _attempts_reach(db: asyncpg.Connection, subscription_id: str, attempts: int):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        row = await subscription_row(db, subscription_id)
        return bool(row["attempts"] >= attempts and row["lease_owner"] is None)

    return check


def _state_is(db: asyncpg.Connection, subscription_id: str, state: str):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return bool((await subscription_row(db, subscription_id))["state"] == state)

    return check


def _hour():  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(hours=1)


def _ed25519_ok(key, signature: str, content: bytes) -> bool:  # type: ignore[no-untyped-def]
    import base64

    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(base64.b64decode(signature), content)
    except InvalidSignature:
        return False
    return True


def orjson_dumps(value: object) -> bytes:
    import orjson

    return orjson.dumps(value)
