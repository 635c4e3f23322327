"""The shared conformance kit: plain checks every adapter passes, run by parametrised pytest.

Fixture layout, per adapter (`fixtures_dir(adapter)`):

    fixtures/<case>/native.json           a native payload
    fixtures/<case>/previous_state.json   optional: the state kept from an earlier record
    fixtures/<case>/filing.json           optional: a FilingContext, telling the adapter to file
    fixtures/<case>/canonical.json        the expected ParseResult.to_dict()
    fixtures/<case>/event.json            optional: a canonical event routed to the platform
    fixtures/<case>/case.json             optional: the case it belongs to (order, native_refs)
    fixtures/<case>/rendered.json         the expected render(event, case)
    fixtures/_malformed/<case>.json       {"expect_field": "/json/pointer", "payload": {...},
                                           "previous_state": optional}

Expected files change only through `python -m adapters.base.conformance --write <code> [case ...]`
followed by a reviewed diff.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.base import canonical
from adapters.base.contract import Adapter, FilingContext, ParseResult
from adapters.base.errors import AdapterError

MALFORMED = "_malformed"
DUMMY_COMPLAINT_ID = "conformance-check"


@dataclass(frozen=True)
class Case:
    """One golden fixture directory, read."""

    name: str
    path: Path
    native: Any | None
    previous_state: Mapping[str, Any] | None
    filing: FilingContext | None
    expected: Any | None
    event: Mapping[str, Any] | None
    case: Mapping[str, Any] | None
    rendered: Any | None


def load_json(path: Path) -> Any:
    """Read JSON exactly: `json` keeps big integers as int, and floats are refused by the checks."""
    return json.loads(path.read_text(encoding="utf-8"))


def fixtures_dir(adapter: Adapter) -> Path:
    """Where an adapter's fixtures live: its own `fixtures_dir`, else beside its native schema."""
    own = getattr(adapter, "fixtures_dir", None)
    return Path(own) if own is not None else adapter.info.native_schema.parent / "fixtures"


def case_names(adapter: Adapter) -> list[str]:
    """The golden fixture cases of an adapter, sorted."""
    root = fixtures_dir(adapter)
    if not root.is_dir():
        return []
    # Folders starting with "_" hold other material (malformed inputs, whole pull pages).
    return sorted(
        path.name for path in root.iterdir() if path.is_dir() and not path.name.startswith("_")
    )


def malformed_names(adapter: Adapter) -> list[str]:
    """The malformed-input cases of an adapter, sorted."""
    root = fixtures_dir(adapter) / MALFORMED
    return sorted(path.stem for path in root.glob("*.json")) if root.is_dir() else []


def load_case(adapter: Adapter, name: str) -> Case:
    """Read one fixture directory."""
    path = fixtures_dir(adapter) / name

    def optional(file_name: str) -> Any | None:
        file = path / file_name
        return load_json(file) if file.exists() else None

    filing = optional("filing.json")
    return Case(
        name=name,
        path=path,
        native=optional("native.json"),
        previous_state=optional("previous_state.json"),
        filing=FilingContext(**filing) if filing is not None else None,
        expected=optional("canonical.json"),
        event=optional("event.json"),
        case=optional("case.json"),
        rendered=optional("rendered.json"),
    )


def parse_case(adapter: Adapter, case: Case) -> ParseResult:
    """Parse a fixture's native payload the way the hub would."""
    assert case.native is not None, f"{case.name}: no native.json"
    return adapter.parse(case.native, case.previous_state, filing=case.filing)


def check_info(adapter: Adapter) -> None:
    """The metadata is complete and the native schema is a valid JSON Schema."""
    from jsonschema.validators import validator_for

    info = adapter.info
    assert info.code.isidentifier(), info.code
    assert info.directions, "an adapter parses, renders or both"
    assert info.directions <= {"parse", "render"}, info.directions
    assert info.modes, "an adapter is pushed to, polled or both"
    assert info.modes <= {"push", "pull"}, info.modes
    assert info.money_unit in ("yuan", "fen"), info.money_unit
    assert info.time_zone == "Asia/Shanghai", info.time_zone
    schema = load_json(info.native_schema)
    validator_for(schema).check_schema(schema)
    if "pull" in info.modes:
        assert callable(getattr(adapter, "pull_request", None)), "pull mode needs pull_request"
        assert callable(getattr(adapter, "parse_pull_page", None)), (
            "pull mode needs parse_pull_page"
        )


