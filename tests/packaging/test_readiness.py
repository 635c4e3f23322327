"""Readiness refuses a hub whose schemas cannot be loaded, instead of answering 500 per event."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient

from hub.records import validate


@pytest.fixture
def schemas_not_installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # As after a broken install: the package data the schemas ship in is not there.
    monkeypatch.setattr(validate, "SCHEMA_PACKAGE", "hub.schemas_not_installed")
    validate._schemas.cache_clear()
    yield
    validate._schemas.cache_clear()


@pytest.mark.usefixtures("schemas_not_installed")
async def test_readyz_answers_503_naming_the_schemas_when_they_cannot_be_loaded(
    client: TestClient,
) -> None:
    response = await client.get("/readyz")
    assert response.status == 503
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    assert problem["status"] == 503
    assert "schemas" in problem["detail"]
    assert "hub.schemas_not_installed" in problem["detail"]


async def test_readyz_answers_200_once_the_schemas_load(client: TestClient) -> None:
    response = await client.get("/readyz")
    assert response.status == 200, await response.text()
