"""Cursor pull with an optional wait: answer at once if anything visible is there, else hold the
request until a commit wakes it, the wait runs out (an empty page) or its key is revoked."""

from __future__ import annotations

import asyncio
import dataclasses

from hub.domain.roles import Actor
from hub.feeds.pages import FeedQuery, Page, read_page
from hub.feeds.registry import OpenStream
from hub.feeds.service import Feeds

MAX_WAIT_S = 60


async def long_poll(
    feeds: Feeds, actor: Actor, query: FeedQuery, wait_s: float, stream: OpenStream
) -> Page:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        feeds.raise_if_closed(stream)
        page = await read_page(feeds.read_pool, actor, query)
        remaining = deadline - loop.time()
        if page.items or not page.exhausted or remaining <= 0 or stream.closed.is_set():
            feeds.raise_if_closed(stream)
            return page
        # Nothing visible up to page.next: wait for a commit beyond it, then read from there.
        query = dataclasses.replace(query, after=page.next)
        await feeds.wait_readable_beyond(page.next, remaining, abort=stream.closed)
