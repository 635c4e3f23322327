"""The compiled event validator (the hot path) and the reference `jsonschema` agree on every
corpus case: each schema example, each invalid mutation of the schema tests, each canonical event
of the adapter fixtures, and format edge cases (impossible dates, offsets, UUIDs)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.records.validate import compiled_event_valid, reference_event_valid
from tests.records.test_schemas import ALL_TYPES, MUTATIONS, example

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"


def _adapter_events() -> Iterator[tuple[str, Any]]:
    """Each adapter's events as it maps them (no version yet), and as the hub would take them."""
    for path in sorted(ADAPTERS.glob("*/fixtures/**/event.json")):
        yield str(path.relative_to(ADAPTERS)), json.loads(path.read_text(encoding="utf-8"))
    for path in sorted(ADAPTERS.glob("*/fixtures/**/canonical.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for index, event in enumerate(document.get("events") or []):
            name = f"{path.relative_to(ADAPTERS)}#{index}"
            yield name, event
            yield f"{name}-numbered", {**event, "version": 1}


def _format_cases() -> Iterator[tuple[str, Any]]:
    moments = [
        "2026-11-11T10:00:00+08:00",
        "2026-11-11T10:00:00Z",
        "2026-11-11T10:00:00.123456+08:00",
        "2026-02-30T10:00:00+08:00",
        "2026-13-01T10:00:00+08:00",
        "2026-11-11T24:00:00+08:00",
        "2026-11-11T23:59:60+08:00",
        "2026-11-11t10:00:00+08:00",
        "2026-11-11T10:00:00",
        "2026-11-11T10:00:00+24:00",
    ]
    for moment in moments:
        document = example("complaint.filed")
        document["occurred_at"] = moment
        yield f"occurred_at={moment}", document
    for event_id in [
        "0b8f8b2e-2d8e-4f3c-9c1a-3f1d2e4a5b6c",
        "0B8F8B2E-2D8E-4F3C-9C1A-3F1D2E4A5B6C",
        "0b8f8b2e2d8e4f3c9c1a3f1d2e4a5b6c",
        "{0b8f8b2e-2d8e-4f3c-9c1a-3f1d2e4a5b6c}",
        "not-a-uuid",
    ]:
        document = example("complaint.filed")
        document["event_id"] = event_id
        yield f"event_id={event_id}", document
    for due_on in ["2026-02-29", "2028-02-29", "2026-11-31", "2026-1-01"]:
        document = example("deadline.breached")
        document["data"]["due_on"] = due_on
        yield f"due_on={due_on}", document
    for value in [1.0, 2.5, True, None, "1", [], {}]:
        document = example("complaint.filed")
        document["version"] = value
        yield f"version={value!r}", document
    for value in [[], "event", 1, None, {}]:
        yield f"document={value!r}", value


def _corpus() -> Iterator[Any]:
    for event_type in ALL_TYPES:
        yield pytest.param(example(event_type), id=f"example-{event_type}")
    for number, (event_type, mutate, pointer, _) in enumerate(MUTATIONS):
        document = copy.deepcopy(example(event_type))
        mutate(document)
        yield pytest.param(document, id=f"mutation-{number}-{event_type}{pointer}")
    for name, document in (*_adapter_events(), *_format_cases()):
        yield pytest.param(document, id=name)


CORPUS = list(_corpus())


def test_the_corpus_holds_valid_and_invalid_cases() -> None:
    verdicts = [reference_event_valid(case.values[0]) for case in CORPUS]
    assert sum(verdicts) > 50
    assert len(verdicts) - sum(verdicts) > 30


@pytest.mark.parametrize("document", CORPUS)
def test_compiled_and_reference_validators_agree(document: Any) -> None:
    assert compiled_event_valid(document) == reference_event_valid(document)
