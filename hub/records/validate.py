"""Validation of canonical records against schemas/, loaded once.

Every schema in schemas/ is registered under its `$id`, so documents refer to each other by
relative `$ref` exactly as a client that fetches them from /schemas/... would resolve them. After
the schema, checks the schema language cannot express run in Python (the USCC check character).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

import jsonschema.exceptions
import jsonschema.validators
import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.protocols import Validator
from referencing import Registry, Resource

from hub.domain import uscc
from hub.domain.personal_data import find_personal_data
from hub.records._inline import inline_refs

SCHEMA_BASE = "https://complaint-hub.org/schemas/"
EVENT_SCHEMA = SCHEMA_BASE + "event-v1.json"
PERSONAL_SCHEMA = SCHEMA_BASE + "personal-v1.json"
SNAPSHOT_SCHEMA = SCHEMA_BASE + "complaint-v1.json"
EVENT_DATA_SCHEMA = SCHEMA_BASE + "event-data-v1.json"


class RecordInvalid(ValueError):
    """A record that fails its schema: where (JSON pointer), which rule (keyword), and why."""

    code = "record_invalid"
    status = 422

    def __init__(self, pointer: str, rule: str, message: str) -> None:
        super().__init__(f"{pointer or '/'}: {rule}: {message}")
        self.pointer = pointer
        self.rule = rule
        self.message = message


SCHEMA_PACKAGE = "hub.schemas"


class SchemasUnavailable(RuntimeError):
    """The schemas are not installed with the hub: a broken install, refused at readiness."""


def schema_path() -> Path:
    """The repository's schemas/ directory, installed as the package data `hub.schemas`."""
    try:
        root = resources.files(SCHEMA_PACKAGE)
    except ModuleNotFoundError as err:
        raise SchemasUnavailable(f"the package data {SCHEMA_PACKAGE} is not installed") from err
    # pip unpacks wheels, so the data is a directory on disk; it is served by path.
    if not isinstance(root, Path) or not root.is_dir():
        raise SchemasUnavailable(f"the package data {SCHEMA_PACKAGE} is not a directory: {root}")
    return root


def _is_integer(checker: Any, instance: object) -> bool:
    # JSON Schema counts 1.0 as an integer; signed JSON must never carry a float, so neither do we.
    return isinstance(instance, int) and not isinstance(instance, bool)


# jsonschema's `extend` is untyped; what it returns is a validator class like the one extended.
_CanonicalValidator: type[Validator] = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)

_FORMATS = FormatChecker()


@_FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(instance: object) -> bool:
    # The schema's pattern already demands RFC 3339 with an offset; this catches impossible values
    # (month 13, 25 o'clock) without the optional rfc3339-validator dependency.
    if not isinstance(instance, str):
        return True
    return dt.datetime.fromisoformat(instance.replace("Z", "+00:00")).tzinfo is not None


