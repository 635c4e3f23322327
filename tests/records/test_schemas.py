from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.domain.calendar import WorkingCalendar
from hub.domain.case import decide
from hub.domain.categories import Level1, Level2
from hub.domain.deadlines import MEDIATION_END_GROUNDS, DeadlineName
from hub.domain.lifecycle import EventType
from hub.domain.report import ReportEventType
from hub.domain.roles import Actor, Role
from hub.records.validate import (
    RecordInvalid,
    schema_path,
    validate_event,
    validate_personal,
    validate_snapshot,
)

SCHEMAS = schema_path()
EXAMPLES = SCHEMAS / "examples"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def example(event_type: str) -> dict[str, Any]:
    return load(EXAMPLES / f"{event_type}.json")


def test_every_schema_has_a_stable_id_named_like_its_file() -> None:
    paths = sorted(SCHEMAS.glob("*.json"))
    assert {p.name for p in paths} >= {
        "event-v1.json",
        "common-v1.json",
        "event-data-v1.json",
        "complaint-v1.json",
        "personal-v1.json",
    }
    for path in paths:
        document = load(path)
        assert document["$id"] == f"https://complaint-hub.org/schemas/{path.name}"
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_no_schema_admits_a_float_or_an_open_object() -> None:
    for path in SCHEMAS.glob("*.json"):
        for node in walk(load(path)):
            assert node.get("type") != "number", path.name
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, path.name


def test_category_enums_equal_the_domain_taxonomy() -> None:
    category = load(SCHEMAS / "common-v1.json")["$defs"]["category"]["properties"]
    assert category["level1"]["enum"] == [member.value for member in Level1]
    assert category["level2"]["enum"] == [member.value for member in Level2]


ALL_TYPES = [member.value for member in EventType] + [m.value for m in ReportEventType]


def test_event_types_equal_the_domain_event_types() -> None:
    envelope = load(SCHEMAS / "event-v1.json")
    assert envelope["properties"]["type"]["enum"] == ALL_TYPES
    assert set(load(SCHEMAS / "event-data-v1.json")["$defs"]) == set(ALL_TYPES)


def test_deadline_names_equal_the_domain_deadline_names() -> None:
    data = load(SCHEMAS / "event-data-v1.json")["$defs"]["deadline.breached"]
    assert data["properties"]["deadline"]["enum"] == [member.value for member in DeadlineName]


def test_mediation_end_grounds_equal_the_domain_grounds() -> None:
    data = load(SCHEMAS / "event-data-v1.json")["$defs"]["mediation.concluded"]
    assert set(data["properties"]["ground"]["enum"]) == MEDIATION_END_GROUNDS


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        ({"agreement": False, "ground": "limit_passed"}, True),
        ({"agreement": False}, False),  # ending without agreement names its ground
        ({"agreement": False, "ground": "limit_passed", "amount_fen": 100}, False),
        ({"agreement": True, "ground": "limit_passed"}, False),
        (
            {
                "agreement": True,
                "amount_fen": 59900,
                "agreement_document": {"document_id": "TJS-1", "sha256": "ab" * 32},
                "parties_consented": True,
            },
            True,
        ),
        ({"agreement": True, "ground": "nonsense"}, False),
    ],
)
def test_mediation_concluded_data(data: dict[str, Any], valid: bool) -> None:
    document = example("mediation.concluded")
    document["data"] = data
    if valid:
        validate_event(document)
    else:
        with pytest.raises(RecordInvalid):
            validate_event(document)


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_every_example_validates(event_type: str) -> None:
    document = example(event_type)
    assert document["type"] == event_type
    validate_event(document)


def test_personal_example_validates() -> None:
    validate_personal(load(EXAMPLES / "personal.json"))


