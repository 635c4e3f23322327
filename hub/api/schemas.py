"""GET /schemas/...: the JSON Schemas of schemas/ and their examples, public and cacheable.

Every schema's `$id` is https://complaint-hub.org/schemas/<name>, so a client that fetches them
from here resolves their relative `$ref`s exactly as the hub's own validator does.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from aiohttp import web

from hub.http.cacheable import respond_cacheable
from hub.problems import NotFound
from hub.records.validate import SCHEMA_BASE, schema_path

SCHEMA_CONTENT_TYPE = "application/schema+json"
EXAMPLE_CONTENT_TYPE = "application/json"
# Schemas change only with a release; an hour keeps clients fresh enough after one.
CACHE_CONTROL = "public, max-age=3600"


@dataclass(frozen=True, slots=True)
class ServedFile:
    name: str
    body: bytes
    content_type: str
    etag: str


@dataclass(frozen=True, slots=True)
class Catalogue:
    schemas: Mapping[str, ServedFile]
    examples: Mapping[str, ServedFile]


def _files(directory: Path, content_type: str) -> Mapping[str, ServedFile]:
    """The *.json files directly inside `directory`, each resolved and checked to lie inside it.

    A symlink that leads out of the directory is not served. Requests look names up in this
    mapping, so no part of a request path ever reaches the file system.
    """
    root = directory.resolve()
    files: dict[str, ServedFile] = {}
    for path in sorted(root.glob("*.json")):
        resolved = path.resolve()
        if resolved.parent != root or not resolved.is_file():
            continue
        body = resolved.read_bytes()
        etag = hashlib.sha256(body).hexdigest()[:32]
        files[path.name] = ServedFile(path.name, body, content_type, etag)
    return MappingProxyType(files)


@functools.cache
def catalogue() -> Catalogue:
    """Read once: the files ship with the release and never change while it runs."""
    root = schema_path()
    return Catalogue(
        schemas=_files(root, SCHEMA_CONTENT_TYPE),
        examples=_files(root / "examples", EXAMPLE_CONTENT_TYPE),
    )


def _lookup(files: Mapping[str, ServedFile], name: str, where: str) -> ServedFile:
    served = files.get(name)
    if served is None:
        raise NotFound(f"no file {name!r} under {where}; GET /schemas/ lists them")
    return served


def _serve(request: web.Request, served: ServedFile) -> web.Response:
    return respond_cacheable(request, served.body, served.content_type, served.etag, CACHE_CONTROL)


async def get_schema(request: web.Request) -> web.Response:
    served = _lookup(catalogue().schemas, request.match_info["name"], "/schemas/")
    return _serve(request, served)


async def get_example(request: web.Request) -> web.Response:
    served = _lookup(catalogue().examples, request.match_info["name"], "/schemas/examples/")
    return _serve(request, served)


async def list_schemas(request: web.Request) -> web.Response:
    files = catalogue()
    document = {
        "schemas": [
            {
                "name": name,
                "href": f"/schemas/{name}",
                "id": SCHEMA_BASE + name,
                "etag": f'"{served.etag}"',
            }
            for name, served in files.schemas.items()
        ],
        "examples": [
            {"name": name, "href": f"/schemas/examples/{name}", "etag": f'"{served.etag}"'}
            for name, served in files.examples.items()
        ],
    }
    response = web.json_response(document)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
