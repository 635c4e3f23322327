"""A minimal signed SSE reader for the feed tests: frames as they arrive, comments included."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import orjson
from yarl import URL

from hub.sdk.client import HubClient


@dataclasses.dataclass(frozen=True)
class Frame:
    id: int | None
    event: str | None
    data: dict[str, Any] | None
    comment: str | None


async def sse_frames(
    client: HubClient,
    session: aiohttp.ClientSession,
    *,
    after: int | None = None,
    last_event_id: int | None = None,
    params: Mapping[str, str] | None = None,
) -> AsyncIterator[Frame]:
    """Open /v1/feed/stream signed as `client`; yields every frame and comment until it ends."""
    query = dict(params or {})
    if after is not None:
        query["after"] = str(after)
    encoded = "&".join(f"{k}={v}" for k, v in query.items())
    path = "/v1/feed/stream" + (f"?{encoded}" if encoded else "")
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    signed = client.signed_headers("GET", path, None, headers)
    url = URL(client.base_url + path, encoded=True)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with session.get(url, headers=signed, timeout=timeout) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith(":"):
                yield Frame(None, None, None, line[1:].strip())
            elif line == "":
                if fields:
                    yield Frame(
                        int(fields["id"]),
                        fields.get("event"),
                        orjson.loads(fields["data"]),
                        None,
                    )
                    fields = {}
            else:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
