"""A cast of participants and the two standard paths of a complaint, for the HTTP acceptance tests.

The bureau-filed path: filed (bureau) -> accepted -> routed -> acknowledged (platform) -> offer_made
-> offer_answered (bureau, the consumer's filing channel) -> resolved (platform) -> confirmed
(bureau) -> closed (bureau). The ODR path: the platform files from its own ODR service and speaks
for the consumer only by citing the consumer's message.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from hub.sdk.client import HubClient
from tests.conftest import example

Enrol = Callable[..., Awaitable[HubClient]]

OFFER_ID = "refund-215678901234"
AMOUNT_FEN = 59900
CONSUMER_MESSAGE = {
    "id": "msg-88123409",
    "sha256": "9f2c1e0d8b7a695847362514f3e2d1c0b9a8f7e6d5c4b3a2918070605040302a",
}

# Who each role name in the tests is: participant id and enrolment arguments.
CAST: Mapping[str, tuple[str, str, dict[str, Any]]] = {
    "bureau": ("bureau.hz", "bureau", {"regions": ("330100",)}),
    "province_bureau": ("bureau.zj", "bureau", {"regions": ("330000",)}),
    "far_bureau": ("bureau.bj", "bureau", {"regions": ("110000",)}),
    "platform": ("platform.taobao", "platform", {"platform": "taobao"}),
    "other_platform": ("platform.jd", "platform", {"platform": "jd"}),
    "association": ("association.zj.hz", "association", {}),
    "court": ("court.hz.internet", "court", {}),
    "operator": ("operator.hub", "operator", {}),
}


@dataclass
class Cast:
    """Participants enrolled on first use, each signing with its own fresh key."""

    enrol: Enrol
    clients: dict[str, HubClient] = field(default_factory=dict)

    async def __call__(self, name: str) -> HubClient:
        if name not in self.clients:
            participant_id, role, kwargs = CAST[name]
            self.clients[name] = await self.enrol(participant_id, role, **kwargs)
        return self.clients[name]

    @staticmethod
    def participant_id(name: str) -> str:
        return CAST[name][0]


def event(event_type: str, complaint_id: str, version: int, **data: Any) -> dict[str, Any]:
    """An example event of `event_type` with a fresh event_id; `data` replaces data members."""
    document = example(
        event_type,
        event_id=str(uuid.uuid4()),
        complaint_id=complaint_id,
        version=version,
    )
    document = copy.deepcopy(document)
    document["data"] = {**document["data"], **data}  # type: ignore[dict-item]
    return document


def new_complaint_id(filer: str = "bureau.hz") -> str:
    """A fresh id in `filer`'s namespace, the only one it may file under."""
    return f"{filer}:HZ12315-{uuid.uuid4().hex[:16]}"


# (event type, sender, data overrides); the version is the step's place in the path.
Step = tuple[str, str, dict[str, Any]]

BUREAU_PATH: tuple[Step, ...] = (
    ("complaint.filed", "bureau", {}),
    ("complaint.accepted", "bureau", {"handling_bureau": "bureau.hz"}),
    ("complaint.routed", "bureau", {"platform": "taobao"}),
    ("complaint.acknowledged", "platform", {}),
    ("complaint.offer_made", "platform", {"offer_id": OFFER_ID, "amount_fen": AMOUNT_FEN}),
    ("complaint.offer_answered", "bureau", {"offer_id": OFFER_ID, "answer": "accepted"}),
    ("complaint.resolved", "platform", {"resolution": "refund", "amount_fen": AMOUNT_FEN}),
    ("complaint.confirmed", "bureau", {}),
    ("complaint.closed", "bureau", {"outcome": "resolved"}),
)

ODR_PATH: tuple[Step, ...] = (
    ("complaint.filed", "platform", {"channel": "platform_odr"}),
    ("complaint.acknowledged", "platform", {}),
    ("complaint.offer_made", "platform", {"offer_id": OFFER_ID, "amount_fen": AMOUNT_FEN}),
    (
        "complaint.offer_answered",
        "platform",
        {"offer_id": OFFER_ID, "answer": "accepted", "consumer_message": CONSUMER_MESSAGE},
    ),
    ("complaint.resolved", "platform", {"resolution": "refund", "amount_fen": AMOUNT_FEN}),
    ("complaint.confirmed", "platform", {"consumer_message": CONSUMER_MESSAGE}),
)

PATHS: Mapping[str, tuple[Step, ...]] = {"bureau": BUREAU_PATH, "odr": ODR_PATH}


def step_event(path: str, version: int, complaint_id: str, **filed_data: Any) -> dict[str, Any]:
    """The event of step `version` (1-based) of a path; `filed_data` adjusts the filing."""
    event_type, _, data = PATHS[path][version - 1]
    extra = {**data, **filed_data} if version == 1 else data
    body = event(event_type, complaint_id, version, **extra)
    if event_type == "complaint.offer_answered" and "consumer_message" not in data:
        body["data"].pop("consumer_message", None)
    return body


def step_sender(path: str, version: int) -> str:
    return PATHS[path][version - 1][1]


@dataclass(frozen=True)
class Prepared:
    complaint_id: str
    events: tuple[dict[str, Any], ...]  # as sent, in version order
    answers: tuple[dict[str, Any], ...]  # the hub's 201 answers, receipts verified


async def prepare(
    cast: Cast, path: str, upto: int, complaint_id: str | None = None, **filed_data: Any
) -> Prepared:
    """Drive a fresh complaint along `path` to version `upto`."""
    complaint_id = complaint_id or new_complaint_id(Cast.participant_id(step_sender(path, 1)))
    sent, answers = [], []
    for version in range(1, upto + 1):
        body = step_event(path, version, complaint_id, **filed_data)
        answers.append(await (await cast(step_sender(path, version))).post_event(body))
        sent.append(body)
    return Prepared(complaint_id, tuple(sent), tuple(answers))


@dataclass(frozen=True)
class RowCounts:
    events: int
    complaints: int
    evidence: int


async def row_counts(db: asyncpg.Connection) -> RowCounts:
    row = await db.fetchrow(
        "SELECT (SELECT count(*) FROM events) AS events,"
        " (SELECT count(*) FROM complaints) AS complaints,"
        " (SELECT count(*) FROM evidence) AS evidence"
    )
    assert row is not None
    return RowCounts(row["events"], row["complaints"], row["evidence"])
