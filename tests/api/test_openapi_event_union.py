"""The bodies of POST /v1/events and POST /v1/batches are described as a union of one branch per
event type, told apart by `type`: a request generator can draw valid events from it, and it
accepts exactly what the hub's event schema accepts."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from schemathesis import Case, GenerationMode

from hub.api.openapi import (
    EVENT_SCHEMA,
    EVENT_UNION,
    SCHEMA_COMPONENTS,
    UnexpectedEventSchema,
    api_description,
    event_union,
)
from hub.problems import InvalidRecord
from hub.records.validate import MAX_STORED_VERSION, RecordInvalid, schema_path, validate_event
from hub.services.intake import build_pending

DOCUMENT_URI = "urn:complaint-hub:openapi"
SCHEMAS = schema_path()
EXAMPLES = sorted(p for p in (SCHEMAS / "examples").glob("*.json") if p.name != "personal.json")
EVENT = json.loads((SCHEMAS / EVENT_SCHEMA).read_text())
TYPES: list[str] = EVENT["properties"]["type"]["enum"]
# The checks of a record the schema cannot express, each named in words by the document (the
# union's description and the 422 of POST /v1/events): a number with a fraction, even `1.0`
# (`signable-json`), U+0000 in a string (`no-nul`), and the content checks of `data`.
STATED_IN_WORDS = frozenset(
    {"signable-json", "no-nul", "uscc-checksum", "personal-data", "hub-event-id"}
)


def _document() -> Mapping[str, Any]:
    return api_description().document


def _validator(component: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, DRAFT202012.create_resource(dict(_document()))
    )
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}{SCHEMA_COMPONENTS}{component}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _request_schema(path: str) -> Mapping[str, Any]:
    body = _document()["paths"][path]["post"]["requestBody"]
    schema: Mapping[str, Any] = body["content"]["application/json"]["schema"]
    return schema


def _hub_accepts(event: Any) -> bool:
    try:
        validate_event(event)
    except RecordInvalid:
        return False
    return True


def _hub_refusal(event: Any) -> InvalidRecord | None:
    """What the hub answers an event with before any case is looked at, None when it takes it."""
    try:
        build_pending(event, "bureau.hz", None)
    except InvalidRecord as refusal:
        return refusal
    return None


# -- the shape ----------------------------------------------------------------------------------


def test_both_bodies_name_the_event_union() -> None:
    union = {"$ref": SCHEMA_COMPONENTS + EVENT_UNION}
    assert _request_schema("/v1/events") == union
    assert _request_schema("/v1/batches")["properties"]["events"]["items"] == union


def test_the_union_is_discriminated_by_type_with_one_branch_per_event_type() -> None:
    components = _document()["components"]["schemas"]
    union = components[EVENT_UNION]
    assert union["discriminator"]["propertyName"] == "type"
    mapping = union["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(TYPES)
    assert [branch["$ref"] for branch in union["oneOf"]] == list(mapping.values())
    for event_type, ref in mapping.items():
        branch = components[ref.removeprefix(SCHEMA_COMPONENTS)]
        assert branch["properties"]["type"] == {"const": event_type}
        # the branch's data is the schema of that type's data, bundled from schemas/
        data = {"$ref": f"{SCHEMA_COMPONENTS}event-data-v1.json/$defs/{event_type}"}
        assert branch["properties"]["data"] == data
        assert set(branch["required"]) == set(EVENT["required"])
        assert branch["additionalProperties"] is False


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("allOf"),
        lambda e: e["allOf"].pop(),
        lambda e: e["allOf"][0]["then"]["properties"].update(version={"const": 1}),
        lambda e: e["allOf"][0].update({"else": {}}),
    ],
    ids=["no-rules", "a-type-without-a-rule", "a-rule-on-another-member", "a-rule-with-more"],
)
def test_an_event_schema_of_another_shape_stops_loading(mutate: Any) -> None:
    event = copy.deepcopy(EVENT)
    mutate(event)
    with pytest.raises(UnexpectedEventSchema):
        event_union(event)


# -- the union decides as the hub's validator -----------------------------------------------------


def _variants(event: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    yield "as-is", event
    other = "case.note_added" if event["type"] != "case.note_added" else "complaint.accepted"
    yield "another-type's-data", {**event, "type": other}
    yield "unknown-type", {**event, "type": "complaint.unknown"}
    yield "no-type", {k: v for k, v in event.items() if k != "type"}
    yield "no-data", {k: v for k, v in event.items() if k != "data"}
    yield "extra-member", {**event, "actor": "bureau.hz"}
    yield "extra-data-member", {**event, "data": {**event["data"], "unexpected": 1}}
    yield "data-not-an-object", {**event, "data": []}
    yield "version-zero", {**event, "version": 0}
    yield "version-stored-at-most", {**event, "version": MAX_STORED_VERSION}
    yield "version-beyond-storage", {**event, "version": MAX_STORED_VERSION + 1}
    yield "not-an-object", [event]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_union_accepts_exactly_what_the_hubs_validator_accepts(path: Any) -> None:
    union = _validator(EVENT_UNION)
    example = json.loads(path.read_text())
    assert _hub_accepts(example), path.name
    for name, variant in _variants(example):
        assert union.is_valid(variant) == _hub_accepts(variant), (path.name, name)


# -- a generator draws valid bodies from the served document --------------------------------------


def _drawn(path: str, count: int) -> list[Any]:
    operation = schemathesis.openapi.from_dict(dict(_document()))[path]["POST"]
    bodies: list[Any] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def draw(case: Case[Any]) -> None:
        bodies.append(case.body)

    draw()
    return bodies


def _check_drawn(event: Any) -> bool:
    """True when the hub takes a drawn event; fails when it refuses one by a rule the document
    does not state."""
    refusal = _hub_refusal(event)
    if refusal is None:
        return True
    rule = refusal.extensions.get("rule")
    assert rule in STATED_IN_WORDS, (rule, refusal.extensions.get("pointer"), event)
    return False


def test_a_generator_draws_events_the_hub_takes_of_every_type() -> None:
    bodies = _drawn("/v1/events", 300)
    assert len(bodies) == 300
    taken = [body for body in bodies if _check_drawn(body)]
    assert len(taken) >= len(bodies) // 3
    assert len({body["type"] for body in taken}) >= 20


def test_a_generator_draws_batches_of_events_the_hub_takes() -> None:
    bodies = _drawn("/v1/batches", 40)
    assert len(bodies) == 40
    taken = 0
    for body in bodies:
        assert set(body) == {"events"}
        assert 1 <= len(body["events"]) <= 1000
        taken += sum(_check_drawn(event) for event in body["events"])
    assert taken >= len(bodies)
