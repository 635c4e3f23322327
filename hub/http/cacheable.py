"""Responses for documents that change only with a release: a strong ETag and revalidation."""

from __future__ import annotations

from aiohttp import web


def respond_cacheable(
    request: web.Request,
    body: bytes,
    content_type: str,
    etag: str,
    cache_control: str,
    charset: str | None = None,
) -> web.Response:
    """The body with its ETag, or 304 when the client already holds this version."""
    if any(tag.value in (etag, "*") for tag in request.if_none_match or ()):
        response = web.Response(status=304)
    else:
        response = web.Response(body=body, content_type=content_type, charset=charset)
    response.etag = etag
    response.headers["Cache-Control"] = cache_control
    return response
