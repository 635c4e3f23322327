"""Every /v1 request is signed; each way a signature can fail has its own problem type."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from hub.crypto.httpsig import sign_request
from hub.sdk.client import HubClient
from hub.trust.resources import PARTICIPANTS
from tests.conftest import example

# filed by the Xihu bureau, in its own namespace of complaint ids
XIHU_COMPLAINT = "bureau.zj.hz.xihu:HZ12315-20261111-000123"

PROBLEM = "application/problem+json"


async def _rows(db: asyncpg.Connection) -> tuple[int, int, int]:
    return (
        await db.fetchval("SELECT count(*) FROM events"),
        await db.fetchval("SELECT count(*) FROM complaints"),
        await db.fetchval("SELECT count(*) FROM evidence"),
    )


async def _refused(
    client: TestClient,
    db: asyncpg.Connection,
    headers: dict[str, str],
    body: bytes,
    status: int,
    slug: str,
    path: str = "/v1/events",
) -> dict[str, Any]:
    before = await _rows(db)
    response = await client.post(path, data=body, headers=headers)
    assert response.status == status, await response.text()
    assert response.content_type == PROBLEM
    problem = await response.json()
    assert problem["type"].endswith("/" + slug), problem
    assert problem["detail"]
    assert await _rows(db) == before
    return problem


@pytest.fixture
async def bureau(enrol: Any) -> HubClient:
    client: HubClient = await enrol("bureau.zj.hz.xihu", "bureau", regions=("330100",))
    return client


def _body() -> bytes:
    import orjson

    return orjson.dumps(example("complaint.filed", complaint_id=XIHU_COMPLAINT))


def _signed(
    bureau: HubClient, body: bytes, *, url: str | None = None, **kwargs: Any
) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    headers.update(
        sign_request(
            "POST",
            url or bureau.base_url + "/v1/events",
            headers,
            body,
            private_key=bureau._private_key,
            kid=bureau.kid,
            **kwargs,
        )
    )
    return headers


async def test_signed_event_is_accepted_with_a_verifiable_receipt(
    bureau: HubClient, db: asyncpg.Connection
) -> None:
    accepted = await bureau.post_event(example("complaint.filed", complaint_id=XIHU_COMPLAINT))
    assert accepted["position"] == 1
    payload = accepted["receipt_payload"]
    assert payload["actor"] == "bureau.zj.hz.xihu"
    assert payload["evidence_sha256"]
    evidence = await db.fetchrow("SELECT sender, kid, signature_input FROM evidence")
    assert evidence["sender"] == "bureau.zj.hz.xihu"
    assert "content-digest" in evidence["signature_input"]


async def test_missing_signature(client: TestClient, db: asyncpg.Connection) -> None:
    await _refused(
        client, db, {"Content-Type": "application/json"}, _body(), 401, "signature-missing"
    )


async def test_malformed_signature_input(
    client: TestClient, db: asyncpg.Connection, bureau: HubClient
) -> None:
    headers = _signed(bureau, _body())
    headers["Signature-Input"] = "sig1=(@method"
    await _refused(client, db, headers, _body(), 401, "signature-input-malformed")


async def test_unknown_key(client: TestClient, db: asyncpg.Connection, bureau: HubClient) -> None:
    from hub.crypto.keys import generate_private_key

    stranger = HubClient(bureau.base_url, "nobody-k1", generate_private_key())
    await _refused(client, db, _signed(stranger, _body()), _body(), 401, "unknown-key")


async def test_revoked_key_is_refused_from_the_moment_of_revocation(
    client: TestClient, db: asyncpg.Connection, bureau: HubClient, app: Any
) -> None:
    await app[PARTICIPANTS].revoke_key(bureau.kid, "laptop stolen")
    await _refused(client, db, _signed(bureau, _body()), _body(), 401, "key-revoked")


async def test_key_past_not_after_is_refused(
    client: TestClient, db: asyncpg.Connection, bureau: HubClient
) -> None:
    await db.execute(
        "UPDATE participant_keys SET not_after = now() - interval '1 second' WHERE kid = $1",
        bureau.kid,
    )
    await _refused(client, db, _signed(bureau, _body()), _body(), 401, "key-expired")


async def test_disabled_participant_is_refused(
    client: TestClient, db: asyncpg.Connection, bureau: HubClient, app: Any
) -> None:
    await app[PARTICIPANTS].disable("bureau.zj.hz.xihu")
    await _refused(client, db, _signed(bureau, _body()), _body(), 403, "participant-disabled")


async def test_body_not_covered_by_digest_component(
    client: TestClient, db: asyncpg.Connection, bureau: HubClient
) -> None:
    # Signing a bodiless request's components and then sending a body leaves it uncovered.
    headers = {"Content-Type": "application/json"}
    headers.update(
        sign_request(
            "POST",
            bureau.base_url + "/v1/events",
            headers,
            None,
            private_key=bureau._private_key,
            kid=bureau.kid,
        )
    )
    await _refused(client, db, headers, _body(), 401, "component-not-covered")


async def test_missing_nonce(client: TestClient, db: asyncpg.Connection, bureau: HubClient) -> None:
    headers = _signed(bureau, _body(), nonce="abc")
    await _refused(client, db, headers, _body(), 401, "nonce-missing")


async def test_digest_mismatch(
    client: TestClient, db: asyncpg.Connection, bureau: HubClient
) -> None:
    headers = _signed(bureau, _body())
    tampered = _body().replace(b"59900", b"99900", 1)
    await _refused(client, db, headers, tampered, 401, "digest-mismatch")


async def test_bad_signature(client: TestClient, db: asyncpg.Connection, bureau: HubClient) -> None:
    headers = _signed(bureau, _body())
    forged = base64.b64encode(bytes(64)).decode()
    headers["Signature"] = f"sig1=:{forged}:"
    await _refused(client, db, headers, _body(), 401, "signature-invalid")


async def test_clock_skew(client: TestClient, db: asyncpg.Connection, bureau: HubClient) -> None:
    headers = _signed(bureau, _body(), created=int(time.time()) - 301)
    await _refused(client, db, headers, _body(), 401, "clock-skew")


async def test_replayed_nonce_is_refused(
    client: TestClient, db: asyncpg.Connection, bureau: HubClient
) -> None:
    headers = _signed(bureau, _body())
    first = await client.post("/v1/events", data=_body(), headers=headers)
    assert first.status == 201
    await _refused(client, db, headers, _body(), 401, "signature-replayed")


async def test_any_signature_label_is_accepted(bureau: HubClient, client: TestClient) -> None:
    headers = _signed(bureau, _body(), label="hub-request")
    response = await client.post("/v1/events", data=_body(), headers=headers)
    assert response.status == 201


async def test_two_identical_reads_with_different_nonces_are_both_accepted(
    bureau: HubClient,
) -> None:
    first = await bureau.request("GET", "/.well-known/jwks.json")
    assert first.status == 200
    await bureau.post_event(example("complaint.filed", complaint_id=XIHU_COMPLAINT))
    for _ in range(2):
        response = await bureau.request("GET", f"/v1/complaints/{XIHU_COMPLAINT}")
        assert response.status == 200, response.body


async def test_key_not_yet_valid_is_refused(
    client: TestClient, db: asyncpg.Connection, bureau: HubClient
) -> None:
    await db.execute(
        "UPDATE participant_keys SET not_before = $2 WHERE kid = $1",
        bureau.kid,
        datetime.now(UTC) + timedelta(hours=1),
    )
    await _refused(client, db, _signed(bureau, _body()), _body(), 401, "key-not-yet-valid")
