"""The write path is no oracle: a participant that may not see a complaint gets, from every write,
exactly the answer it gets for a complaint that does not exist; and nobody files, or writes a
personal part, under another participant's complaint ids."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg

from hub.sdk.client import HubClient, Response
from tests.conftest import EXAMPLES, example

BUREAU = "bureau.hz"
FAR_BUREAU = "bureau.bj"


async def _cast(enrol: Any) -> tuple[HubClient, HubClient, HubClient, HubClient]:
    bureau = await enrol(BUREAU, "bureau", regions=("330100",))
    far = await enrol(FAR_BUREAU, "bureau", regions=("110000",))
    taobao = await enrol("platform.taobao", "platform", platform="taobao")
    jd = await enrol("platform.jd", "platform", platform="jd")
    return bureau, far, taobao, jd


async def _filed(bureau: HubClient) -> str:
    complaint_id = f"{BUREAU}:HZ12315-{uuid.uuid4().hex[:12]}"
    await bureau.post_event(
        example("complaint.filed", event_id=str(uuid.uuid4()), complaint_id=complaint_id)
    )
    return complaint_id


def _answer(response: Response, complaint_id: str) -> dict[str, Any]:
    """What a response tells, with the complaint id it names blanked out."""
    problem = response.json()
    return {
        "status": response.status,
        **{
            key: str(value).replace(complaint_id, "<id>")
            for key, value in problem.items()
            if key != "request_id"
        },
    }


async def _same_as_unknown(
    sender: HubClient, existing: str, event_type: str, version: int, **data: Any
) -> None:
    unknown = f"{BUREAU}:HZ12315-{uuid.uuid4().hex[:12]}"
    answers = []
    for complaint_id in (existing, unknown):
        document = example(
            event_type, event_id=str(uuid.uuid4()), complaint_id=complaint_id, version=version
        )
        document["data"] = {**document["data"], **data}  # type: ignore[dict-item]
        response = await sender.request("POST", "/v1/events", json=document)
        assert 400 <= response.status < 500, response.body[:300]
        answers.append(_answer(response, complaint_id))
    assert answers[0] == answers[1]


async def test_a_stale_version_tells_an_outsider_nothing(enrol: Any) -> None:
    bureau, _, _, jd = await _cast(enrol)
    complaint_id = await _filed(bureau)
    # version 1 is stale on the filed complaint: a reader would learn its current version
    await _same_as_unknown(jd, complaint_id, "case.note_added", 1)


async def test_not_the_respondent_reads_as_unknown_complaint(enrol: Any) -> None:
    bureau, _, _, jd = await _cast(enrol)
    complaint_id = await _filed(bureau)
    await _same_as_unknown(jd, complaint_id, "case.note_added", 2)


async def test_outside_the_jurisdiction_reads_as_unknown_complaint(enrol: Any) -> None:
    bureau, far, _, _ = await _cast(enrol)
    complaint_id = await _filed(bureau)
    await _same_as_unknown(far, complaint_id, "complaint.accepted", 2)


async def test_filing_under_a_taken_id_tells_an_outsider_nothing(
    enrol: Any, db: asyncpg.Connection
) -> None:
    bureau, far, taobao, _ = await _cast(enrol)
    complaint_id = await _filed(bureau)
    for sender, data in ((taobao, {"channel": "platform_odr"}), (far, {"region": "110105"})):
        await _same_as_unknown(sender, complaint_id, "complaint.filed", 1, **data)
    assert await db.fetchval("SELECT count(*) FROM events") == 1


async def test_a_personal_part_is_written_only_under_the_writers_own_ids(
    enrol: Any, db: asyncpg.Connection
) -> None:
    bureau, _, _, jd = await _cast(enrol)
    complaint_id = await _filed(bureau)
    unfiled = f"{BUREAU}:HZ12315-{uuid.uuid4().hex[:12]}"
    personal = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))
    answers = []
    for target in (complaint_id, unfiled):
        response = await jd.request("PUT", f"/v1/complaints/{target}/personal", json=personal)
        assert response.status == 404, response.body[:300]
        answers.append(_answer(response, target))
    assert answers[0] == answers[1]
    assert await db.fetchval("SELECT count(*) FROM personal_parts") == 0
    # the owner of the namespace writes ahead of its filing as before
    own = await bureau.request("PUT", f"/v1/complaints/{unfiled}/personal", json=personal)
    assert own.status in (200, 201), own.body[:300]


async def test_a_filing_outside_the_filers_namespace_is_refused(enrol: Any) -> None:
    bureau, _, taobao, _ = await _cast(enrol)
    for sender, complaint_id, data in (
        (bureau, f"HZ12315-{uuid.uuid4().hex[:12]}", {}),
        (bureau, f"{BUREAU}:a:{uuid.uuid4().hex[:12]}", {}),
        (taobao, f"{BUREAU}:TB-{uuid.uuid4().hex[:12]}", {"channel": "platform_odr"}),
    ):
        document = example("complaint.filed", event_id=str(uuid.uuid4()), complaint_id=complaint_id)
        document["data"] = {**document["data"], **data}  # type: ignore[dict-item]
        response = await sender.request("POST", "/v1/events", json=document)
        assert response.status == 422, response.body[:300]
        assert response.json()["pointer"] == "/complaint_id"
