"""The API description matches the app route for route, is valid OpenAPI 3.1 that resolves on its
own (the record schemas bundled in), and is served with the JSON Schemas and an offline /docs
page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from yarl import URL

from hub.api.openapi import (
    SCHEMA_COMPONENTS,
    UnbundledReference,
    api_description,
    bundle,
    operations,
)
from hub.api.schemas import SCHEMA_CONTENT_TYPE
from hub.http.signatures import requires_signature
from hub.records.validate import SCHEMA_BASE, schema_path

PROBLEM = "application/problem+json"
BUNDLED = SCHEMA_COMPONENTS
SCHEMAS = schema_path()
_PARAM = re.compile(r"\{(\w+)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}")


def _document() -> Mapping[str, Any]:
    return api_description().document


def _normalise(path: str) -> str:
    """aiohttp's `{name}` and `{name:regex}` both become OpenAPI's `{name}`."""
    return _PARAM.sub(r"{\1}", path)


def _app_operations(app: web.Application) -> set[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        # aiohttp adds HEAD beside every GET; it is not a separate operation.
        if route.method == "HEAD" or route.resource is None:
            continue
        found.add((route.method, _normalise(route.resource.canonical)))
    return found


def _documented() -> set[tuple[str, str]]:
    return {(method, path) for method, path, _ in operations(_document())}


def _resolve_local(document: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = document
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return _resolve_local(document, target)


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _pointer(document: Any, pointer: str) -> Any:
    target = document
    for part in filter(None, pointer.split("/")):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


# -- the description matches the app -------------------------------------------------------------


@pytest.mark.parametrize(
    ("aiohttp_path", "openapi_path"),
    [
        ("/v1/complaints/{complaint_id}", "/v1/complaints/{complaint_id}"),
        ("/schemas/{name:[a-z.-]+}", "/schemas/{name}"),
        (r"/x/{id:\d{3}}/y/{rest:.*}", "/x/{id}/y/{rest}"),
    ],
)
def test_path_parameters_are_normalised_to_openapi_form(
    aiohttp_path: str, openapi_path: str
) -> None:
    assert _normalise(aiohttp_path) == openapi_path


async def test_every_route_of_the_app_is_documented(app: web.Application) -> None:
    missing = _app_operations(app) - _documented()
    assert not missing, f"routes missing from hub/api/openapi.json: {sorted(missing)}"


async def test_every_documented_operation_is_a_route_of_the_app(app: web.Application) -> None:
    extra = _documented() - _app_operations(app)
    assert not extra, f"hub/api/openapi.json documents routes the app lacks: {sorted(extra)}"


def test_the_document_is_valid_openapi_3_1_and_resolves_offline_on_its_own() -> None:
    import openapi_spec_validator as validators

    def no_fetching(uri: str) -> Any:
        raise AssertionError(f"the document refers outside itself: {uri}")

    class OfflineValidator(validators.OpenAPIV31SpecValidator):
        # Any reference that left the document would be fetched through these, and fail.
        resolver_handlers = {"https": no_fetching, "http": no_fetching}  # type: ignore[dict-item]  # noqa: RUF012

    document = _document()
    assert document["openapi"] == "3.1.0"
    OfflineValidator(dict(document)).validate()


def test_every_reference_is_local_and_resolves() -> None:
    document = _document()
    refs = set(_refs(document))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        _pointer(document, ref[1:])


def test_every_schema_of_schemas_dir_is_bundled_by_file_name() -> None:
    components = _document()["components"]["schemas"]
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text())
        bundled = components[path.name]
        assert set(bundled) == set(schema) - {"$id", "$schema"}, path.name
        assert bundled.get("title") == schema.get("title"), path.name
    assert api_description().served_schemas["event-v1.json"] == "/schemas/event-v1.json"


def test_bodies_refer_to_the_bundled_json_schemas() -> None:
    paths = _document()["paths"]
    post_event = paths["/v1/events"]["post"]["requestBody"]["content"]["application/json"]
    # the event schema restated as one branch per type (tests/api/test_openapi_event_union.py)
    assert post_event["schema"] == {"$ref": BUNDLED + "Event"}
    personal = paths["/v1/complaints/{complaint_id}/personal"]["put"]["requestBody"]
    assert personal["content"]["application/json"]["schema"] == {
        "$ref": BUNDLED + "personal-v1.json"
    }
    snapshot = paths["/v1/complaints/{complaint_id}"]["get"]["responses"]["200"]
    assert snapshot["content"]["application/json"]["schema"] == {"$ref": BUNDLED + "Snapshot"}
    either = _document()["components"]["schemas"]["Snapshot"]["oneOf"]
    assert {"$ref": BUNDLED + "complaint-v1.json"} in either


def _bundled_validator(component: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    uri = "urn:complaint-hub:openapi"
    registry: Registry[Any] = Registry().with_resource(
        uri, DRAFT202012.create_resource(dict(_document()))
    )
    return Draft202012Validator({"$ref": f"{uri}{BUNDLED}{component}"}, registry=registry)


@pytest.mark.parametrize(
    "path",
    [p for p in sorted((SCHEMAS / "examples").glob("*.json")) if p.name != "personal.json"],
    ids=lambda p: p.name,
)
def test_the_bundled_event_schema_decides_as_the_hubs_validator(path: Any) -> None:
    from hub.records.validate import RecordInvalid, validate_event

    event = json.loads(path.read_text())
    validator = _bundled_validator("event-v1.json")
    validate_event(event)
    assert validator.is_valid(event), path.name
    broken: dict[str, Any] = {**event, "data": {**event["data"], "unexpected": 1}}
    with pytest.raises(RecordInvalid):
        validate_event(broken)
    assert not validator.is_valid(broken), path.name


@pytest.mark.parametrize(
    ("ref", "refused"),
    [
        ("https://elsewhere.example/schema.json", "leaves the hub"),
        (SCHEMA_BASE + "nope-v1.json", "not in schemas/"),
        (SCHEMA_BASE + "common-v1.json#anchor", "JSON Pointer"),
    ],
)
def test_a_reference_that_cannot_be_bundled_stops_loading(ref: str, refused: str) -> None:
    source = {"openapi": "3.1.0", "paths": {"/x": {"get": {"schema": {"$ref": ref}}}}}
    schemas: dict[str, Mapping[str, Any]] = {
        "common-v1.json": {"$id": SCHEMA_BASE + "common-v1.json", "$defs": {}}
    }
    with pytest.raises(UnbundledReference, match=refused):
        bundle(source, schemas)


def test_bundling_rebases_references_between_schemas() -> None:
    schemas: dict[str, Mapping[str, Any]] = {
        "a-v1.json": {"$id": SCHEMA_BASE + "a-v1.json", "$ref": "b-v1.json#/$defs/x"},
        "b-v1.json": {
            "$id": SCHEMA_BASE + "b-v1.json",
            "$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"type": "string"}},
        },
    }
    source = {"paths": {}, "components": {"schemas": {"A": {"$ref": SCHEMA_BASE + "a-v1.json"}}}}
    bundled = bundle(source, schemas)["components"]["schemas"]
    assert bundled["A"] == {"$ref": BUNDLED + "a-v1.json"}
    assert bundled["a-v1.json"] == {"$ref": BUNDLED + "b-v1.json/$defs/x"}
    assert bundled["b-v1.json"]["$defs"]["x"] == {"$ref": BUNDLED + "b-v1.json/$defs/y"}
    assert source["components"]["schemas"]["A"] == {"$ref": SCHEMA_BASE + "a-v1.json"}


def test_every_error_response_is_a_problem() -> None:
    document = _document()
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for method, path, operation in operations(document):
        for status, raw in operation["responses"].items():
            if int(status) < 400:
                continue
            response = _resolve_local(document, raw)
            assert set(response.get("content", {})) == {PROBLEM}, (method, path, status)
            assert response["content"][PROBLEM]["schema"] == problem_ref, (method, path, status)


def test_signed_routes_and_only_those_name_the_signature_scheme() -> None:
    document = _document()
    scheme = document["components"]["securitySchemes"]["httpMessageSignature"]
    assert scheme["type"] == "apiKey"
    for component in ("@method", "@authority", "@path", "@query", "content-digest", "ed25519"):
        assert component in scheme["description"]
    for method, path, operation in operations(document):
        security = operation.get("security", document.get("security", []))
        if requires_signature(path):
            assert security == [{"httpMessageSignature": []}], (method, path)
            assert "401" in operation["responses"], (method, path)
        else:
            assert not security, (method, path)


# -- /openapi.json --------------------------------------------------------------------------------


async def test_openapi_json_is_served_unsigned_and_revalidates_by_etag(client: TestClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == _document()
    etag = response.headers["ETag"]
    again = await client.get("/openapi.json", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.headers["ETag"] == etag


# -- /schemas/... ---------------------------------------------------------------------------------


async def test_every_schema_is_served_as_schema_json_with_etag_and_cache_control(
    client: TestClient,
) -> None:
    paths = sorted(SCHEMAS.glob("*.json"))
    assert paths
    for path in paths:
        response = await client.get(f"/schemas/{path.name}")
        assert response.status == 200, path.name
        assert response.content_type == SCHEMA_CONTENT_TYPE
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        assert response.headers["ETag"].startswith('"')
        assert await response.read() == path.read_bytes()


async def test_a_schema_already_held_is_not_sent_again(client: TestClient) -> None:
    first = await client.get("/schemas/event-v1.json")
    again = await client.get(
        "/schemas/event-v1.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304
    assert await again.read() == b""
    changed = await client.get("/schemas/event-v1.json", headers={"If-None-Match": '"other"'})
    assert changed.status == 200


async def test_examples_are_served_as_json(client: TestClient) -> None:
    path = SCHEMAS / "examples" / "complaint.filed.json"
    response = await client.get("/schemas/examples/complaint.filed.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "ETag" in response.headers
    assert await response.read() == path.read_bytes()


async def test_the_listing_names_every_schema_and_example_with_its_link(
    client: TestClient,
) -> None:
    response = await client.get("/schemas/")
    assert response.status == 200
    listing = await response.json()
    schemas = {item["name"]: item for item in listing["schemas"]}
    assert set(schemas) == {p.name for p in SCHEMAS.glob("*.json")}
    assert schemas["event-v1.json"]["href"] == "/schemas/event-v1.json"
    assert schemas["event-v1.json"]["id"] == SCHEMA_BASE + "event-v1.json"
    examples = {item["name"] for item in listing["examples"]}
    assert examples == {p.name for p in (SCHEMAS / "examples").glob("*.json")}
    for item in listing["schemas"] + listing["examples"]:
        assert (await client.get(item["href"])).status == 200, item["href"]


@pytest.mark.parametrize(
    "raw_path",
    [
        "/schemas/nope-v1.json",
        "/schemas/examples",
        "/schemas/examples/nope.json",
        "/schemas/..%2Fsetup.cfg",
        "/schemas/%2E%2E%2Fsetup.cfg",
        "/schemas/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/schemas/%2Fetc%2Fpasswd",
        "/schemas/examples/..%2Fevent-v1.json",
        "/schemas/examples/..%2F..%2Fsetup.cfg",
        "/schemas/examples/..%5C..%5Csetup.cfg",
        "/schemas/../setup.cfg",
        "/schemas/examples/../../hub/app.py",
        "/schemas/event-v1.json%00.txt",
    ],
)
async def test_unknown_names_and_traversal_are_a_404_problem(
    client: TestClient, raw_path: str
) -> None:
    response = await client.get(URL(raw_path, encoded=True))
    assert response.status == 404, raw_path
    assert response.content_type == PROBLEM
    assert (await response.json())["type"] == "https://complaint-hub.org/problems/not-found"


# -- /docs ----------------------------------------------------------------------------------------


async def test_docs_is_an_html_page_that_loads_nothing_from_elsewhere(client: TestClient) -> None:
    response = await client.get("/docs")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.charset == "utf-8"
    page = await response.text()
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, re.IGNORECASE)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


async def test_docs_shows_every_operation_with_an_anchor(client: TestClient) -> None:
    page = await (await client.get("/docs")).text()
    for method, path, operation in operations(_document()):
        anchor = operation["operationId"]
        assert f'id="{anchor}"' in page, (method, path)
        assert f'href="#{anchor}"' in page, (method, path)
    assert "@authority" in page  # the signature profile is explained on the page
    # Bodies link to the schemas served here, or to the component that names them: an event is
    # the union of one branch per type, each naming its data's schema.
    assert 'href="/schemas/personal-v1.json"' in page
    assert 'href="#schema-Event"' in page
    assert 'id="schema-Event"' in page


async def test_the_served_jwks_matches_its_documented_schema(client: TestClient) -> None:
    jwks = await (await client.get("/.well-known/jwks.json")).json()
    assert jwks["keys"]
    errors = list(_bundled_validator("Jwks").iter_errors(jwks))
    assert not errors, [error.message for error in errors]
