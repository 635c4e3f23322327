"""Webhook targets in IPv6 transition space that embed a private IPv4 address are refused, both
as literals and through the resolver, at subscription and again at delivery (the pinned path)."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

import pytest

from hub.feeds.webhooks.guard import refusal_reason
from hub.sdk.client import HubClient
from hub.settings import Settings
from tests.waiting import eventually
from tests.webhooks.conftest import (  # the app with an injected resolver, and its clock
    app,
    clock,
    filed,
    subscription_row,
)

__all__ = ["app", "clock"]

PUBLIC = "93.184.216.34"
SIXTOFOUR_PRIVATE = "2002:c0a8:0101::1"  # 192.168.1.1
SIXTOFOUR_LOOPBACK = "2002:7f00:0001::1"  # 127.0.0.1
TEREDO_PRIVATE = "2001:0:4136:e378:8000:63bf:f57e:fefe"  # client 10.129.1.1
NAT64_PRIVATE = "64:ff9b::a00:1"  # 10.0.0.1


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, webhook_allow_private=False)


@pytest.fixture
def names() -> dict[str, list[str]]:
    return {
        "sixtofour.example.com": [SIXTOFOUR_PRIVATE],
        "teredo.example.com": [TEREDO_PRIVATE],
        "nat64.example.com": [NAT64_PRIVATE],
        "mixed6.example.com": [PUBLIC, SIXTOFOUR_LOOPBACK],
        "rebind6.example.com": [PUBLIC],
    }


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        (SIXTOFOUR_PRIVATE, "a 6to4 address embedding 192.168.1.1, a private address"),
        (SIXTOFOUR_LOOPBACK, "a 6to4 address embedding 127.0.0.1, a loopback address"),
        ("2002:a9fe:a9fe::1", "a 6to4 address embedding 169.254.169.254, a link-local address"),
        (TEREDO_PRIVATE, "a Teredo address embedding 10.129.1.1, a private address"),
        (NAT64_PRIVATE, "a NAT64 address embedding 10.0.0.1, a private address"),
    ],
)
def test_transition_addresses_embedding_private_ipv4_are_refused(address: str, reason: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) == reason


def test_a_6to4_address_embedding_a_public_ipv4_is_not_refused_for_it() -> None:
    assert refusal_reason(ipaddress.ip_address("2002:0808:0808::1")) is None


async def _bureau(enrol: Any) -> HubClient:
    client: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    return client


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"https://[{SIXTOFOUR_PRIVATE}]/hooks", "6to4 address embedding 192.168.1.1"),
        (f"https://[{TEREDO_PRIVATE}]/hooks", "Teredo address embedding 10.129.1.1"),
        ("https://sixtofour.example.com/hooks", "6to4 address embedding 192.168.1.1"),
        ("https://teredo.example.com/hooks", "Teredo address embedding 10.129.1.1"),
        ("https://nat64.example.com/hooks", "NAT64 address embedding 10.0.0.1"),
        ("https://mixed6.example.com/hooks", "6to4 address embedding 127.0.0.1"),
    ],
)
async def test_subscription_to_a_transition_address_is_refused(
    enrol: Any, url: str, reason: str
) -> None:
    bureau = await _bureau(enrol)
    response = await bureau.request("POST", "/v1/subscriptions", json={"url": url})
    assert response.status == 422, response.body[:300]
    problem = response.json()
    assert problem["type"].endswith("/webhook-target-refused")
    assert reason in problem["detail"]
    assert (await bureau.call("GET", "/v1/subscriptions")) == {"items": []}


async def test_a_name_rebound_to_6to4_is_refused_at_delivery(
    enrol: Any, names: dict[str, list[str]], db: Any
) -> None:
    bureau = await _bureau(enrol)
    created = await bureau.call(
        "POST", "/v1/subscriptions", json={"url": "https://rebind6.example.com/hooks"}
    )
    names["rebind6.example.com"] = [SIXTOFOUR_LOOPBACK]
    await bureau.post_event(filed())

    async def failed() -> bool:
        row = await subscription_row(db, created["id"])
        return bool(row["attempts"] == 1 and row["lease_owner"] is None)

    await eventually(failed)
    row = await subscription_row(db, created["id"])
    assert row["state"] == "retrying"
    assert row["last_status"] is None
    assert "6to4 address embedding 127.0.0.1" in row["last_error"]
