"""GET /openapi.json: the OpenAPI 3.1 description of every route, self-contained.

The operations are maintained by hand in openapi.json beside this (tests/api/test_openapi.py fails
when a route of the app is missing from it or it names one the app lacks); bodies there refer to
the JSON Schemas of schemas/ by their public `$id`. The document served is bundled from both at
load time: every schema of schemas/ becomes `components/schemas/<file name>` and every `$ref` to
one becomes local, so a tool resolves the whole description offline, from this one document, and
schemas/ stays the single source of the records.

The bodies of `POST /v1/events` and `POST /v1/batches` name `#/components/schemas/Event`, which is
built here from the event schema rather than written in openapi.json: a union discriminated by
`type`, one branch per event type (`Event.<type>`), each branch the event's members with `type`
fixed and `data` the schema of that type's data in schemas/. The event schema says the same with
one `if`/`then` per type, which a validator follows but a generator of requests cannot satisfy
(every conditional at once); of a union it picks a branch. Both accept exactly the same events
(tests/api/test_openapi.py holds them together).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urljoin

from aiohttp import web

from hub.http.cacheable import respond_cacheable
from hub.records.validate import MAX_STORED_VERSION, SCHEMA_BASE, schema_path

# Package data of hub.api, read through importlib.resources so an installed wheel finds it.
DOCUMENT = resources.files("hub.api").joinpath("openapi.json")
SCHEMA_COMPONENTS = "#/components/schemas/"
# A bundled schema keeps neither: the document's `jsonSchemaDialect` is its dialect, and an `$id`
# would make the schema a resource of its own, against which local references would resolve.
_UNBUNDLED_KEYWORDS = ("$id", "$schema")
# The component of one canonical event, told apart by its type; its branches are named
# `Event.<type>`.
EVENT_SCHEMA = "event-v1.json"
EVENT_UNION = "Event"
# Changes only with a release; short enough that a deploy shows up within minutes.
CACHE_CONTROL = "public, max-age=300"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class ApiDescription:
    document: Mapping[str, Any]
    body: bytes
    etag: str
    # Component name -> the path at which the hub serves that schema (/schemas/<file name>).
    served_schemas: Mapping[str, str]


class UnbundledReference(ValueError):
    """A `$ref` that names neither a component of the document nor a schema of schemas/."""


def _local_ref(ref: str, base_uri: str, schemas: Mapping[str, object]) -> str:
    if ref.startswith("#/") and not base_uri:
        return ref  # already a pointer into the document itself
    uri = urljoin(base_uri or SCHEMA_BASE, ref)
    if not uri.startswith(SCHEMA_BASE):
        raise UnbundledReference(f"{ref!r} (from {base_uri or 'the document'}) leaves the hub")
    name, _, fragment = uri[len(SCHEMA_BASE) :].partition("#")
    if name not in schemas:
        raise UnbundledReference(f"{ref!r} names {name!r}, which is not in schemas/")
    if fragment and not fragment.startswith("/"):
        raise UnbundledReference(f"{ref!r}: only JSON Pointer fragments can be bundled")
    escaped = name.replace("~", "~0").replace("/", "~1")
    return SCHEMA_COMPONENTS + escaped + fragment


def _rebase(node: Any, base_uri: str, schemas: Mapping[str, object]) -> Any:
    """`node` with every `$ref` made local to the bundled document; `base_uri` is the `$id` of
    the schema it came from, or "" for the hand-written document itself."""
    if isinstance(node, list):
        return [_rebase(item, base_uri, schemas) for item in node]
    if not isinstance(node, Mapping):
        return node
    return {
        key: (
            _local_ref(value, base_uri, schemas)
            if key == "$ref" and isinstance(value, str)
            else _rebase(value, base_uri, schemas)
        )
        for key, value in node.items()
    }


def bundle(source: Mapping[str, Any], schemas: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """`source` with `schemas` (file name -> schema with its `$id`) under `components/schemas`,
    each named by its file name, and every reference to them a local one. Pure."""
    document: dict[str, Any] = _rebase(source, "", schemas)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        if name in components:
            raise UnbundledReference(f"components/schemas/{name} exists in openapi.json too")
        if schema.get("$id") != SCHEMA_BASE + name:
            raise UnbundledReference(f"schemas/{name} has $id {schema.get('$id')!r}")
        own = {key: value for key, value in schema.items() if key not in _UNBUNDLED_KEYWORDS}
        components[name] = _rebase(own, schema["$id"], schemas)
    return document


class UnexpectedEventSchema(ValueError):
    """The event schema no longer has the shape the union is built from: one `if`/`then` per
    type, each fixing `type` and giving the schema of `data`."""


def _branch_data(rule: Mapping[str, Any]) -> tuple[str, str]:
    """(event type, `$ref` of its data's schema) of one `if`/`then` of the event schema."""
    try:
        event_type = rule["if"]["properties"]["type"]["const"]
        data_ref = rule["then"]["properties"]["data"]["$ref"]
    except (KeyError, TypeError) as err:
        raise UnexpectedEventSchema(f"a rule of {EVENT_SCHEMA} is not if type/then data") from err
    if set(rule) != {"if", "then"} or rule["then"] != {"properties": {"data": {"$ref": data_ref}}}:
        raise UnexpectedEventSchema(f"a rule of {EVENT_SCHEMA} says more than if type/then data")
    return str(event_type), str(data_ref)


def event_union(event: Mapping[str, Any]) -> dict[str, Any]:
    """The components `Event` (a `oneOf` with a `discriminator` on `type`) and `Event.<type>`
    for each type of `event`, the event schema with its `$id`. Their references are absolute
    (the schemas' `$id`s), as openapi.json's own are, so bundling makes them local. Pure."""
    base = event["$id"]
    branches: dict[str, Any] = {}
    for rule in event.get("allOf", []):
        event_type, data_ref = _branch_data(rule)
        properties: dict[str, Any] = {}
        for name in event["properties"]:
            if name == "type":
                properties[name] = {"const": event_type}
            elif name == "data":
                properties[name] = {"$ref": urljoin(base, data_ref)}
            elif name == "version":
                # The hub stores a version in a PostgreSQL `integer` and refuses a larger one.
                properties[name] = {
                    "$ref": f"{base}#/properties/{name}",
                    "maximum": MAX_STORED_VERSION,
                }
            else:
                properties[name] = {"$ref": f"{base}#/properties/{name}"}
        branches[f"{EVENT_UNION}.{event_type}"] = {
            "title": f"{event_type} event",
            "type": "object",
            "additionalProperties": event["additionalProperties"],
            "required": list(event["required"]),
            "properties": properties,
        }
    types = [name.removeprefix(EVENT_UNION + ".") for name in branches]
    if sorted(types) != sorted(event["properties"]["type"]["enum"]):
        raise UnexpectedEventSchema(f"{EVENT_SCHEMA} has no one if/then for each of its types")
    union = {
        "description": (
            f"One canonical event ({SCHEMA_BASE}{EVENT_SCHEMA}), by its `type`: each branch is"
            " the event with that `type` and the schema of its `data`, and accepts exactly the"
            " events of that type the event schema accepts, with a `version` of at most"
            f" {MAX_STORED_VERSION}. Beyond what a schema can say, the hub also refuses (422"
            " `invalid-record`, with `pointer` and `rule`) any number written with a fraction"
            " or an exponent, even `1.0` where an integer is due (`signable-json`: signed JSON"
            " carries no floats), and any string or member name holding U+0000 (`no-nul`)."
        ),
        "oneOf": [{"$ref": SCHEMA_COMPONENTS + name} for name in branches],
        "discriminator": {
            "propertyName": "type",
            "mapping": {
                t: SCHEMA_COMPONENTS + name for t, name in zip(types, branches, strict=True)
            },
        },
    }
    return {EVENT_UNION: union, **branches}


def served_schema(ref: str) -> tuple[str, str] | None:
    """(file name, JSON pointer) when `ref` points into a schema bundled from schemas/, which the
    hub also serves at /schemas/<file name>; None for a hand-written component or anything else.
    Bundled components are named by their file name, and only they end in `.json`."""
    if not ref.startswith(SCHEMA_COMPONENTS):
        return None
    name, _, pointer = ref[len(SCHEMA_COMPONENTS) :].partition("/")
    if not name.endswith(".json"):
        return None
    return name.replace("~1", "/").replace("~0", "~"), pointer and "/" + pointer


def _schemas() -> dict[str, Mapping[str, Any]]:
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(schema_path().glob("*.json"))
    }


@functools.cache
def api_description() -> ApiDescription:
    schemas = _schemas()
    source = json.loads(DOCUMENT.read_bytes())
    components = source.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in event_union(schemas[EVENT_SCHEMA]).items():
        if name in components:
            raise UnexpectedEventSchema(f"components/schemas/{name} exists in openapi.json too")
        components[name] = schema
    document = bundle(source, schemas)
    body = json.dumps(document, ensure_ascii=False, indent=2).encode()
    return ApiDescription(
        document=document,
        body=body,
        etag=hashlib.sha256(body).hexdigest()[:32],
        served_schemas={name: "/schemas/" + name for name in schemas},
    )


def operations(document: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(METHOD, path, operation) for every operation of the document, in document order."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                found.append((method.upper(), path, item[method]))
    return found


async def get_openapi(request: web.Request) -> web.Response:
    described = api_description()
    return respond_cacheable(
        request, described.body, "application/json", described.etag, CACHE_CONTROL
    )
