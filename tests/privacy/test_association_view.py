"""The association, mediating a case delegated to it, sees the facts and none of the consumer."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from tests.conftest import EXAMPLES, example

PERSONAL: dict[str, Any] = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))
COMPLAINT = "bureau.hz:HZ12315-20261123-000777"


def _secrets() -> list[str]:
    consumer = PERSONAL["consumer"]
    # The narrative in pieces too: any run of it leaking counts.
    narrative = PERSONAL["narrative"]
    pieces = [narrative[i : i + 12] for i in range(0, len(narrative) - 12, 6)]
    return [consumer["name"], consumer["phone"], consumer["address"], narrative, *pieces]


def _receipt_payloads(chain: dict[str, Any]) -> list[str]:
    payloads = []
    for item in chain["events"]:
        body = item["receipt"].split(".")[1]
        payloads.append(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode())
    return payloads


async def test_association_mediating_sees_no_name_phone_address_or_narrative(enrol: Any) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    association = await enrol("association.zj.hz", "association")
    path = f"/v1/complaints/{COMPLAINT}/personal"
    written = await bureau.call("PUT", path, json=PERSONAL)
    filed = example("complaint.filed", complaint_id=COMPLAINT, event_id=str(uuid.uuid4()))
    filed["data"] = {  # type: ignore[index]
        **filed["data"],  # type: ignore[dict-item]
        "personal_ref": written["personal_ref"],
        "personal_commitment": written["personal_commitment"],
    }
    await bureau.post_event(filed)
    await bureau.post_event(
        example(
            "complaint.accepted",
            complaint_id=COMPLAINT,
            version=2,
            event_id=str(uuid.uuid4()),
            data={},
        )
    )
    started = example(
        "mediation.started", complaint_id=COMPLAINT, version=3, event_id=str(uuid.uuid4())
    )
    started["data"] = {"mediator": "association.zj.hz"}
    await bureau.post_event(started)

    snapshot = await association.get_complaint(COMPLAINT)
    chain = await association.call("GET", f"/v1/complaints/{COMPLAINT}/events")
    personal = await association.call("GET", path)
    assert snapshot["mediator"] == "association.zj.hz"
    assert all("evidence" in item for item in chain["events"])  # the signed facts are there
    assert personal["view"] == "masked"

    seen = json.dumps([snapshot, chain, personal, _receipt_payloads(chain)], ensure_ascii=False)
    for secret in _secrets():
        assert secret not in seen, secret
    # The bureau handling the case does see the consumer: the data exists, it is just not shown.
    assert (await bureau.call("GET", path))["personal"] == PERSONAL
