"""Requests aiohttp cannot parse (a line too long, a bad request line, an invalid header) are
answered before any middleware runs; here they are answered as problems too, like every other
refusal, instead of aiohttp's plain-text page."""

from __future__ import annotations

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from hub.problems import PROBLEM_BASE


def malformed_detail(exc: BaseException | None) -> str:
    if isinstance(exc, LineTooLong):
        limit = exc.args[1] if len(exc.args) > 1 else "the limit of"
        return (
            f"a line of the request (its target URL or a header) is longer than {limit} bytes;"
            " send a shorter URL (page with the cursor the hub returns) or header"
        )
    if isinstance(exc, HttpProcessingError):
        return f"the request is not valid HTTP/1.1: {exc.message}"
    return "the request could not be read"


class ProblemRequestHandler(RequestHandler):
    """aiohttp's connection handler, with its answer to unparsable requests as a problem."""

    __slots__ = ()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500 or request.writer.output_size > 0:
            return super().handle_error(request, status, exc, message)
        problem = {
            "type": PROBLEM_BASE + "malformed-request",
            "title": "Malformed request",
            "status": status,
            "detail": malformed_detail(exc),
        }
        response = web.Response(
            status=status, body=orjson.dumps(problem), content_type="application/problem+json"
        )
        response.force_close()
        return response
