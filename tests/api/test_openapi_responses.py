"""What the hub answers matches the response schema its API description documents.

Real answers from a real hub: a complaint driven along the bureau's path and a report (举报)
along its own, each read back after every step, the lists, chains and feed that show them, a
batch and a retry. Each answer is validated against the schema documented for its operation and
status in hub/api/openapi.json, references resolved inside the document.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import aiohttp
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from hub.api.openapi import api_description
from hub.sdk.client import HubClient, Response
from tests.api._lifecycle import BUREAU_PATH, Cast, event, new_complaint_id
from tests.conftest import EXAMPLES, example

DOCUMENT_URI = "urn:complaint-hub:openapi"
PROBLEM = "application/problem+json"


def _document() -> Mapping[str, Any]:
    return api_description().document


def _registry() -> Registry[Any]:
    return Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(dict(_document())))


def _pointer_part(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


def _response_pointer(document: Mapping[str, Any], path: str, method: str, status: str) -> str:
    """The JSON Pointer of the documented response, following a shared response's $ref."""
    raw = document["paths"][path][method.lower()]["responses"][status]
    ref = raw.get("$ref")
    if isinstance(ref, str):
        return ref.removeprefix("#")
    return f"/paths/{_pointer_part(path)}/{method.lower()}/responses/{status}"


def check(path: str, method: str, answer: Response, content_type: str = "application/json") -> Any:
    """The answer's JSON, after checking it against the documented schema of (path, method,
    status): the schema is addressed inside the document, so its $refs resolve there."""
    document = _document()
    status = str(answer.status)
    assert status in document["paths"][path][method.lower()]["responses"], (
        method,
        path,
        status,
        answer.body[:300],
    )
    pointer = _response_pointer(document, path, method, status)
    response: Any = document
    for part in pointer.strip("/").split("/"):
        response = response[part.replace("~1", "/").replace("~0", "~")]
    assert content_type in response.get("content", {}), (method, path, status)
    pointer += f"/content/{_pointer_part(content_type)}/schema"
    validator = Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#{pointer}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    body = answer.json()
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, (
        method,
        path,
        status,
        [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors],
    )
    return body


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


async def _post(client: HubClient, body: Mapping[str, Any]) -> Any:
    return check("/v1/events", "POST", await client.request("POST", "/v1/events", json=body))


async def _snapshot(client: HubClient, complaint_id: str) -> Any:
    answer = await client.request("GET", f"/v1/complaints/{complaint_id}")
    assert answer.status == 200, answer.body[:300]
    return check("/v1/complaints/{complaint_id}", "GET", answer)


async def test_a_complaints_answers_and_snapshot_at_every_step_match_the_document(
    cast: Cast,
) -> None:
    complaint_id = new_complaint_id()
    statuses = []
    for version, (event_type, sender, data) in enumerate(BUREAU_PATH, start=1):
        body = event(event_type, complaint_id, version, **data)
        if event_type == "complaint.offer_answered":
            body["data"].pop("consumer_message", None)
        client = await cast(sender)
        await _post(client, body)
        statuses.append((await _snapshot(await cast("bureau"), complaint_id))["status"])
        if version == 1:
            # a retry of the same event: 200 with the stored receipt, as documented
            await _post(client, body)
    assert statuses[0] == "filed"
    assert statuses[-1] == "closed"

    bureau = await cast("bureau")
    listed = check("/v1/complaints", "GET", await bureau.request("GET", "/v1/complaints"))
    assert complaint_id in {item.get("complaint_id") for item in listed["items"]}
    chain = check(
        "/v1/complaints/{complaint_id}/events",
        "GET",
        await bureau.request("GET", f"/v1/complaints/{complaint_id}/events"),
    )
    assert len(chain["events"]) == len(BUREAU_PATH)
    feed = check("/v1/feed", "GET", await bureau.request("GET", "/v1/feed"))
    assert feed["items"]


def _report_id() -> str:
    return f"bureau.hz:HZ12315-JB-{uuid.uuid4().hex[:16]}"


async def test_a_reports_answers_and_snapshot_at_every_step_match_the_document(
    cast: Cast, enrol: Any
) -> None:
    bureau = await cast("bureau")
    enforcement = await enrol("enforcement.hz", "enforcement", regions=("330100",))
    report_id = _report_id()
    received = event("report.received", report_id, 1)
    received["data"].pop("filed_with")
    steps: list[tuple[HubClient, dict[str, Any]]] = [
        (bureau, received),
        (bureau, event("report.verified", report_id, 2, verified=True)),
        (bureau, event("report.handed_over", report_id, 3, enforcement="enforcement.hz")),
        (enforcement, event("report.concluded", report_id, 4, outcome="case_opened")),
    ]
    kinds = set()
    for client, body in steps:
        await _post(client, body)
        snapshot = await _snapshot(enforcement, report_id)
        kinds.add(snapshot.get("kind"))
    assert kinds == {"report"}

    listed = check("/v1/complaints", "GET", await enforcement.request("GET", "/v1/complaints"))
    assert report_id in {item.get("report_id") for item in listed["items"]}
    check(
        "/v1/complaints/{complaint_id}/events",
        "GET",
        await enforcement.request("GET", f"/v1/complaints/{report_id}/events"),
    )
    check("/v1/feed", "GET", await enforcement.request("GET", "/v1/feed"))


