"""/v1/audit over HTTP: signed heads, proofs that verify against them, witnesses' cosignatures."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from hub.audit.heads import TreeHead, cosign, signed_head_matches
from hub.audit.merkle import RootMismatch, verify_consistency, verify_inclusion
from hub.services.audit_log import AUDIT_LOG
from hub.settings import Settings
from tests.api._lifecycle import Cast
from tests.audit.conftest import Client, drive_case, get_json, hub_keys
from tests.clocks import MovableClock, app_on_clock

PROBLEM = "application/problem+json"
# The hub's clock: a head carries its time, and a cosignature is dated near it.
SIGNED_AT = datetime(2026, 11, 20, 2, 0, 0, 123000, tzinfo=UTC)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(SIGNED_AT)


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    return app_on_clock(settings, clock)


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


async def _head(app: web.Application, client: Client) -> dict[str, Any]:
    await app[AUDIT_LOG].publish()
    head: dict[str, Any] = await get_json(client, "/v1/audit/tree-head")
    return head


async def test_tree_head_is_signed_and_every_event_is_included(
    app: web.Application, client: Client, cast: Cast
) -> None:
    await drive_case(cast, 5)
    head = await _head(app, client)
    stated = signed_head_matches(head, await hub_keys(client))
    assert stated.tree_size == head["tree_size"] == 5
    assert head["cosignatures"] == []
    assert head["timestamp"] == int(SIGNED_AT.timestamp() * 1000)
    for position in range(1, 6):
        proof = await get_json(
            client, "/v1/audit/inclusion", position=position, tree_size=head["tree_size"]
        )
        assert proof["leaf_index"] == position - 1
        verify_inclusion(
            proof["leaf_index"],
            proof["tree_size"],
            _unb64(proof["leaf_hash"]),
            [_unb64(h) for h in proof["inclusion_path"]],
            stated.root_hash,
        )


async def test_consistency_between_two_heads_verifies_and_fails_for_a_forged_head(
    app: web.Application, client: Client, cast: Cast
) -> None:
    keys = await hub_keys(client)
    await drive_case(cast, 3)
    first = signed_head_matches(await _head(app, client), keys)
    await drive_case(cast, 4)
    second = signed_head_matches(await _head(app, client), keys)
    proof = await get_json(
        client, "/v1/audit/consistency", first=first.tree_size, second=second.tree_size
    )
    path = [_unb64(h) for h in proof["consistency_path"]]
    verify_consistency(first.tree_size, second.tree_size, first.root_hash, second.root_hash, path)
    forged = bytes(32)
    with pytest.raises(RootMismatch):
        verify_consistency(first.tree_size, second.tree_size, forged, second.root_hash, path)
    with pytest.raises(RootMismatch):
        verify_consistency(first.tree_size, second.tree_size, first.root_hash, forged, path)


async def test_proof_routes_are_public_and_refuse_bad_parameters(
    app: web.Application, client: Client, cast: Cast
) -> None:
    await drive_case(cast, 2)
    await _head(app, client)
    for path, params in (
        ("/v1/audit/inclusion", {}),
        ("/v1/audit/inclusion", {"position": "0"}),
        ("/v1/audit/inclusion", {"position": "x"}),
        ("/v1/audit/inclusion", {"position": "3", "tree_size": "2"}),
        ("/v1/audit/consistency", {"first": "2"}),
        ("/v1/audit/consistency", {"first": "2", "second": "1"}),
    ):
        response = await client.get(path, params=params)
        assert response.status == 400, (path, params)
        assert response.content_type == PROBLEM
    beyond = await client.get("/v1/audit/consistency", params={"first": "1", "second": "99"})
    assert beyond.status == 404
    assert (await beyond.json())["current_tree_size"] == 2


async def test_witness_cosigns_a_head_and_the_head_is_served_with_it(
    app: web.Application, client: Client, cast: Cast
) -> None:
    await drive_case(cast, 2)
    head = await _head(app, client)
    court = await cast("court")
    stated = TreeHead.from_json(head)
    cosigned_at = int(SIGNED_AT.timestamp())
    body = {
        **stated.to_json(),
        "cosigned_at": cosigned_at,
        "signature": base64.b64encode(cosign(stated, court._private_key, cosigned_at)).decode(),
    }
    answer = await court.request("POST", "/v1/audit/cosignatures", json=body)
    assert answer.status == 201, answer.body
    again = await court.request("POST", "/v1/audit/cosignatures", json=body)
    assert again.status == 200
    served = await get_json(client, "/v1/audit/tree-head")
    assert served["tree_size"] == head["tree_size"]
    (cosignature,) = served["cosignatures"]
    assert cosignature["witness"] == cast.participant_id("court")
    assert cosignature["kid"] == court.kid


async def test_cosignature_is_refused_from_non_witness_for_unknown_head_or_bad_signature(
    app: web.Application, client: Client, cast: Cast
) -> None:
    await drive_case(cast, 1)
    stated = TreeHead.from_json(await _head(app, client))
    now = int(SIGNED_AT.timestamp())

    def body(signer: Any, head: TreeHead = stated, at: int = now) -> dict[str, Any]:
        signature = base64.b64encode(cosign(head, signer._private_key, at)).decode()
        return {**head.to_json(), "cosigned_at": now, "signature": signature}

    platform, city, province = (
        await cast("platform"),
        await cast("bureau"),
        await cast("province_bureau"),
    )
    for refused in (platform, city):
        answer = await refused.request("POST", "/v1/audit/cosignatures", json=body(refused))
        assert answer.status == 403, answer.body
    unknown = TreeHead(stated.tree_size + 5, stated.timestamp, stated.root_hash)
    answer = await province.request("POST", "/v1/audit/cosignatures", json=body(province, unknown))
    assert answer.status == 404
    other_root = TreeHead(stated.tree_size, stated.timestamp, bytes(32))
    answer = await province.request(
        "POST", "/v1/audit/cosignatures", json=body(province, other_root)
    )
    assert answer.status == 409
    answer = await province.request(
        "POST", "/v1/audit/cosignatures", json=body(province, at=now - 1)
    )
    assert answer.status == 422
    unsigned = await client.post("/v1/audit/cosignatures", json=body(province))
    assert unsigned.status == 401
    assert (await get_json(client, "/v1/audit/tree-head"))["cosignatures"] == []
