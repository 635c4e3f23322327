"""GET /openapi.json: the OpenAPI 3.1 description of every route, kept in openapi.json beside this.

The document is maintained by hand (tests/api/test_openapi.py fails when a route of the app is
missing from it or it names one the app lacks). Bodies refer to the served JSON Schemas by `$id`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from hub.http.cacheable import respond_cacheable

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
# Changes only with a release; short enough that a deploy shows up within minutes.
CACHE_CONTROL = "public, max-age=300"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class ApiDescription:
    document: Mapping[str, Any]
    body: bytes
    etag: str


@functools.cache
def api_description() -> ApiDescription:
    body = DOCUMENT_PATH.read_bytes()
    return ApiDescription(
        document=json.loads(body),
        body=body,
        etag=hashlib.sha256(body).hexdigest()[:32],
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