def setter(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.strip("/").split("/")

    def mutate(document: dict[str, Any]) -> None:
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value

    return mutate


def deleter(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.strip("/").split("/")

    def mutate(document: dict[str, Any]) -> None:
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return mutate


MUTATIONS = [
    # (example, mutation, pointer, rule)
    (
        "complaint.filed",
        setter("/data/demand/amount_fen", 599.0),
        "/data/demand/amount_fen",
        "type",
    ),
    (
        "complaint.filed",
        setter("/data/demand/amount_fen", 599.5),
        "/data/demand/amount_fen",
        "type",
    ),
    (
        "complaint.filed",
        setter("/data/demand/amount_fen", "599.00"),
        "/data/demand/amount_fen",
        "type",
    ),
    (
        "complaint.filed",
        setter("/data/demand/amount_fen", -1),
        "/data/demand/amount_fen",
        "minimum",
    ),
    (
        "complaint.filed",
        setter("/data/goods/0/amount_fen", 2**53),
        "/data/goods/0/amount_fen",
        "maximum",
    ),
    (
        "complaint.filed",
        setter("/data/goods/0/amount_fen", True),
        "/data/goods/0/amount_fen",
        "type",
    ),
    ("complaint.filed", setter("/data/region", "33010"), "/data/region", "pattern"),
    ("complaint.filed", setter("/data/region", "990106"), "/data/region", "pattern"),
    ("complaint.filed", setter("/data/region", 330106), "/data/region", "type"),
    (
        "complaint.filed",
        setter("/data/respondent/merchant/uscc", "91330106MA2CFT7E8E"),
        "/data/respondent/merchant/uscc",
        "uscc-checksum",
    ),
    (
        "complaint.filed",
        setter("/data/respondent/merchant/uscc", "91330106MA2CFT7E8"),
        "/data/respondent/merchant/uscc",
        "pattern",
    ),
    (
        "complaint.filed",
        setter("/data/order/order_id", 4012345678901234567),
        "/data/order/order_id",
        "type",
    ),
    (
        "complaint.filed",
        setter("/data/order/order_id", "4012345678901234567123456789012345"),
        "/data/order/order_id",
        "maxLength",
    ),
    (
        "complaint.filed",
        setter("/data/order/signed_for_on", "2026-02-30"),
        "/data/order/signed_for_on",
        "format",
    ),
    ("complaint.filed", deleter("/data/demand"), "/data/demand", "required"),
    (
        "complaint.filed",
        deleter("/data/consents/publication"),
        "/data/consents/publication",
        "required",
    ),
    (
        "complaint.filed",
        setter("/data/narrative", "free text"),
        "/data/narrative",
        "additionalProperties",
    ),
    (
        "complaint.filed",
        setter("/data/received_at", "2026-11-12T09:12:45"),
        "/data/received_at",
        "pattern",
    ),
    (
        "complaint.filed",
        setter("/data/received_at", "2026-11-12 09:12:45+08:00"),
        "/data/received_at",
        "pattern",
    ),
    (
        "complaint.filed",
        setter("/data/received_at", "2026-13-12T09:12:45+08:00"),
        "/data/received_at",
        "format",
    ),
    (
        "complaint.filed",
        setter("/data/category/level1", "logistics"),
        "/data/category/level1",
        "enum",
    ),
    (
        "complaint.filed",
        setter("/data/category/level2", "Late or no delivery"),
        "/data/category/level2",
        "enum",
    ),
    (
        "complaint.filed",
        deleter("/data/category/livestream"),
        "/data/category/livestream",
        "required",
    ),
    (
        "complaint.filed",
        setter("/data/respondent/platform", "Taobao"),
        "/data/respondent/platform",
        "pattern",
    ),
    (
        "complaint.filed",
        setter("/data/personal_commitment", "0" * 64),
        "/data/personal_commitment",
        "pattern",
    ),
    ("complaint.filed", setter("/data/goods", []), "/data/goods", "minItems"),
    ("complaint.filed", setter("/data/goods/0/quantity", 0), "/data/goods/0/quantity", "minimum"),
    ("complaint.filed", setter("/data/channel", "phone"), "/data/channel", "enum"),
    ("complaint.accepted", setter("/type", "complaint.reopened"), "/type", "enum"),
    ("complaint.accepted", setter("/actor", "bureau.zj"), "/actor", "additionalProperties"),
    ("complaint.accepted", setter("/version", 0), "/version", "minimum"),
    ("complaint.accepted", setter("/version", 2.0), "/version", "type"),
    ("complaint.accepted", setter("/version", 2**53), "/version", "maximum"),
    ("complaint.accepted", setter("/event_id", "not-a-uuid"), "/event_id", "pattern"),
    ("complaint.accepted", deleter("/occurred_at"), "/occurred_at", "required"),
    ("complaint.accepted", setter("/occurred_at", "2026-11-13"), "/occurred_at", "pattern"),
    (
        "complaint.accepted",
        setter("/complaint_id", "-starts-with-dash"),
        "/complaint_id",
        "pattern",
    ),
    (
        "complaint.accepted",
        setter("/data/handling_bureau", "Bureau ZJ"),
        "/data/handling_bureau",
        "pattern",
    ),
    ("complaint.rejected", setter("/data/ground", "busy"), "/data/ground", "enum"),
    ("complaint.offer_made", setter("/data/amount_fen", "599.00"), "/data/amount_fen", "type"),
    (
        "complaint.offer_answered",
        setter("/data/consumer_message/sha256", "XYZ"),
        "/data/consumer_message/sha256",
        "pattern",
    ),
    (
        "complaint.offer_answered",
        deleter("/data/consumer_message/id"),
        "/data/consumer_message/id",
        "required",
    ),
    (
        "complaint.resolved",
        deleter("/data/platform_intervened"),
        "/data/platform_intervened",
        "required",
    ),
    ("complaint.resolved", setter("/data/resolution", "refunded"), "/data/resolution", "enum"),
    ("complaint.disputed", setter("/data/reason", "他们不退款"), "/data/reason", "enum"),
    (
        "case.note_added",
        setter("/data/text", "called the consumer"),
        "/data/text",
        "additionalProperties",
    ),
    (
        "case.note_added",
        setter("/data/reference", "a reference with spaces"),
        "/data/reference",
        "pattern",
    ),
    (
        "mediation.concluded",
        setter("/data/parties_consented", "yes"),
        "/data/parties_consented",
        "type",
    ),
    (
        "deadline.breached",
        setter("/data/due_on", "2026-11-27T00:00:00+08:00"),
        "/data/due_on",
        "pattern",
    ),
    ("complaint.acknowledged", setter("/data/note", "ok"), "/data/note", "additionalProperties"),
]


@pytest.mark.parametrize(("event_type", "mutate", "pointer", "rule"), MUTATIONS)
def test_invalid_mutation_names_pointer_and_rule(
    event_type: str, mutate: Callable[[dict[str, Any]], None], pointer: str, rule: str
) -> None:
    document = copy.deepcopy(example(event_type))
    mutate(document)
    with pytest.raises(RecordInvalid) as caught:
        validate_event(document)
    assert (caught.value.pointer, caught.value.rule) == (pointer, rule)


@pytest.mark.parametrize("document", [[], "event", 1, None])
def test_non_object_event(document: object) -> None:
    with pytest.raises(RecordInvalid) as caught:
        validate_event(document)
    assert (caught.value.pointer, caught.value.rule) == ("", "type")


PERSONAL_MUTATIONS = [
    (setter("/consumer/phone", "138-0000-0000x"), "/consumer/phone", "pattern"),
    (deleter("/narrative"), "/narrative", "required"),
    (setter("/consumer/id_number", "12345"), "/consumer/id_number", "pattern"),
    (setter("/consumer/email", "a@example.org"), "/consumer/email", "additionalProperties"),
]


@pytest.mark.parametrize(("mutate", "pointer", "rule"), PERSONAL_MUTATIONS)
def test_invalid_personal_part(
    mutate: Callable[[dict[str, Any]], None], pointer: str, rule: str
) -> None:
    document = load(EXAMPLES / "personal.json")
    mutate(document)
    with pytest.raises(RecordInvalid) as caught:
        validate_personal(document)
    assert (caught.value.pointer, caught.value.rule) == (pointer, rule)
    assert "13800000000" not in str(caught.value)  # no personal data in the error


def test_error_message_never_repeats_the_personal_value() -> None:
    document = load(EXAMPLES / "personal.json")
    document["consumer"]["name"] = ["张示例", "x"]
    with pytest.raises(RecordInvalid) as caught:
        validate_personal(document)
    assert "张示例" not in str(caught.value)


CHINA = dt.timezone(dt.timedelta(hours=8))
XIHU = Actor("bureau.zj.hz.xihu", Role.BUREAU, regions=("330106",))
TAOBAO = Actor("taobao", Role.PLATFORM, platform="taobao")


def test_snapshot_of_example_chain_validates() -> None:
    chain = [
        (XIHU, "complaint.filed"),
        (XIHU, "complaint.accepted"),
        (XIHU, "complaint.routed"),
        (TAOBAO, "complaint.acknowledged"),
        (TAOBAO, "complaint.offer_made"),
    ]
    case = None
    accepted_at = dt.datetime(2026, 11, 12, 9, 30, 1, tzinfo=CHINA)
    for version, (actor, event_type) in enumerate(chain, start=1):
        document = example(event_type) | {"version": version}
        validate_event(document)
        case = decide(case, document, actor, accepted_at, WorkingCalendar()).new_case
        snapshot = case.to_json()
        validate_snapshot(snapshot)
    assert case is not None
    assert snapshot["status"] == "negotiating"
    assert snapshot["deadlines"] == [
        # routed 2026-11-13 (Fri): ten working days, the 27th (the deadline.breached example)
        {
            "name": "odr_negotiation",
            "due_on": "2026-11-27",
            "provisional": False,
            "breached": False,
        },
        # accepted 2026-11-13: Order 121's 60 days run from acceptance, to Tue 2027-01-12, in a
        # year no table knows yet
        {"name": "mediation_limit", "due_on": "2027-01-12", "provisional": True, "breached": False},
    ]


def test_snapshot_uscc_checksum() -> None:
    case = decide(
        None,
        example("complaint.filed"),
        XIHU,
        dt.datetime(2026, 11, 12, tzinfo=CHINA),
        WorkingCalendar(),
    ).new_case
    snapshot = case.to_json()
    validate_snapshot(snapshot)
    snapshot["respondent"]["merchant"]["uscc"] = "91330106MA2CFT7E8E"
    with pytest.raises(RecordInvalid) as caught:
        validate_snapshot(snapshot)
    assert (caught.value.pointer, caught.value.rule) == (
        "/respondent/merchant/uscc",
        "uscc-checksum",
    )
