"""Every constraint the hub enforces on a request is stated in /openapi.json, and the hub refuses
exactly what the document says it refuses.

A client (or a fuzzer) reads the document to know what it may send: a constraint the hub enforces
but the document leaves out makes a documented request fail. Each constraint is stated with a JSON
Schema keyword where one can express it (`enum`, `minLength`, `maxLength`, `pattern`, `minimum`,
`maximum`) and in the description where none can (`first <= second`); each is checked here
against the hub's own rule, and against what the hub answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from hub.api.feed import _MAX_TYPES_CHARS
from hub.api.openapi import api_description
from hub.domain.categories import Level1
from hub.domain.roles import Actor, Role
from hub.domain.stats_cells import COMPLAINT_DIMENSIONS, KINDS, REPORT_DIMENSIONS
from hub.domain.stats_grid import Grain, Level
from hub.domain.stats_query import StatsQueryError, parse_query
from hub.domain.stats_scope import stats_scope
from hub.http.query import BIGINT_MAX, COMPLAINT_ID
from hub.ops.operator_names import OPERATOR_NAME, is_operator_name
from tests.api._lifecycle import Cast, event, new_complaint_id

DOCUMENT_URI = "urn:complaint-hub:openapi"
PROBLEM = "application/problem+json"
TODAY = dt.date(2026, 6, 1)


def _document() -> Mapping[str, Any]:
    return api_description().document


def _follow(node: Any) -> Any:
    """`node` with a local `$ref` followed, as often as it takes."""
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        target: Any = _document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _parameter(path: str, method: str, name: str) -> Mapping[str, Any]:
    item = _document()["paths"][path]
    for raw in [*item.get("parameters", []), *item[method].get("parameters", [])]:
        parameter = _follow(raw)
        if parameter["name"] == name:
            return parameter  # type: ignore[no-any-return]
    raise AssertionError(f"{method.upper()} {path} documents no parameter {name!r}")


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A validator of `schema`, whose local references resolve inside the document."""
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, DRAFT202012.create_resource(dict(_document()))
    )
    return Draft202012Validator(_rebased(schema), registry=registry)


