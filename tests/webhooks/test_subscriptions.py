"""The subscription resource: ownership, the secret shown once and sealed at rest, validation."""

from __future__ import annotations

import asyncpg
import pytest

from hub.feeds.webhooks.backoff import SCHEDULE_S, retry_delay_s
from hub.sdk.client import HubClient, HubError
from hub.sdk.webhooks import WebhookVerificationError, verify_webhook
from tests.webhooks.conftest import Receiver


async def _bureau(enrol) -> HubClient:  # type: ignore[no-untyped-def]
    return await enrol("bureau.hz", "bureau", regions=("330100",))


async def test_only_the_owner_lists_reads_deletes_and_replays_its_subscription(
    enrol, receiver: Receiver
) -> None:
    owner = await _bureau(enrol)
    other = await enrol("platform.jd", "platform", platform="jd")
    created = await owner.call("POST", "/v1/subscriptions", json={"url": receiver.url})
    path = f"/v1/subscriptions/{created['id']}"

    assert await other.call("GET", "/v1/subscriptions") == {"items": []}
    for method, suffix in (("GET", ""), ("DELETE", ""), ("POST", "/replay")):
        with pytest.raises(HubError) as refused:
            await other.call(method, path + suffix)
        assert refused.value.status == 404

    listed = await owner.call("GET", "/v1/subscriptions")
    assert [s["id"] for s in listed["items"]] == [created["id"]]
    assert "secret" not in listed["items"][0]
    assert (await owner.request("DELETE", path)).status == 204
    with pytest.raises(HubError) as gone:
        await owner.call("GET", path)
    assert gone.value.status == 404


async def test_the_secret_is_shown_once_and_stored_only_sealed(
    enrol, receiver: Receiver, db: asyncpg.Connection
) -> None:
    owner = await _bureau(enrol)
    created = await owner.call(
        "POST",
        "/v1/subscriptions",
        json={"url": receiver.url, "types": ["complaint.filed"], "format": "cloudevents"},
    )
    assert created["types"] == ["complaint.filed"]
    assert created["format"] == "cloudevents"
    row = await db.fetchrow("SELECT * FROM subscriptions WHERE id = $1", created["id"])
    secret = created["secret"].encode()
    assert secret not in bytes(row["secret_sealed"])
    assert created["secret"].removeprefix("whsec_").encode() not in bytes(row["secret_sealed"])
    shown = await owner.call("GET", f"/v1/subscriptions/{created['id']}")
    assert "secret" not in shown


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": 5},
        {"url": "https://hooks.example.com", "types": ["complaint.eaten"]},
        {"url": "https://hooks.example.com", "format": "xml"},
        {"url": "https://hooks.example.com", "colour": "red"},
    ],
)
async def test_malformed_subscriptions_are_refused(enrol, body: dict[str, object]) -> None:
    owner = await _bureau(enrol)
    with pytest.raises(HubError) as refused:
        await owner.call("POST", "/v1/subscriptions", json=body)
    assert refused.value.status == 422


def test_retries_last_about_a_day_then_stop() -> None:
    assert 80_000 < sum(SCHEDULE_S) < 90_000
    assert retry_delay_s(1, 0.5) == 5
    assert 4.5 <= retry_delay_s(1, 0.0) <= 5.5  # type: ignore[operator]
    assert retry_delay_s(len(SCHEDULE_S) + 1, 0.5) is None


def test_the_receiver_helper_refuses_a_tampered_body_and_an_old_timestamp() -> None:
    from hub.crypto.webhook_signing import headers, new_secret

    secret = new_secret()
    body = b'{"type":"complaint.filed"}'
    signed = dict(headers("sub_1_7", 1_800_000_000, body, secret=secret))
    assert verify_webhook(signed, body, secret=secret, now=1_800_000_010) == {
        "type": "complaint.filed"
    }
    with pytest.raises(WebhookVerificationError):
        verify_webhook(signed, body + b" ", secret=secret, now=1_800_000_010)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(signed, body, secret=secret, now=1_800_000_400)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(signed, body, secret=new_secret(), now=1_800_000_010)
