"""/v1/audit: signed tree heads, inclusion and consistency proofs (public: hashes only), and
witnesses' cosignatures (signed)."""

from __future__ import annotations

from aiohttp import web

from hub.http.body import request_json
from hub.http.keys import ACTOR, EVIDENCE
from hub.http.query import BIGINT_MAX, int_param
from hub.problems import BadRequest, InvalidRecord
from hub.services.audit_log import AUDIT_LOG


def _required_int(request: web.Request, name: str, *, minimum: int) -> int:
    if request.query.get(name, "") == "":
        raise BadRequest(f"{name} is required", parameter=name)
    return int_param(request, name, default=0, minimum=minimum, maximum=BIGINT_MAX)


async def get_tree_head(request: web.Request) -> web.Response:
    return web.json_response(await request.app[AUDIT_LOG].current())


async def get_inclusion(request: web.Request) -> web.Response:
    position = _required_int(request, "position", minimum=1)
    tree_size = (
        _required_int(request, "tree_size", minimum=1) if "tree_size" in request.query else None
    )
    return web.json_response(await request.app[AUDIT_LOG].inclusion(position, tree_size))


async def get_consistency(request: web.Request) -> web.Response:
    first = _required_int(request, "first", minimum=0)
    second = _required_int(request, "second", minimum=0)
    return web.json_response(await request.app[AUDIT_LOG].consistency(first, second))


async def post_cosignature(request: web.Request) -> web.Response:
    document = request_json(request)
    if not isinstance(document, dict):
        raise InvalidRecord("a cosignature is a JSON object")
    result = await request.app[AUDIT_LOG].cosign(request[ACTOR], request[EVIDENCE].kid, document)
    created = result.pop("created")
    return web.json_response(result, status=201 if created else 200)