def _is_datetime_compiled(instance: str) -> bool:
    try:
        return dt.datetime.fromisoformat(instance.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class _Schemas:
    registry: Registry[Any]
    event: Validator
    personal: Validator
    snapshot: Validator
    # The event schema compiled (jsonschema-rs) for the hot path, with the reference's own
    # date-time rule; `jsonschema` stays the reference. A record it refuses is re-checked by the
    # reference, whose errors are the ones reported (tests/records/test_compiled_validator.py
    # shows both agree on every corpus case).
    event_compiled: jsonschema_rs.Validator
    # Per event type, where its free text is (a merchant's or a product's name): paths into
    # `data`, "*" standing for every item of an array.
    free_text: Mapping[str, tuple[tuple[str, ...], ...]]


@functools.cache
def _schemas() -> _Schemas:
    resources = []
    documents = []
    for path in sorted(schema_path().glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        resources.append((document["$id"], Resource.from_contents(document)))
        documents.append((document["$id"], document))
    registry: Registry[Any] = Registry().with_resources(resources)

    def validator(uri: str) -> Validator:
        schema = registry.contents(uri)
        return _CanonicalValidator(schema, registry=registry, format_checker=_FORMATS)

    data_schemas = registry.contents(EVENT_DATA_SCHEMA)["$defs"]
    event_types = registry.contents(EVENT_SCHEMA)["properties"]["type"]["enum"]
    return _Schemas(
        registry=registry,
        event=validator(EVENT_SCHEMA),
        personal=validator(PERSONAL_SCHEMA),
        snapshot=validator(SNAPSHOT_SCHEMA),
        event_compiled=jsonschema_rs.validator_for(
            registry.contents(EVENT_SCHEMA),
            registry=jsonschema_rs.Registry(documents),
            validate_formats=True,
            formats={"date-time": _is_datetime_compiled},
        ),
        free_text={
            event_type: tuple(
                sorted(
                    _free_text_paths(
                        inline_refs(data_schemas[event_type], EVENT_DATA_SCHEMA, registry), ()
                    )
                )
            )
            for event_type in event_types
        },
    )


def _free_text_paths(schema: object, path: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Paths of the strings a schema leaves free: no pattern, enum, format or const."""
    found: set[tuple[str, ...]] = set()
    if not isinstance(schema, Mapping):
        return found
    types = schema.get("type")
    if (types == "string" or (isinstance(types, list) and "string" in types)) and not any(
        key in schema for key in ("pattern", "enum", "format", "const")
    ):
        found.add(path)
    for name, sub in schema.get("properties", {}).items():
        found |= _free_text_paths(sub, (*path, name))
    if "items" in schema:
        found |= _free_text_paths(schema["items"], (*path, "*"))
    for keyword in ("oneOf", "anyOf", "allOf", "if", "then", "else"):
        subs = schema.get(keyword)
        for sub in subs if isinstance(subs, list) else [subs]:
            found |= _free_text_paths(sub, path)
    return found


def registry() -> Registry[Any]:
    """All schemas of schemas/ by `$id` (for serving them and for other validators)."""
    return _schemas().registry


def validate_event(doc: object) -> None:
    """Raise RecordInvalid for the best error of a canonical event, else return None."""
    schemas = _schemas()
    # The compiled validator counts 1.0 as an integer, as JSON Schema does; a document with a
    # float (never signable anyway) is left to the reference, which does not.
    if isinstance(doc, dict) and compiled_event_valid(doc):
        _check_usccs(doc)
        check_storable(doc)
        _check_personal_data(doc, schemas.free_text[str(doc["type"])])
        return
    validate_event_reference(doc)


def compiled_event_valid(doc: object) -> bool:
    """The compiled validator's verdict on the event schema (no checks beyond the schema)."""
    return not _holds_float(doc) and _schemas().event_compiled.is_valid(doc)


def reference_event_valid(doc: object) -> bool:
    """The reference validator's verdict on the event schema (no checks beyond the schema)."""
    return bool(_schemas().event.is_valid(cast(Any, doc)))


def validate_event_reference(doc: object) -> None:
    """validate_event with the reference `jsonschema` alone (the benchmark's baseline)."""
    schemas = _schemas()
    _validate(schemas.event, doc)
    check_storable(doc)
    if isinstance(doc, dict):
        _check_personal_data(doc, schemas.free_text.get(str(doc["type"]), ()))


def _holds_float(node: object) -> bool:
    pending = [node]
    while pending:
        value = pending.pop()
        if isinstance(value, float):
            return True
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def validate_personal(doc: object) -> None:
    _validate(_schemas().personal, doc)


def validate_snapshot(doc: object) -> None:
    _validate(_schemas().snapshot, doc)


def _validate(validator: Validator, doc: object) -> None:
    error = jsonschema.exceptions.best_match(validator.iter_errors(cast(Any, doc)))
    if error is not None:
        raise RecordInvalid(_pointer(error), str(error.validator), _message(error))
    _check_usccs(doc)


def _check_usccs(doc: object) -> None:
    # Every event carries codes and nearly all are valid: a walk without pointers first, and the
    # walk that names the member only once a code has failed.
    if all(_valid_uscc(code) for code in _uscc_values(doc)):
        return
    for pointer, code in _usccs(doc, ""):
        if not _valid_uscc(code):
            raise RecordInvalid(pointer, "uscc-checksum", f"{code!r} fails its check character")


@functools.lru_cache(maxsize=4096)
def _valid_uscc(code: str) -> bool:
    # The same few merchants' and platforms' codes recur in event after event.
    return uscc.is_valid(code)


def _uscc_values(node: object) -> Iterator[str]:
    if type(node) is dict:
        for key, value in node.items():
            if key == "uscc" and type(value) is str:
                yield value
            elif type(value) is dict or type(value) is list:
                yield from _uscc_values(value)
    elif type(node) is list:
        for value in node:
            if type(value) is dict or type(value) is list:
                yield from _uscc_values(value)
    elif isinstance(node, Mapping | list):
        yield from (code for _, code in _usccs(node, ""))


def _check_personal_data(doc: Mapping[str, Any], paths: tuple[tuple[str, ...], ...]) -> None:
    """Refuse a consumer's contact details or ID number in a public free-text field, naming the
    field and never repeating the value."""
    for path in paths:
        for pointer, text in _strings_at(doc.get("data"), path, "/data"):
            kind = find_personal_data(text)
            if kind is not None:
                raise RecordInvalid(
                    pointer,
                    "personal-data",
                    f"holds what looks like {kind.value}; every reader sees an event, so a "
                    "consumer's personal data goes in the complaint's personal part "
                    "(PUT /v1/complaints/{id}/personal)",
                )


def _strings_at(node: object, path: tuple[str, ...], pointer: str) -> Iterator[tuple[str, str]]:
    if not path:
        if isinstance(node, str):
            yield pointer, node
        return
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(node, list):
        for index, item in enumerate(node):
            yield from _strings_at(item, rest, f"{pointer}/{index}")
    elif isinstance(node, Mapping) and head in node:
        yield from _strings_at(node[head], rest, f"{pointer}/{head}")


# The largest value of a PostgreSQL `integer` column: an event's version is stored as one.
MAX_STORED_VERSION = 2**31 - 1


def check_storable(doc: object) -> None:
    """Raise RecordInvalid for a value PostgreSQL cannot store: U+0000 in any string or member
    name (text and jsonb refuse it), or a version beyond the `integer` column that holds it.

    Decided per item before the group transaction, so one such record never fails the others."""
    if isinstance(doc, Mapping):
        version = doc.get("version")
        if isinstance(version, int) and version > MAX_STORED_VERSION:
            raise RecordInvalid("/version", "maximum", f"fails maximum {MAX_STORED_VERSION}")
    pointer = _nul_at(doc, "")
    if pointer is not None:
        raise RecordInvalid(pointer, "no-nul", "a string holds U+0000, which cannot be stored")


def _nul_at(node: object, pointer: str) -> str | None:
    if isinstance(node, str):
        return pointer if "\x00" in node else None
    if isinstance(node, Mapping):
        for key, value in node.items():
            child = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if "\x00" in str(key):
                # The member name itself is not repeated: the pointer names its object.
                return pointer
            found = _nul_at(value, child)
            if found is not None:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _nul_at(value, f"{pointer}/{index}")
            if found is not None:
                return found
    return None


# A member name is repeated in a problem only when it reads like a field name; one named like a
# phone number, an e-mail address or an ID number, or in words, may be personal data.
_PLAIN_MEMBER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
UNKNOWN_MEMBER = "an unknown member"


def member_shown(name: str) -> str:
    """`name` quoted, when it is safe to repeat; otherwise "an unknown member"."""
    return repr(name) if _PLAIN_MEMBER_NAME.fullmatch(name) else UNKNOWN_MEMBER


def _pointer(error: jsonschema.exceptions.ValidationError) -> str:
    parts = [str(part) for part in error.absolute_path]
    # Name the offending member itself, not the object that lacks or carries it.
    instance = error.instance
    required = error.validator_value
    if error.validator == "required" and isinstance(instance, Mapping):
        names = required if isinstance(required, list) else []
        missing = [name for name in names if name not in instance]
        parts.extend(missing[:1])
    elif (
        error.validator == "additionalProperties"
        and isinstance(instance, Mapping)
        and isinstance(error.schema, Mapping)
    ):
        known = set(error.schema.get("properties", {}))
        extra = sorted(name for name in instance if name not in known)
        # A name that may be personal data is not repeated: the pointer names its object.
        parts.extend(name for name in extra[:1] if member_shown(name) != UNKNOWN_MEMBER)
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _message(error: jsonschema.exceptions.ValidationError) -> str:
    # jsonschema repeats the whole offending instance in its message; for a big object that is noise
    # and for the personal part it would copy personal data into logs. Keep messages short.
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = (
            set(error.schema.get("properties", {})) if isinstance(error.schema, Mapping) else set()
        )
        extra = sorted(str(name) for name in error.instance if name not in known)
        shown = [member_shown(name) for name in extra[:5]]
        return "unknown members are not allowed: " + ", ".join(dict.fromkeys(shown))
    if error.validator == "required":
        return error.message[:200]  # names the schema's own members, never the sender's
    return f"fails {error.validator} {json.dumps(error.validator_value, ensure_ascii=False)[:120]}"


def _usccs(node: object, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            child = f"{pointer}/{key}"
            if key == "uscc" and isinstance(value, str):
                yield child, value
            else:
                yield from _usccs(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _usccs(value, f"{pointer}/{index}")