def check_native_schema(adapter: Adapter, case: Case) -> None:
    """A golden native payload is valid against the adapter's published native schema."""
    from jsonschema.validators import validator_for

    if case.native is None:
        return
    schema = load_json(adapter.info.native_schema)
    validator_for(schema)(schema).validate(case.native)


def check_round_trip(adapter: Adapter, case: Case) -> None:
    """native -> parse equals canonical.json; event -> render equals rendered.json."""
    if case.native is not None:
        assert case.expected is not None, f"{case.name}: native.json without canonical.json"
        assert parse_case(adapter, case).to_dict() == case.expected
    if case.event is not None:
        assert case.rendered is not None, f"{case.name}: event.json without rendered.json"
        assert adapter.render(case.event, case.case) == case.rendered


def check_no_floats(adapter: Adapter, case: Case) -> None:
    """No float, and no integer beyond 2^53-1, anywhere in what the adapter produces."""
    if case.native is not None:
        canonical.check_json_numbers(parse_case(adapter, case).to_dict(), "")
    if case.event is not None:
        canonical.check_json_numbers(adapter.render(case.event, case.case), "")


def check_deterministic(adapter: Adapter, case: Case) -> None:
    """Parsing (and rendering) twice gives the same result, event ids included."""
    if case.native is not None:
        assert parse_case(adapter, case).to_dict() == parse_case(adapter, case).to_dict()
    if case.event is not None:
        assert adapter.render(case.event, case.case) == adapter.render(case.event, case.case)


def check_reparse_is_quiet(adapter: Adapter, case: Case) -> None:
    """A re-push of a record, with the state its first parse produced, implies nothing new."""
    if case.native is None:
        return
    first = parse_case(adapter, case)
    state = json.loads(json.dumps(first.state))  # the hub keeps state as JSON
    assert state == first.to_dict()["state"], "state must survive a JSON round trip unchanged"
    again = adapter.parse(case.native, state, filing=None)
    assert list(again.events) == [], [event.type for event in again.events]
    assert again.to_dict()["state"] == first.to_dict()["state"]


def check_event_shapes(adapter: Adapter, case: Case) -> None:
    """Each event has its type's envelope and `data` keys, and passes the hub's validator."""
    if case.native is None:
        return
    validate = hub_validator()
    for event in parse_case(adapter, case).to_dict()["events"]:
        assert event["version"] is None, "the hub assigns versions"
        canonical.check_event(event)
        validate(as_hub_would_store(event))


def as_hub_would_store(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event with the version and complaint id the hub fills in, for the hub's own validator."""
    return {**event, "version": 1, "complaint_id": event["complaint_id"] or DUMMY_COMPLAINT_ID}


def check_malformed(adapter: Adapter, name: str) -> None:
    """A malformed payload raises AdapterError naming the offending field."""
    spec = load_json(fixtures_dir(adapter) / MALFORMED / f"{name}.json")
    try:
        adapter.parse(spec["payload"], spec.get("previous_state"))
    except AdapterError as err:
        refused: AdapterError = err
    else:
        raise AssertionError(f"{name}: accepted a malformed payload")
    assert refused.field == spec["expect_field"], f"named {refused.field!r}: {refused.message}"


CaseCheck = Callable[[Adapter, Case], None]

CASE_CHECKS: tuple[CaseCheck, ...] = (
    check_native_schema,
    check_round_trip,
    check_no_floats,
    check_deterministic,
    check_reparse_is_quiet,
    check_event_shapes,
)


def hub_validator() -> Callable[[Mapping[str, Any]], Any]:
    """The hub's envelope validator: what the hub will check every adapter's events against."""
    from hub.records.validate import validate_event

    return validate_event


def write_expected(adapter: Adapter, names: list[str] | None = None) -> Iterator[Path]:
    """Rewrite canonical.json and rendered.json from current output; review the diff."""
    for name in names or case_names(adapter):
        case = load_case(adapter, name)
        if case.native is not None:
            yield _write(case.path / "canonical.json", parse_case(adapter, case).to_dict())
        if case.event is not None:
            yield _write(case.path / "rendered.json", adapter.render(case.event, case.case))


def _write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    """Regenerate expected fixture files for one built-in adapter."""
    from adapters.base.registry import load_adapters

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--write", metavar="CODE", required=True, help="platform code")
    parser.add_argument("cases", nargs="*", help="fixture cases (default: all)")
    args = parser.parse_args(argv)
    for path in write_expected(load_adapters()[args.write], args.cases or None):
        print(path)


if __name__ == "__main__":
    main()
