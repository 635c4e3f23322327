"""Interoperability: other people's implementations sign requests and verify receipts."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from joserfc import jws
from joserfc.jwk import KeySet

from hub.app import create_app
from hub.crypto.keys import generate_private_key, private_key_to_pem, public_key_raw
from hub.sdk.client import HubClient
from hub.settings import Settings
from hub.store.participants import Participant
from hub.trust.resources import HUB_KEYS, HUB_SIGNER, PARTICIPANTS
from hub.trust.signer import hub_kid, rotate
from tests.conftest import example
from tests.hubproc import hub_process

# filed by the Xihu bureau, in its own namespace of complaint ids
XIHU_COMPLAINT = "bureau.zj.hz.xihu:HZ12315-20261111-000123"


@dataclasses.dataclass
class _Request:
    method: str
    url: str
    headers: dict[str, str]


async def test_request_signed_by_the_http_message_signatures_package_is_accepted(
    client: TestClient, enrol: Any, hub_base_url: str
) -> None:
    bureau = await enrol("bureau.zj.hz.xihu", "bureau", regions=("330100",))
    body = orjson.dumps(example("complaint.filed", complaint_id=XIHU_COMPLAINT))
    request = _Request("POST", hub_base_url + "/v1/events", {"Content-Type": "application/json"})
    resolver = MappingKeyResolver(public_keys={}, private_keys={bureau.kid: bureau._private_key})
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    signer.sign(
        request,
        key_id=bureau.kid,
        nonce=uuid.uuid4().hex,
        label="stock",
        covered_component_ids=("@method", "@authority", "@path"),
        body=body,
    )
    response = await client.post("/v1/events", data=body, headers=request.headers)
    assert response.status == 201, await response.text()


async def _joserfc_verify(client: TestClient, token: str) -> dict[str, Any]:
    keys = KeySet.import_key_set(await (await client.get("/.well-known/jwks.json")).json())
    verified = jws.deserialize_compact(token, keys, algorithms=["Ed25519"])
    payload: dict[str, Any] = orjson.loads(verified.payload)
    return payload


# The fully-specified alg (RFC 9864): a stock verifier has nothing to warn about.
@pytest.mark.filterwarnings("error:EdDSA is deprecated")
async def test_receipt_verifies_with_joserfc_from_the_served_jwks(
    client: TestClient, enrol: Any
) -> None:
    bureau = await enrol("bureau.zj.hz.xihu", "bureau", regions=("330100",))
    accepted = await bureau.post_event(example("complaint.filed", complaint_id=XIHU_COMPLAINT))
    payload = await _joserfc_verify(client, accepted["receipt"])
    assert (
        payload["event_id"] == example("complaint.filed", complaint_id=XIHU_COMPLAINT)["event_id"]
    )
    assert payload["position"] == accepted["position"]
    response = await client.get("/.well-known/jwks.json")
    assert "max-age" in response.headers["Cache-Control"]
    assert all(k["kty"] == "OKP" and k["use"] == "sig" for k in (await response.json())["keys"])


async def test_receipt_signed_before_rotation_verifies_after_it(
    client: TestClient, enrol: Any, app: Any, settings: Settings
) -> None:
    bureau = await enrol("bureau.zj.hz.xihu", "bureau", regions=("330100",))
    before = await bureau.post_event(example("complaint.filed", complaint_id=XIHU_COMPLAINT))
    old_kid = app[HUB_SIGNER].active().kid
    new_kid, signs_from = await rotate(app[HUB_KEYS], settings.data_dir / "hub-key.pem")
    # Published at once, used only after the JWKS cache lifetime.
    assert signs_from > datetime.now(UTC) + timedelta(seconds=200)
    kids = {k["kid"] for k in (await (await client.get("/.well-known/jwks.json")).json())["keys"]}
    assert kids == {old_kid, new_kid}
    # Every replica re-reads the shared key file; this one does it now rather than in 30 s.
    await app[HUB_SIGNER].refresh()
    assert app[HUB_SIGNER].active().kid == old_kid
    # Once the cache lifetime has passed, the new key signs.
    assert app[HUB_SIGNER].active(signs_from + timedelta(seconds=1)).kid == new_kid
    assert (await _joserfc_verify(client, before["receipt"]))["event_id"]
    fresh = await HubClient(
        bureau.base_url, bureau.kid, bureau._private_key, session=client.session
    ).verify_receipt(before["receipt"])
    assert fresh["position"] == before["position"]


async def test_two_hub_processes_sharing_one_key_file_serve_the_same_jwks(
    database_url: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "secret" / "hub-key.pem"
    key_file.parent.mkdir()
    key = generate_private_key()
    key_file.write_bytes(private_key_to_pem(key))
    env = {
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_HUB_KEY_FILE": str(key_file),
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
    }
    with (
        hub_process(env, tmp_path / "a.log") as first,
        hub_process(env, tmp_path / "b.log") as second,
    ):
        async with aiohttp.ClientSession() as session:
            documents = []
            for url in (first, second):
                async with session.get(url + "/.well-known/jwks.json") as response:
                    documents.append(await response.json())
    assert documents[0] == documents[1]
    assert [k["kid"] for k in documents[0]["keys"]] == [hub_kid(key.public_key())]


@pytest.fixture
async def proxied(settings: Settings) -> AsyncIterator[tuple[TestClient, Any]]:
    """The hub behind a proxy, configured with its public URL."""
    app = create_app(dataclasses.replace(settings, public_urls=("https://hub.example.test",)))
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client, app


async def _enrol_bureau(app: Any) -> tuple[str, Any]:
    key = generate_private_key()
    await app[PARTICIPANTS].add(
        Participant("bureau.zj.hz.xihu", "Xihu AMR", "bureau", None, ("330100",), None, True)
    )
    await app[PARTICIPANTS].add_key(
        "bureau.zj.hz.xihu", "xihu-k1", public_key_raw(key.public_key())
    )
    return "xihu-k1", key


async def test_request_signed_for_the_public_url_is_accepted_behind_a_proxy(
    proxied: tuple[TestClient, Any],
) -> None:
    client, app = proxied
    kid, key = await _enrol_bureau(app)
    hub = HubClient(
        str(client.make_url("")),
        kid,
        key,
        session=client.session,
        signed_authority="https://hub.example.test",
    )
    response = await hub.request(
        "POST", "/v1/events", json=example("complaint.filed", complaint_id=XIHU_COMPLAINT)
    )
    assert response.status == 201, response.body


async def test_request_signed_for_another_hub_is_refused(proxied: tuple[TestClient, Any]) -> None:
    client, app = proxied
    kid, key = await _enrol_bureau(app)
    hub = HubClient(
        str(client.make_url("")),
        kid,
        key,
        session=client.session,
        signed_authority="https://other-hub.example",
    )
    response = await hub.request(
        "POST",
        "/v1/events",
        json=example("complaint.filed", complaint_id=XIHU_COMPLAINT),
        headers={"Host": "other-hub.example"},
    )
    assert response.status == 401
    assert response.json()["type"].endswith("/authority-mismatch")
    # Without the Host header telling which authority was signed, it is a bad signature.
    response = await hub.request(
        "POST", "/v1/events", json=example("complaint.filed", complaint_id=XIHU_COMPLAINT)
    )
    assert response.status == 401
    assert response.json()["type"].endswith("/signature-invalid")