def _rebased(node: Any) -> Any:
    """`node`, taken out of the document, with its `#/...` references still pointing into it."""
    if isinstance(node, list):
        return [_rebased(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    return {
        key: (
            DOCUMENT_URI + value
            if key == "$ref" and isinstance(value, str) and value.startswith("#/")
            else _rebased(value)
        )
        for key, value in node.items()
    }


def _unquoted(text: str) -> str:
    return " ".join(text.replace("`", "").split())


async def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.content_type == PROBLEM
    problem: dict[str, Any] = await response.json()
    return problem


@pytest.fixture
def cast(enrol: Any) -> Cast:
    return Cast(enrol)


# -- the audit proofs: integer bounds, and the orders the schema cannot state -------------------


@pytest.mark.parametrize(
    ("path", "name", "minimum"),
    [
        ("/v1/audit/inclusion", "position", 1),
        ("/v1/audit/inclusion", "tree_size", 1),
        ("/v1/audit/consistency", "first", 0),
        ("/v1/audit/consistency", "second", 0),
    ],
)
def test_proof_sizes_state_the_bounds_the_hub_parses_them_within(
    path: str, name: str, minimum: int
) -> None:
    schema = _parameter(path, "get", name)["schema"]
    assert schema["type"] == "integer"
    assert (schema["minimum"], schema["maximum"]) == (minimum, BIGINT_MAX)


def test_consistency_states_that_first_is_at_most_second() -> None:
    first = _parameter("/v1/audit/consistency", "get", "first")
    second = _parameter("/v1/audit/consistency", "get", "second")
    assert "first <= second" in _unquoted(first["description"])
    assert "first <= second" in _unquoted(second["description"])


def test_inclusion_states_that_the_position_is_at_most_the_tree_size() -> None:
    position = _parameter("/v1/audit/inclusion", "get", "position")
    tree_size = _parameter("/v1/audit/inclusion", "get", "tree_size")
    assert "position <= tree_size" in _unquoted(position["description"])
    assert "position <= tree_size" in _unquoted(tree_size["description"])


async def test_the_hub_refuses_the_proof_requests_the_document_rules_out(
    client: TestClient[web.Request, web.Application],
) -> None:
    for path, params, parameter in (
        ("/v1/audit/consistency", {"first": "2", "second": "1"}, "first"),
        ("/v1/audit/consistency", {"first": "0", "second": str(BIGINT_MAX + 1)}, "second"),
        ("/v1/audit/inclusion", {"position": "3", "tree_size": "2"}, "tree_size"),
        ("/v1/audit/inclusion", {"position": str(BIGINT_MAX + 1)}, "position"),
    ):
        problem = await _problem(await client.get(path, params=params), 400)
        assert problem["parameter"] == parameter, (path, params, problem)


# -- statistics: group_by names exactly what the hub accepts --------------------------------------


def _group_by() -> Mapping[str, Any]:
    return _parameter("/v1/stats", "get", "group_by")


def _group_by_names() -> list[str]:
    return list(_group_by()["schema"]["items"]["enum"])


def _candidates() -> Iterator[str]:
    """Every name the hub or the document could mean, and a few it must not take."""
    yield from _group_by_names()
    yield from (grain.value for grain in Grain)
    yield from (level.value for level in Level)
    yield from COMPLAINT_DIMENSIONS
    yield from REPORT_DIMENSIONS
    yield from ("platform", "category", "region", "remedy", "kind", "merchant_id", "Day", "x")


def _refused_by(name: str, kind: str) -> str | None:
    """The parameter the hub names in refusing `group_by=name`, None when it accepts it."""
    everything = stats_scope(Actor("operator.hub", Role.OPERATOR))
    try:
        parse_query({"group_by": name, "kind": kind}, everything, TODAY)
    except StatsQueryError as err:
        return err.parameter
    return None


def _accepted(name: str, kind: str) -> bool:
    refused_by = _refused_by(name, kind)
    assert refused_by in (None, "group_by"), (name, kind, refused_by)
    return refused_by is None


def test_group_by_is_a_comma_separated_list_of_names() -> None:
    parameter = _group_by()
    assert (parameter["style"], parameter["explode"]) == ("form", False)
    assert parameter["schema"]["type"] == "array"
    assert len(_group_by_names()) == len(set(_group_by_names()))


def test_group_by_lists_every_name_the_hub_accepts_and_nothing_else() -> None:
    listed = set(_group_by_names())
    accepted = {name for name in _candidates() if _accepted(name, "complaint")}
    assert accepted == listed, (sorted(accepted - listed), sorted(listed - accepted))
    for kind in KINDS:  # reports take fewer breakdowns, never one the list lacks
        assert {name for name in _candidates() if _accepted(name, kind)} <= listed


# -- the operators' login form ------------------------------------------------------------------


def _login_form() -> Mapping[str, Any]:
    body = _document()["paths"]["/ops/login"]["post"]["requestBody"]
    schema: Mapping[str, Any] = body["content"]["application/x-www-form-urlencoded"]["schema"]
    return schema


# Python's `$` also matches before a final newline, ECMA 262's (the document's dialect) does not:
# a name ending in a newline is left out rather than checked with the wrong regex dialect.
@pytest.mark.parametrize(
    "name",
    ["", "a", "ops.admin", "ops_admin-2", ".ops", "-ops", "ops admin", "运维", "a" * 64, "a" * 65],
)
def test_the_login_name_schema_is_the_operator_name_rule(name: str) -> None:
    schema = _login_form()["properties"]["name"]
    assert schema["pattern"] == OPERATOR_NAME.pattern
    assert (schema["minLength"], schema["maxLength"]) == (1, 64)
    assert _validator(schema).is_valid(name) == is_operator_name(name), name


def test_the_login_form_states_that_neither_member_may_be_empty() -> None:
    form = _login_form()
    assert set(form["required"]) == {"name", "password"}
    assert form["properties"]["password"]["minLength"] == 1


async def test_the_hub_refuses_the_logins_the_document_rules_out(
    client: TestClient[web.Request, web.Application],
) -> None:
    for name, password in (("", "secret"), ("ops", ""), ("a" * 65, "secret"), ("-ops", "secret")):
        form = {"name": name, "password": password}
        response = await client.post("/ops/login", data=form, allow_redirects=False)
        await _problem(response, 400)


# -- the native path: the complaint a record is linked to -----------------------------------------


def test_the_inbound_complaint_id_has_the_complaint_id_rule() -> None:
    schema = _follow(
        _parameter("/v1/platforms/{platform}/inbound", "post", "complaint_id")["schema"]
    )
    assert schema["pattern"] == COMPLAINT_ID.pattern
    validator = _validator(schema)
    assert validator.is_valid("platform.taobao:" + "x" * 48)  # 64 characters
    assert not validator.is_valid("platform.taobao:" + "x" * 49)
    assert not validator.is_valid("")


async def test_the_hub_refuses_an_inbound_complaint_id_the_document_rules_out(
    cast: Cast,
) -> None:
    platform = await cast("platform")
    too_long = "platform.taobao:" + "x" * 49
    answer = await platform.request(
        "POST", f"/v1/platforms/taobao/inbound?complaint_id={too_long}", json={}
    )
    assert answer.status == 400, answer.body
    assert answer.json()["parameter"] == "complaint_id"


# -- the complaints list and the feed: their filters ---------------------------------------------


def test_the_category_filter_is_one_of_the_first_level_categories() -> None:
    schema = _follow(_parameter("/v1/complaints", "get", "category")["schema"])
    assert set(schema["enum"]) == set(Level1)


def test_the_feeds_types_filter_states_its_length() -> None:
    for path in ("/v1/feed", "/v1/feed/stream"):
        description = _parameter(path, "get", "types")["description"]
        assert f"{_MAX_TYPES_CHARS} characters" in description, path


async def test_the_hub_refuses_the_filters_the_document_rules_out(cast: Cast) -> None:
    bureau = await cast("bureau")
    too_many = ",".join(["complaint.filed"] * (_MAX_TYPES_CHARS // 16 + 1))
    assert len(too_many) > _MAX_TYPES_CHARS
    for path, parameter in (
        ("/v1/complaints?category=quality_of_life", "category"),
        (f"/v1/feed?types={too_many}", "types"),
    ):
        answer = await bureau.request("GET", path)
        assert answer.status == 400, (path, answer.body)
        assert answer.json()["parameter"] == parameter, path


# -- the feed as Server-Sent Events: each data field is a FeedItem --------------------------------


_FIELD = re.compile(r"^(id|event|data): (.*)$")


def _frames(stream: str) -> list[dict[str, str]]:
    frames = []
    for block in stream.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if match := _FIELD.match(line):
                fields[match[1]] = match[2]
            else:
                assert line.startswith(":") or not line, line
        if fields:
            frames.append(fields)
    return frames


def _feed_item_validator() -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#/components/schemas/FeedItem"},
        registry=Registry().with_resource(
            DOCUMENT_URI, DRAFT202012.create_resource(dict(_document()))
        ),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _check_frame(frame: Mapping[str, str]) -> None:
    item = orjson.loads(frame["data"])
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in _feed_item_validator().iter_errors(item)
    ]
    assert not errors, errors
    assert int(frame["id"]) == item["position"] == item["event"]["position"]
    assert frame["event"] == item["event"]["type"]


def _stream_response() -> Mapping[str, Any]:
    ok: Mapping[str, Any] = _document()["paths"]["/v1/feed/stream"]["get"]["responses"]["200"]
    return ok


def test_the_documented_stream_example_carries_feed_items() -> None:
    response = _stream_response()
    assert "FeedItem" in response["description"]
    frames = _frames(response["content"]["text/event-stream"]["example"])
    assert frames
    for frame in frames:
        _check_frame(frame)


async def test_the_hubs_stream_frames_match_the_documented_feed_item(
    cast: Cast, client: TestClient[web.Request, web.Application]
) -> None:
    from tests.feeds._sse import sse_frames

    bureau = await cast("bureau")
    complaint_id = new_complaint_id()
    await bureau.post_event(event("complaint.filed", complaint_id, 1))
    await bureau.post_event(event("case.note_added", complaint_id, 2))
    seen = 0
    async for frame in sse_frames(bureau, client.session):
        if frame.data is None:
            continue
        data = orjson.dumps(frame.data).decode()
        _check_frame({"id": str(frame.id), "event": str(frame.event), "data": data})
        seen += 1
        if seen == 2:
            break
