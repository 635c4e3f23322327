"""GET /v1/stats: statistics on the published grid, within the reader's scope; JSON or CSV."""

from __future__ import annotations

import orjson
from aiohttp import web

from hub.clock import clock_of
from hub.domain.case import CHINA
from hub.domain.roles import actor_of
from hub.domain.stats_query import StatsQueryError, parse_query
from hub.domain.stats_scope import stats_scope
from hub.http.keys import ACTOR
from hub.problems import BadRequest, Forbidden
from hub.stats.render import result_csv, result_json
from hub.stats.resources import STATS

_PARAMETERS = frozenset({"group_by", "kind", "from", "to", "region", "format"})


def wants_csv(request: web.Request) -> bool:
    chosen = request.query.get("format")
    if chosen is not None:
        if chosen not in ("json", "csv"):
            raise BadRequest("format is json or csv", parameter="format")
        return chosen == "csv"
    return "text/csv" in request.headers.get("Accept", "")


async def get_stats(request: web.Request) -> web.Response:
    unknown = sorted(set(request.query) - _PARAMETERS)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0][:32]!r}", parameter=unknown[0][:32])
    csv_wanted = wants_csv(request)
    scope = stats_scope(actor_of(request[ACTOR]))
    today = clock_of(request.app)().astimezone(CHINA).date()
    try:
        query = parse_query(dict(request.query), scope, today)
    except StatsQueryError as err:
        if err.forbidden:
            raise Forbidden("stats-out-of-scope", err.detail, parameter=err.parameter) from err
        raise BadRequest(err.detail, parameter=err.parameter) from err
    result = await request.app[STATS].query(query, scope)
    if csv_wanted:
        return web.Response(text=result_csv(result), content_type="text/csv", charset="utf-8")
    return web.Response(body=orjson.dumps(result_json(result)), content_type="application/json")
