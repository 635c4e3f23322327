"""What the /ops routes are sent is checked before it reaches PostgreSQL: a NUL byte or any
other value off an identifier's pattern gets a problem naming the field, never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from aiohttp.test_utils import TestClient

from hub.http.query import PARTICIPANT_ID
from hub.problems import CONTENT_TYPE
from tests.hubproc import REPO
from tests.ops_page.conftest import OPERATOR, PASSWORD, login

BAD_NAMES = ["ops\x00alice", "ops alice", "x" * 65, "-ops"]


async def _problem(response: object, status: int) -> dict[str, object]:
    assert response.status == status, await response.text()
    assert response.content_type == CONTENT_TYPE
    body: dict[str, object] = await response.json(content_type=CONTENT_TYPE)
    return body


@pytest.mark.parametrize("name", BAD_NAMES, ids=["nul", "space", "too-long", "leading-dash"])
async def test_a_login_with_a_malformed_operator_name_is_refused_naming_the_rule(
    client: TestClient, operator: str, name: str
) -> None:
    response = await client.post(
        "/ops/login", data={"name": name, "password": PASSWORD}, allow_redirects=False
    )
    problem = await _problem(response, 400)
    assert "operator name" in str(problem["detail"])
    assert name not in str(problem["detail"])  # a refused value is never echoed


async def test_basic_credentials_with_a_nul_in_the_name_are_refused(
    client: TestClient, operator: str
) -> None:
    credentials = base64.b64encode(f"ops\x00alice:{PASSWORD}".encode()).decode()
    response = await client.get(
        "/ops/state.json", headers={"Authorization": f"Basic {credentials}"}
    )
    problem = await _problem(response, 401)
    assert "operator name" in str(problem["detail"])
    # the well-formed name still logs in afterwards: nothing was counted against it
    assert await login(client, OPERATOR, PASSWORD)


@pytest.mark.parametrize("action", ["enable", "replay"])
@pytest.mark.parametrize("subscription_id", ["sub%00x", "not-a-subscription"])
async def test_an_endpoint_action_on_a_malformed_subscription_id_is_not_found(
    client: TestClient, operator: str, action: str, subscription_id: str
) -> None:
    csrf = await login(client)
    response = await client.post(
        f"/ops/actions/endpoints/{subscription_id}/{action}",
        data={"csrf": csrf, "after": "0"},
        allow_redirects=False,
    )
    problem = await _problem(response, 404)
    assert problem["parameter"] == "subscription_id"


async def test_a_participant_page_for_a_malformed_id_is_not_found_without_echoing_it(
    client: TestClient, operator: str
) -> None:
    await login(client)
    response = await client.get("/ops/participants/Bad%00Id")
    problem = await _problem(response, 404)
    assert problem["parameter"] == "participant_id"
    assert "\x00" not in str(problem["detail"])


def test_the_participant_id_pattern_is_the_schemas_own() -> None:
    common = json.loads((REPO / "schemas" / "common-v1.json").read_text(encoding="utf-8"))
    assert PARTICIPANT_ID.pattern == common["$defs"]["participant_id"]["pattern"]


@pytest.mark.parametrize("header", ["Basic é==", "Basic b3Bz\udcff"], ids=["latin-1", "raw-byte"])
async def test_basic_credentials_that_are_not_ascii_base64_are_refused(
    client: TestClient, operator: str, header: str
) -> None:
    raw = header.encode("utf-8", "surrogateescape").decode("latin-1")
    response = await client.get("/ops/state.json", headers={"Authorization": raw})
    problem = await _problem(response, 401)
    assert problem["detail"] == "malformed Basic credentials"


async def test_a_sync_action_on_a_malformed_platform_code_is_not_found_without_echoing_it(
    client: TestClient, operator: str
) -> None:
    csrf = await login(client)
    response = await client.post(
        "/ops/actions/sync/Bad%00Code/pause", data={"csrf": csrf}, allow_redirects=False
    )
    problem = await _problem(response, 404)
    assert problem["parameter"] == "platform"
    assert "\x00" not in str(problem["detail"])
