"""GET /reports: the published report as an HTML page, for operators and authorities.

A browser cannot sign requests, so the page sits outside /v1 and is served only to whoever
presents the reports token (`COMPLAINT_HUB_REPORTS_TOKEN`, as `?token=` or `Authorization:
Bearer`); without that setting the page does not exist. Its figures are the published grid's,
suppression included: nothing on it is more than any authority may already read.
"""

from __future__ import annotations

import hmac
import re

from aiohttp import web

from hub.clock import clock_of
from hub.domain.case import CHINA
from hub.problems import BadRequest, NotFound, Unauthorized
from hub.settings import SETTINGS
from hub.stats.report_page import ReportSpec, gather, render
from hub.stats.resources import STATS

_YEAR = re.compile(r"^(19|20)[0-9]{2}$")
_MONTH = re.compile(r"^(0?[1-9]|1[0-2])$")
_REGION = re.compile(r"^[0-9]{6}$")


def _check_token(request: web.Request) -> None:
    expected = request.app[SETTINGS].reports_token
    if expected is None:
        raise NotFound("the report page is not enabled on this hub")
    header = request.headers.get("Authorization", "")
    offered = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
    offered = offered or request.query.get("token", "")
    if not hmac.compare_digest(offered.encode(), expected.encode()):
        raise Unauthorized("reports-token", "the report page needs the reports token")


def _spec(request: web.Request) -> ReportSpec:
    query = request.query
    today = clock_of(request.app)().astimezone(CHINA).date()
    year_text = query.get("year", str(today.year))
    if not _YEAR.match(year_text):
        raise BadRequest("year is a four-digit year", parameter="year")
    month_text = query.get("month")
    if month_text is not None and not _MONTH.match(month_text):
        raise BadRequest("month is 1 to 12", parameter="month")
    region = query.get("region")
    if region is not None and not _REGION.match(region):
        raise BadRequest("region is a six-digit GB/T 2260 code", parameter="region")
    return ReportSpec(int(year_text), int(month_text) if month_text else None, region)


async def get_reports(request: web.Request) -> web.Response:
    _check_token(request)
    spec = _spec(request)
    service = request.app[STATS]
    page = render(spec, await gather(service, spec), service.threshold)
    response = web.Response(text=page, content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    return response
