"""Every problem type the hub can send is documented, and so is every status its middlewares add.

The problem types are collected from the code, not listed here: the `Problem` classes of every
module of hub/ and adapters/, the domain rules a `DomainRefusal` turns into problems, the signature
errors `Unauthorized` passes on, and the slugs written at each `Unauthorized(...)` and
`Forbidden(...)` in the source. A new problem type fails here until the document names it.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import adapters
import hub
from hub.api.openapi import api_description, operations
from hub.app import create_app
from hub.crypto.errors import SignatureError
from hub.domain.errors import DomainError, HolidayTableInvalid
from hub.http.signatures import requires_signature
from hub.ops.page.auth import COOKIE
from hub.problems import Forbidden, Problem, Unauthorized
from hub.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SOURCES = (REPO / "hub", REPO / "adapters")
# Instances name their slug: each call site writes it as the first argument.
_SLUG_PER_CALL = {Unauthorized.__name__: 401, Forbidden.__name__: 403}
# Domain errors that never reach a request: the holiday table is checked when its file is loaded.
_NOT_REFUSALS: frozenset[type[DomainError]] = frozenset({HolidayTableInvalid})
# Statuses a route cannot list: they answer a method the route does not have.
_NOT_PER_ROUTE = frozenset({405})
_CATALOGUE_LINE = re.compile(r"^- (\d{3}): (.+)$")
_SLUG = re.compile(r"`([a-z0-9-]+)`")

Emitted = frozenset[tuple[str, int]]


def _document() -> Mapping[str, Any]:
    return api_description().document


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _import_everything() -> None:
    for package in (hub, adapters):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.endswith(".__main__"):
                importlib.import_module(module.name)


def _source_trees() -> Iterator[tuple[Path, ast.Module]]:
    for root in SOURCES:
        for path in sorted(root.rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _per_call_slugs() -> tuple[set[tuple[str, int]], set[str], list[str]]:
    """(slug, status) written at Unauthorized/Forbidden calls, the names of every class called
    anywhere, and the calls whose slug is neither a literal nor a signature error's code."""
    found: set[tuple[str, int]] = set()
    called: set[str] = set()
    unknown: list[str] = []
    for path, tree in _source_trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or (name := _called_name(node)) is None:
                continue
            called.add(name)
            if name not in _SLUG_PER_CALL or path.name == "problems.py":
                continue
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add((first.value, _SLUG_PER_CALL[name]))
            elif not (isinstance(first, ast.Attribute) and first.attr == "code"):
                unknown.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found, called, unknown


def emitted_problem_types() -> Emitted:
    """Every (slug, status) the hub can answer with, found in its code."""
    _import_everything()
    found: set[tuple[str, int]] = set()
    for cls in _subclasses(Problem):
        if cls.slug != Problem.slug:  # a class of its own type; the others name it per instance
            found.add((cls.slug, cls.status))
    per_call, called, unknown = _per_call_slugs()
    assert not unknown, f"a problem whose slug this test cannot tell: {unknown}"
    found |= per_call
    for error in _subclasses(SignatureError):
        found.add((error.code, 401))  # hub.http.signatures passes err.code on
    for rule in _subclasses(DomainError):
        # hub.services.decisions.DomainRefusal: the rule's code, hyphenated, with its status
        if rule not in _NOT_REFUSALS and rule.__name__ in called:
            found.add((rule.code.replace("_", "-"), rule.status))
    return frozenset(found)


@pytest.fixture(scope="module")
def emitted() -> Emitted:
    return emitted_problem_types()


