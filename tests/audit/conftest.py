"""Helpers for the audit tests: a case of a given length, the hub's keys, JSON over HTTP."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.crypto.keys import load_public_key
from tests.api._lifecycle import BUREAU_PATH, Cast, event, new_complaint_id, step_event, step_sender

Client = TestClient[web.Request, web.Application]


async def drive_case(cast: Cast, length: int = 12) -> str:
    """A bureau-filed case of `length` events: the bureau path, with notes added before the
    closing step when `length` is longer than the path."""
    complaint_id = new_complaint_id()
    closing = len(BUREAU_PATH)
    for version in range(1, length + 1):
        if length <= closing or version < closing:
            body, sender = (
                step_event("bureau", version, complaint_id),
                step_sender("bureau", version),
            )
        elif version < length:
            body, sender = event("case.note_added", complaint_id, version), "bureau"
        else:
            body = event("complaint.closed", complaint_id, version, outcome="resolved")
            sender = "bureau"
        await (await cast(sender)).post_event(body)
    return complaint_id


async def hub_keys(client: Client) -> dict[str, Ed25519PublicKey]:
    document = await (await client.get("/.well-known/jwks.json")).json()
    return {jwk["kid"]: load_public_key(orjson.dumps(jwk)) for jwk in document["keys"]}


async def get_json(client: Client, path: str, **params: Any) -> Any:
    response = await client.get(path, params={k: str(v) for k, v in params.items()})
    assert response.status == 200, await response.text()
    return await response.json()


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)
