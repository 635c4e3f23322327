"""The database taken away under load: every refusal meanwhile is the one 503
`database-unavailable` with Retry-After, whichever step met the outage (the nonce claim, a key
look-up, group commit before or during COMMIT), never a 500 or a 503 of another type."""

from __future__ import annotations

import asyncio
import collections
import uuid
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import pytest

from hub.sdk.client import HubClient
from tests.conftest import example

pytestmark = [pytest.mark.slow, pytest.mark.chaos]

SENDERS = 32
OUTAGE_S = 2.0


async def test_every_refusal_while_the_database_is_away_says_database_unavailable_and_when(
    enrol: Any, server_url: str, database_url: str
) -> None:
    bureau: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    answers: collections.Counter[tuple[int, str, bool]] = collections.Counter()
    stopping = asyncio.Event()

    async def sender() -> None:
        while not stopping.is_set():
            filing = example(
                "complaint.filed",
                event_id=str(uuid.uuid4()),
                complaint_id=f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}",
            )
            try:
                response = await bureau.request("POST", "/v1/events", json=filing)
            except aiohttp.ClientError as error:
                answers[(0, type(error).__name__, False)] += 1
                continue
            problem = response.json()["type"].rsplit("/", 1)[1] if response.status >= 400 else ""
            answers[(response.status, problem, "Retry-After" in response.headers)] += 1

    async def accepted_at_least(count: int) -> None:
        async with asyncio.timeout(60):
            while answers[(201, "", False)] < count:  # noqa: ASYNC110 (the senders count)
                await asyncio.sleep(0.05)

    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(server_url)
    senders = [asyncio.create_task(sender()) for _ in range(SENDERS)]
    try:
        await accepted_at_least(100)
        # The outage: every connection of the hub's ended where it stood, and no new one allowed.
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        await asyncio.sleep(OUTAGE_S)
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        await accepted_at_least(answers[(201, "", False)] + 100)
    finally:
        stopping.set()
        await asyncio.gather(*senders)
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        await admin.close()

    refused = {answer: n for answer, n in answers.items() if answer[0] != 201}
    assert refused, "the outage refused nothing: it came too late to be met"
    assert set(refused) == {(503, "database-unavailable", True)}, refused
