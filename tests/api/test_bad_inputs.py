"""Every bad input to POST /v1/events is refused with the right problem and writes nothing.

The cases live in tests/api/bad_inputs/*.json, one list per theme. Each case names its sender (a
role of the cast in _lifecycle.py), the case it needs (a complaint driven along a standard path to
version N), the body (an example event with JSON-pointer mutations, or a raw body) and the problem
expected: status, type slug, the pointer it must name and words its detail must contain.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from hub.sdk.client import Response
from tests.api._lifecycle import Cast, Enrol, event, new_complaint_id, prepare, row_counts

CORPUS = Path(__file__).parent / "bad_inputs"
PROBLEM = "application/problem+json"
PROBLEM_BASE = "https://complaint-hub.org/problems/"


def _load() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(CORPUS.glob("*.json")):
        cases.extend(json.loads(path.read_text(encoding="utf-8")))
    return cases


CASES = _load()


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _set(document: Any, pointer: str, value: Any) -> None:
    *parents, last = _tokens(pointer)
    for token in parents:
        document = document[int(token)] if isinstance(document, list) else document[token]
    if isinstance(document, list):
        document[int(last)] = value
    else:
        document[last] = value


def _remove(document: Any, pointer: str) -> None:
    *parents, last = _tokens(pointer)
    for token in parents:
        document = document[int(token)] if isinstance(document, list) else document[token]
    del document[int(last) if isinstance(document, list) else last]


def _body(case: dict[str, Any], complaint_id: str, version: int, sent: tuple[Any, ...]) -> bytes:
    if "raw_body" in case:
        return str(case["raw_body"]).encode()
    document = event(case["event"], complaint_id, version)
    if "data" in case:
        document["data"] = dict(case["data"])
    if "event_id_of_version" in case:
        document["event_id"] = sent[case["event_id_of_version"] - 1]["event_id"]
    for pointer, value in case.get("set", {}).items():
        _set(document, pointer, value)
    for pointer in case.get("remove", []):
        _remove(document, pointer)
    # The stdlib writes 59900.0 as a float and 2^64 + 1 as an exact integer, as a careless sender
    # would (orjson refuses integers beyond 64 bits).
    return json.dumps(document, ensure_ascii=False).encode()


def test_the_corpus_is_broad_and_names_are_unique() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 45


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
async def test_bad_input_is_refused_with_its_problem_and_writes_nothing(
    case: dict[str, Any], enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    await cast("association")  # the examples name it as mediator: registered, as the hub checks
    setup = case.get("setup", {"path": "bureau", "version": 0})
    prepared = await prepare(cast, setup["path"], setup["version"], **setup.get("filed", {}))
    # a complaint not filed yet is named in its sender's namespace, the only one it may file in
    fresh = case.get("complaint") == "fresh" or setup["version"] == 0
    complaint_id = (
        new_complaint_id(Cast.participant_id(case["sender"])) if fresh else prepared.complaint_id
    )
    body = _body(case, complaint_id, setup["version"] + 1, prepared.events)
    sender = await cast(case["sender"])
    before = await row_counts(db)

    response: Response = await sender.request(
        "POST",
        "/v1/events",
        body=body,
        headers={"Content-Type": case.get("content_type", "application/json")},
    )

    expect = case["expect"]
    assert response.status == expect["status"], response.body
    assert response.headers["Content-Type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["type"] == PROBLEM_BASE + expect["slug"], problem
    assert problem["status"] == expect["status"]
    assert problem["title"]
    for words in expect.get("detail", []):
        assert words in problem["detail"], problem
    if "pointer" in expect:
        assert problem["pointer"] == expect["pointer"], problem
    if "rule" in expect:
        assert problem["rule"] == expect["rule"], problem
    if "current_version" in expect:
        assert problem["current_version"] == expect["current_version"], problem
    if expect.get("reveals_nothing"):
        original = prepared.events[case["event_id_of_version"] - 1]
        original_actor = Cast.participant_id("bureau")
        assert not {"position", "version", "complaint_id", "actor", "receipt"} & problem.keys()
        text = response.body.decode()
        assert original_actor not in text
        assert original["type"] not in text
        if case.get("complaint") == "fresh":
            assert prepared.complaint_id not in text
    assert await row_counts(db) == before


async def test_an_unused_event_id_after_a_refusal_is_still_free(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    """A refused event leaves no trace: its event_id can carry a corrected event afterwards."""
    cast = Cast(enrol)
    bureau = await cast("bureau")
    document = event("complaint.filed", new_complaint_id(), 1)
    document["data"]["demand"]["amount_fen"] = "599.00"
    refused = await bureau.request("POST", "/v1/events", json=document)
    assert refused.status == 422
    document["data"]["demand"]["amount_fen"] = 59900
    accepted = await bureau.post_event(document)
    assert accepted["version"] == 1
    assert (await row_counts(db)).events == 1
    assert uuid.UUID(accepted["event_id"])