async def test_a_batchs_answer_matches_the_document(cast: Cast) -> None:
    bureau = await cast("bureau")
    complaint_id = new_complaint_id()
    good = example("complaint.filed", event_id=str(uuid.uuid4()), complaint_id=complaint_id)
    foreign = example(
        "complaint.filed", event_id=str(uuid.uuid4()), complaint_id=new_complaint_id("bureau.bj")
    )
    answer = await bureau.request("POST", "/v1/batches", json={"events": [good, foreign]})
    body = check("/v1/batches", "POST", answer)
    outcomes = [(item["outcome"], item.get("problem", {}).get("type")) for item in body["items"]]
    assert outcomes == [
        ("accepted", None),
        ("refused", "https://complaint-hub.org/problems/complaint-id-not-own"),
    ]


# -- the enums of the snapshots are the domain's --------------------------------------------------


def _component(name: str) -> Any:
    return _document()["components"]["schemas"][name]


def test_the_documented_statuses_and_deadline_names_are_the_domains() -> None:
    from hub.domain.deadlines import DeadlineName
    from hub.domain.lifecycle import Status
    from hub.domain.report import ReportStatus

    complaint = _component("complaint-v1.json")["properties"]
    assert set(complaint["status"]["enum"]) == {s.value for s in Status}
    report = _component("ReportSnapshot")["properties"]
    assert set(report["status"]["enum"]) == {s.value for s in ReportStatus}
    deadline_names = _component("event-data-v1.json")["$defs"]["deadline.breached"]["properties"]
    assert set(deadline_names["deadline"]["enum"]) == {d.value for d in DeadlineName}


async def test_the_bureaus_steps_and_a_personal_parts_answers_match_the_document(
    cast: Cast, enrol: Any
) -> None:
    bureau, province = await cast("bureau"), await cast("province_bureau")
    operator = await cast("operator")
    # paused, resumed, mediated, closed
    complaint_id = new_complaint_id()
    steps: list[tuple[str, dict[str, Any]]] = [
        ("complaint.filed", {}),
        ("complaint.accepted", {"handling_bureau": "bureau.hz"}),
        ("case.paused", {"reason": "appraisal"}),
        ("case.resumed", {}),
        ("mediation.started", {"mediator": "bureau.hz"}),
        ("mediation.concluded", {}),
        ("complaint.closed", {"outcome": "not_resolved"}),
    ]
    seen = []
    for version, (event_type, data) in enumerate(steps, start=1):
        await _post(bureau, event(event_type, complaint_id, version, **data))
        snapshot = await _snapshot(bureau, complaint_id)
        seen.append((snapshot["status"], snapshot.get("paused", False)))
    assert ("accepted", True) in seen
    assert seen[-1][0] == "closed"

    # transferred to another bureau: the first keeps a read view
    moved = new_complaint_id()
    await _post(bureau, event("complaint.filed", moved, 1))
    await _post(bureau, event("case.transferred", moved, 2, to_bureau="bureau.zj"))
    assert "bureau.hz" in (await _snapshot(province, moved)).get("former_bureaus", [])

    # the personal part: written, read, erased, then gone
    path = "/v1/complaints/{complaint_id}/personal"
    personal = json.loads((EXAMPLES / "personal.json").read_text())
    own = f"/v1/complaints/{complaint_id}/personal"
    answers = [
        (path, "PUT", await bureau.request("PUT", own, json=personal)),
        (path, "GET", await bureau.request("GET", own)),
        (path, "DELETE", await operator.request("DELETE", own)),
    ]
    assert [answer.status for _, _, answer in answers] == [201, 200, 200]
    for documented, method, answer in answers:
        check(documented, method, answer)
    erased = await bureau.request("GET", own)
    assert erased.status == 410
    assert check(path, "GET", erased, PROBLEM)["type"].endswith("/personal-erased")


async def test_subscription_audit_and_statistics_answers_match_the_document(
    cast: Cast, client: Any
) -> None:
    bureau = await cast("bureau")
    await _post(bureau, example("complaint.filed", complaint_id=new_complaint_id()))

    created = await bureau.request(
        "POST", "/v1/subscriptions", json={"url": "http://127.0.0.1:9/hooks"}
    )
    assert created.status == 201, created.body[:300]
    subscription_id = check("/v1/subscriptions", "POST", created)["id"]
    check("/v1/subscriptions", "GET", await bureau.request("GET", "/v1/subscriptions"))
    check(
        "/v1/subscriptions/{subscription_id}",
        "GET",
        await bureau.request("GET", f"/v1/subscriptions/{subscription_id}"),
    )
    check("/v1/stats", "GET", await bureau.request("GET", "/v1/stats"))

    async def public(path: str, **params: Any) -> Response:
        answer = await client.get(path, params=params)
        return Response(answer.status, dict(answer.headers), await answer.read())

    head = check("/v1/audit/tree-head", "GET", await public("/v1/audit/tree-head"))
    assert head["tree_size"] >= 1
    check(
        "/v1/audit/inclusion",
        "GET",
        await public("/v1/audit/inclusion", position=1, tree_size=head["tree_size"]),
    )


async def test_the_operators_json_picture_matches_the_document(
    cast: Cast, app: Any, client: Any
) -> None:
    from datetime import UTC, datetime

    from hub.ops.page.resources import OPERATOR_AUTH
    from hub.ops.passwords import hash_password

    await _post(await cast("bureau"), example("complaint.filed", complaint_id=new_complaint_id()))
    await app[OPERATOR_AUTH].store.add(
        "ops.lead", hash_password("a long passphrase"), datetime.now(UTC)
    )
    answer = await client.get(
        "/ops/state.json",
        headers={"Authorization": aiohttp.encode_basic_auth("ops.lead", "a long passphrase")},
    )
    picture = check(
        "/ops/state.json",
        "GET",
        Response(answer.status, dict(answer.headers), await answer.read()),
    )
    assert answer.status == 200
    assert {row["participant_id"] for row in picture["participants"]} >= {"bureau.hz"}