def _resolved(document: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        return document["components"]["responses"][ref.rsplit("/", 1)[1]]
    return node


def test_the_collection_finds_the_kinds_of_problem_it_is_meant_to() -> None:
    found = emitted_problem_types()
    assert ("database-unavailable", 503) in found  # a subclass in hub.http.problems
    assert ("native-field-invalid", 422) in found  # hub.platforms.problems
    assert ("complaint-id-not-own", 422) in found  # hub.services.decisions
    assert ("signature-replayed", 401) in found  # a literal at an Unauthorized call
    assert ("csrf-token", 403) in found  # a literal at a Forbidden call
    assert ("clock-skew", 401) in found  # a signature error's code
    assert ("wrong-role", 403) in found  # a domain rule
    assert not any(slug == "holiday-table-invalid" for slug, _ in found)


def _catalogue(document: Mapping[str, Any]) -> set[tuple[str, int]]:
    text = document["components"]["schemas"]["Problem"]["properties"]["type"]["description"]
    listed = set()
    for line in text.splitlines():
        if match := _CATALOGUE_LINE.match(line):
            status = int(match[1])
            listed |= {(slug, status) for slug in _SLUG.findall(match[2])}
    return listed


def test_the_problem_schema_lists_exactly_the_problem_types_the_hub_sends(
    emitted: Emitted,
) -> None:
    listed = _catalogue(_document())
    assert not emitted - listed, (
        f"problem types missing from Problem.type: {sorted(emitted - listed)}"
    )
    assert not listed - emitted, (
        f"Problem.type lists types the hub never sends: {sorted(listed - emitted)}"
    )


def test_every_problem_type_is_named_by_a_route_answering_its_status(emitted: Emitted) -> None:
    document = _document()
    named: set[tuple[str, int]] = set()
    for _, _, operation in operations(document):
        for status, raw in operation["responses"].items():
            if status.isdigit():
                description = _resolved(document, raw).get("description", "")
                named |= {(slug, int(status)) for slug in _SLUG.findall(description)}
    missing = {(slug, status) for slug, status in emitted if status not in _NOT_PER_ROUTE}
    missing -= named
    assert not missing, f"no route documents these (slug, status): {sorted(missing)}"


def _invalid_record_rules() -> set[str]:
    """The `rule` of every `invalid-record` the hub's own checks name (not a JSON Schema keyword):
    the second argument of `RecordInvalid(...)` and the `rule=` of `InvalidRecord(...)`."""
    from jsonschema import Draft202012Validator

    rules = set()
    for _, tree in _source_trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            values = []
            if name == "RecordInvalid" and len(node.args) > 1:
                values.append(node.args[1])
            if name == "InvalidRecord":
                values += [k.value for k in node.keywords if k.arg == "rule"]
            rules |= {
                v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            }
    return rules - set(Draft202012Validator.VALIDATORS)


def test_every_rule_of_the_hubs_own_checks_is_named_by_a_422() -> None:
    """Such as `personal-data`: a consumer's contact details in a public free-text field."""
    rules = _invalid_record_rules()
    assert {"personal-data", "uscc-checksum", "batch-size"} <= rules
    document = _document()
    named = set()
    for _, _, operation in operations(document):
        if "422" in operation["responses"]:
            description = _resolved(document, operation["responses"]["422"])["description"]
            named |= set(_SLUG.findall(description))
    assert not rules - named, f"invalid-record rules no 422 names: {sorted(rules - named)}"


def _middleware_statuses(method: str, path: str) -> set[str]:
    """The statuses the middlewares can answer on this route, whatever its handler does."""
    statuses = {"500"}  # the problem middleware answers any unexpected error
    if requires_signature(path):
        # The signature middleware reads the body within a time limit (408), within the body
        # limit (413) and to its end (400 when cut short), looks the key up in the database
        # (503) and spends the rate (429).
        statuses |= {"400", "401", "408", "413", "429", "503"}
    if method in {"POST", "PUT", "PATCH"}:
        statuses.add("413")  # aiohttp's client_max_size, whoever reads the body
    return statuses


def test_every_route_documents_what_its_middlewares_answer() -> None:
    document = _document()
    missing = []
    for method, path, operation in operations(document):
        absent = _middleware_statuses(method, path) - set(operation["responses"])
        missing += [f"{method} {path}: {status}" for status in sorted(absent)]
    assert not missing, missing


def test_every_429_and_database_unavailable_says_when_to_retry() -> None:
    """Both are sent with Retry-After (hub.http.problems, hub.http.signatures, hub.feeds,
    hub.ops.page.auth); `not-ready` and `service-unavailable` are not."""
    document = _document()
    for method, path, operation in operations(document):
        for status, raw in operation["responses"].items():
            response = _resolved(document, raw)
            if status == "429" or "`database-unavailable`" in response["description"]:
                assert "Retry-After" in response.get("headers", {}), (method, path, status)


# -- what the unsigned routes answer while the database is away ----------------------------------

METRICS_TOKEN = "metrics-" + "m" * 24
REPORTS_TOKEN = "reports-" + "r" * 24


def _sample_path(path: str) -> str:
    return re.sub(r"\{(\w+)\}", "x", path)


def _sample_query(document: Mapping[str, Any], operation: Mapping[str, Any]) -> dict[str, str]:
    """A value for each required query parameter: enough to get past the parsing to the store."""
    query = {}
    for raw in operation.get("parameters", []):
        parameter = raw
        if "$ref" in raw:
            parameter = document["components"]["parameters"][raw["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == "query" and parameter.get("required"):
            schema = parameter.get("schema", {})
            query[parameter["name"]] = "1" if schema.get("type") == "integer" else "x"
    return query


@pytest.fixture
async def outage_client(server_url: str, database_url: str, tmp_path: Path) -> Any:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        log_format="console",
        metrics_token=METRICS_TOKEN,
        reports_token=REPORTS_TOKEN,
    )
    app: web.Application = create_app(settings)
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(server_url)
    try:
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            yield client
    finally:
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        await admin.close()


async def test_an_unsigned_route_that_answers_503_without_its_database_documents_it(
    outage_client: TestClient,
) -> None:
    document = _document()
    answered = {}
    for method, path, operation in operations(document):
        if requires_signature(path):
            continue  # the rule above, and tests/hardening/test_database_down.py
        headers = {"Cookie": f"{COOKIE}=expired-or-not", "Accept": "application/json"}
        if path == "/metrics":
            headers["Authorization"] = f"Bearer {METRICS_TOKEN}"
        elif path == "/reports":
            headers["Authorization"] = f"Bearer {REPORTS_TOKEN}"
        form = {"name": "ops", "password": "not-it", "csrf": "x"} if method == "POST" else None
        response = await outage_client.request(
            method,
            _sample_path(path),
            params=_sample_query(document, operation),
            headers=headers,
            data=form,
            allow_redirects=False,
        )
        answered[(method, path)] = response.status
    # the routes that need the database do answer 503: the outage is real
    assert answered[("GET", "/v1/audit/tree-head")] == 503
    assert answered[("GET", "/healthz")] == 200
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(document)
        if answered.get((method, path)) == 503 and "503" not in operation["responses"]
    ]
    assert not missing, f"answer 503 without the database, undocumented: {missing}"
