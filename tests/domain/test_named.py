"""Whom an event names: every participant-id field of the schemas has a rule, and each rule
refuses an unknown id, a disabled one, the wrong role and another region's bureau."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from hub.domain.errors import InvalidData
from hub.domain.named import (
    NAMED_BY_THE_HUB,
    NAMED_FIELDS,
    Registered,
    UnknownBureau,
    UnknownParticipant,
    WrongParticipant,
    check_named,
    named_ids,
)
from hub.domain.roles import Actor, Role

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
PARTICIPANT_REF = "common-v1.json#/$defs/participant_id"


def _participant_fields(node: Any, path: tuple[str, ...] = ()) -> set[tuple[str, str]]:
    """(event type, field) for every property of event-data-v1.json typed as a participant id."""
    found: set[tuple[str, str]] = set()
    if isinstance(node, dict):
        if node.get("$ref") == PARTICIPANT_REF and len(path) >= 4 and path[0] == "$defs":
            found.add((path[1], path[3]))
        for key, value in node.items():
            found |= _participant_fields(value, (*path, key))
    elif isinstance(node, list):
        for value in node:
            found |= _participant_fields(value, path)
    return found


def test_every_participant_field_of_the_schemas_has_a_rule() -> None:
    schema = json.loads((SCHEMAS / "event-data-v1.json").read_text(encoding="utf-8"))
    in_schemas = _participant_fields(schema)
    covered = {(t, f) for t, fields in NAMED_FIELDS.items() for f in fields}
    covered |= {(t, f) for t, fields in NAMED_BY_THE_HUB.items() for f in fields}
    assert in_schemas, "the walk found no participant field: the schema layout changed"
    assert sorted(in_schemas - covered) == [], "a participant field no rule checks"
    assert sorted(covered - in_schemas) == [], "a rule for a field the schemas do not have"


def test_the_walk_notices_a_new_field() -> None:
    schema = json.loads((SCHEMAS / "event-data-v1.json").read_text(encoding="utf-8"))
    schema["$defs"]["complaint.accepted"]["properties"]["co_handler"] = {"$ref": PARTICIPANT_REF}
    assert ("complaint.accepted", "co_handler") in _participant_fields(schema)


@dataclasses.dataclass(frozen=True)
class Case:
    filer: str = "bureau.xh"
    region: str = "330106"
    respondent_platform: str | None = "taobao"
    handling_bureau: str | None = "bureau.xh"
    former_bureaus: tuple[str, ...] = ()
    mediator: str | None = None
    court: str | None = None
    odr: bool = False


REGISTRY = {
    p.participant_id: p
    for p in (
        Registered("bureau.zj", Role.BUREAU, ("330000",), True),
        Registered("bureau.hz", Role.BUREAU, ("330100",), True),
        Registered("bureau.xh", Role.BUREAU, ("330106",), True),
        Registered("bureau.sc", Role.BUREAU, ("330108",), True),
        Registered("bureau.nb", Role.BUREAU, ("330200",), True),
        Registered("bureau.gone", Role.BUREAU, ("330106",), False),
        Registered("jd", Role.PLATFORM, (), True),
        Registered("association.hz", Role.ASSOCIATION, ("330100",), True),
        Registered("association.nb", Role.ASSOCIATION, ("330200",), True),
        Registered("court.hz", Role.COURT, (), True),
        Registered("enforcement.xh", Role.ENFORCEMENT, ("330106",), True),
        Registered("enforcement.nb", Role.ENFORCEMENT, ("330200",), True),
    )
}
XIHU = Actor("bureau.xh", Role.BUREAU, regions=("330106",))
HANGZHOU = Actor("bureau.hz", Role.BUREAU, regions=("330100",))


def _check(event_type: str, actor: Actor, **data: str) -> None:
    check_named(event_type, data, actor, Case(), REGISTRY)


@pytest.mark.parametrize(
    ("event_type", "actor", "field", "value"),
    [
        ("complaint.accepted", XIHU, "handling_bureau", "bureau.xh"),  # itself
        ("complaint.accepted", HANGZHOU, "handling_bureau", "bureau.xh"),  # one of its districts
        ("mediation.started", XIHU, "mediator", "bureau.xh"),
        ("mediation.started", XIHU, "mediator", "association.hz"),
        ("case.referred", XIHU, "court", "court.hz"),
        ("case.transferred", XIHU, "to_bureau", "bureau.nb"),  # a transfer goes where competent
        ("report.handed_over", XIHU, "enforcement", "enforcement.xh"),
    ],
)
def test_the_right_participant_is_taken(
    event_type: str, actor: Actor, field: str, value: str
) -> None:
    _check(event_type, actor, **{field: value})
    assert named_ids(event_type, {field: value}) == (value,)


@pytest.mark.parametrize(
    ("event_type", "actor", "field", "value", "refusal"),
    [
        # another region's bureau, sideways and upward
        ("complaint.accepted", XIHU, "handling_bureau", "bureau.nb", WrongParticipant),
        ("complaint.accepted", XIHU, "handling_bureau", "bureau.sc", WrongParticipant),
        ("complaint.accepted", XIHU, "handling_bureau", "bureau.hz", WrongParticipant),
        ("mediation.started", XIHU, "mediator", "bureau.nb", WrongParticipant),
        ("mediation.started", XIHU, "mediator", "association.nb", WrongParticipant),
        ("report.handed_over", XIHU, "enforcement", "enforcement.nb", WrongParticipant),
        # the wrong role
        ("complaint.accepted", XIHU, "handling_bureau", "jd", WrongParticipant),
        ("mediation.started", XIHU, "mediator", "jd", WrongParticipant),
        ("mediation.started", XIHU, "mediator", "court.hz", WrongParticipant),
        ("case.referred", XIHU, "court", "jd", WrongParticipant),
        ("case.transferred", XIHU, "to_bureau", "jd", UnknownBureau),
        ("report.handed_over", XIHU, "enforcement", "bureau.xh", WrongParticipant),
        # unknown
        ("complaint.accepted", XIHU, "handling_bureau", "no.such.bureau", UnknownParticipant),
        ("mediation.started", XIHU, "mediator", "association.nowhere", UnknownParticipant),
        ("case.referred", XIHU, "court", "court.nowhere", UnknownParticipant),
        ("case.transferred", XIHU, "to_bureau", "no.such.bureau", UnknownBureau),
        ("report.handed_over", XIHU, "enforcement", "nobody", UnknownParticipant),
        # disabled
        ("complaint.accepted", XIHU, "handling_bureau", "bureau.gone", UnknownParticipant),
        ("case.transferred", XIHU, "to_bureau", "bureau.gone", UnknownBureau),
    ],
)
def test_the_wrong_participant_is_refused_naming_the_field(
    event_type: str, actor: Actor, field: str, value: str, refusal: type[InvalidData]
) -> None:
    with pytest.raises(refusal) as caught:
        _check(event_type, actor, **{field: value})
    assert caught.value.message.startswith(f"/data/{field}: {value} ")
    assert caught.value.status == 422


def test_every_rule_is_exercised_with_each_kind_of_wrong_value() -> None:
    # The tables above cover every field with an unknown id and a wrong role; the bureau fields
    # with another region's bureau and a disabled one.
    fields = {f for fields in NAMED_FIELDS.values() for f in fields}
    assert fields == {"handling_bureau", "mediator", "court", "to_bureau", "enforcement"}


# For every field: a right participant of its role, then the same id unknown, disabled, and
# registered under each role the field does not take.
RIGHT = {
    "handling_bureau": Registered("bureau.xh", Role.BUREAU, ("330106",), True),
    "mediator": Registered("association.hz", Role.ASSOCIATION, ("330100",), True),
    "court": Registered("court.hz", Role.COURT, (), True),
    "to_bureau": Registered("bureau.nb", Role.BUREAU, ("330200",), True),
    "enforcement": Registered("enforcement.xh", Role.ENFORCEMENT, ("330106",), True),
}
TAKES = {
    "handling_bureau": {Role.BUREAU},
    "mediator": {Role.BUREAU, Role.ASSOCIATION},
    "court": {Role.COURT},
    "to_bureau": {Role.BUREAU},
    "enforcement": {Role.ENFORCEMENT},
}
MATRIX = [
    (event_type, field, variant)
    for event_type, fields in NAMED_FIELDS.items()
    for field in fields
    for variant in ["unknown", "disabled", *(r.value for r in Role if r not in TAKES[field])]
]


@pytest.mark.parametrize(("event_type", "field", "variant"), MATRIX)
def test_every_field_refuses_an_unknown_a_disabled_and_each_wrong_role(
    event_type: str, field: str, variant: str
) -> None:
    right = RIGHT[field]
    check_named(
        event_type, {field: right.participant_id}, XIHU, Case(), {right.participant_id: right}
    )
    if variant == "unknown":
        registry: dict[str, Registered] = {}
    elif variant == "disabled":
        registry = {right.participant_id: dataclasses.replace(right, enabled=False)}
    else:
        registry = {right.participant_id: dataclasses.replace(right, role=Role(variant))}
    with pytest.raises(InvalidData) as caught:
        check_named(event_type, {field: right.participant_id}, XIHU, Case(), registry)
    assert caught.value.pointer == f"/data/{field}"
    assert isinstance(caught.value, (UnknownParticipant, WrongParticipant))


def test_the_matrix_covers_every_field() -> None:
    assert {field for _, field, _ in MATRIX} == set(RIGHT) == set(TAKES)
