"""GET /openapi.json: the OpenAPI 3.1 description of every route, self-contained.

The operations are maintained by hand in openapi.json beside this (tests/api/test_openapi.py fails
when a route of the app is missing from it or it names one the app lacks); bodies there refer to
the JSON Schemas of schemas/ by their public `$id`. The document served is bundled from both at
load time: every schema of schemas/ becomes `components/schemas/<file name>` and every `$ref` to
one becomes local, so a tool resolves the whole description offline, from this one document, and
schemas/ stays the single source of the records.
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
from hub.records.validate import SCHEMA_BASE, schema_path

# Package data of hub.api, read through importlib.resources so an installed wheel finds it.
DOCUMENT = resources.files("hub.api").joinpath("openapi.json")
SCHEMA_COMPONENTS = "#/components/schemas/"
# A bundled schema keeps neither: the document's `jsonSchemaDialect` is its dialect, and an `$id`
# would make the schema a resource of its own, against which local references would resolve.
_UNBUNDLED_KEYWORDS = ("$id", "$schema")
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
    document = bundle(json.loads(DOCUMENT.read_bytes()), schemas)
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
