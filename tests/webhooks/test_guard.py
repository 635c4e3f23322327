"""The SSRF guard with its checks ON (as in production): refused targets never get a request."""

from __future__ import annotations

import dataclasses
import ipaddress

import asyncpg
import pytest

from hub.feeds.webhooks.guard import refusal_reason
from hub.sdk.client import HubClient, HubError
from hub.settings import Settings
from tests.waiting import eventually
from tests.webhooks.conftest import filed, subscription_row

PUBLIC = "93.184.216.34"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, webhook_allow_private=False)


@pytest.fixture
def names() -> dict[str, list[str]]:
    return {
        "hooks.example.com": [PUBLIC],
        "internal.example.com": ["10.20.30.40"],
        "mixed.example.com": [PUBLIC, "192.168.1.10"],
        "rebind.example.com": [PUBLIC],
    }


async def _bureau(enrol) -> HubClient:  # type: ignore[no-untyped-def]
    return await enrol("bureau.hz", "bureau", regions=("330100",))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://10.0.0.1/hooks", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[::1]/hooks", "loopback"),
        ("https://100.64.0.1/hooks", "CGNAT"),
        ("https://[fd00::1]/hooks", "unique-local"),
        ("https://0.0.0.0/hooks", "unspecified"),
        ("https://224.0.0.1/hooks", "multicast"),
        ("http://hooks.example.com/hooks", "scheme must be https"),
        ("https://internal.example.com/hooks", "resolves to 10.20.30.40"),
        ("https://mixed.example.com/hooks", "resolves to 192.168.1.10"),
        ("https://unknown.example.com/hooks", "does not resolve"),
        ("https://user:pw@hooks.example.com/hooks", "credentials"),
    ],
)
async def test_refused_targets_get_a_422_naming_why(enrol, url: str, reason: str) -> None:
    bureau = await _bureau(enrol)
    with pytest.raises(HubError) as refused:
        await bureau.call("POST", "/v1/subscriptions", json={"url": url})
    assert refused.value.status == 422
    assert refused.value.slug == "webhook-target-refused"
    assert reason in refused.value.problem["detail"]
    assert await bureau.call("GET", "/v1/subscriptions") == {"items": []}


async def test_a_public_https_target_is_accepted(enrol) -> None:
    bureau = await _bureau(enrol)
    created = await bureau.call(
        "POST", "/v1/subscriptions", json={"url": "https://hooks.example.com/hooks"}
    )
    assert created["state"] == "active"


async def test_a_name_rebound_to_a_private_address_after_subscribing_is_never_contacted(
    enrol, names: dict[str, list[str]], db: asyncpg.Connection
) -> None:
    bureau = await _bureau(enrol)
    created = await bureau.call(
        "POST", "/v1/subscriptions", json={"url": "https://rebind.example.com/hooks"}
    )
    names["rebind.example.com"] = ["127.0.0.1"]
    await bureau.post_event(filed())

    async def failed() -> bool:
        row = await subscription_row(db, created["id"])
        return bool(row["attempts"] == 1 and row["lease_owner"] is None)

    await eventually(failed)
    row = await subscription_row(db, created["id"])
    assert row["state"] == "retrying"
    assert row["last_status"] is None
    assert "loopback" in row["last_error"]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.0.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("100.64.0.1", "a CGNAT address"),
        ("0.0.0.0", "an unspecified address"),
        ("240.0.0.1", "a reserved address"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a unique-local address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("::", "an unspecified address"),
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
    ],
)
def test_refusal_reason_names_each_forbidden_range(address: str, reason: str | None) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) == reason


def test_the_hub_s_own_address_is_refused() -> None:
    own = frozenset({ipaddress.ip_address("93.184.216.35")})
    assert refusal_reason(ipaddress.ip_address("93.184.216.35"), own) == "the hub's own address"
