"""The database lost under an append: the same 503 `database-unavailable`, with Retry-After, from
group commit and from a batch, whether the connection went before COMMIT (nothing stored) or
during it (outcome unknown, said so); and the same event_id sent again is then safe."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest

from hub.sdk.client import HubClient, Response
from hub.store.events import lock_key
from tests.conftest import example

PROBLEM = "application/problem+json"
# An advisory-lock key far from the hub's own (theirs are hashes of case and event ids).
AT_COMMIT_KEY = 4242

# A deferred trigger on the feed counter row, which every append updates: it waits for the test's
# advisory lock at COMMIT, so the test can end the connection in the middle of the COMMIT.
_WAIT_AT_COMMIT = f"""
CREATE FUNCTION wait_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({AT_COMMIT_KEY});
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER wait_at_commit AFTER UPDATE ON feed_counter
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wait_at_commit();
"""


def _filing() -> dict[str, Any]:
    return example(
        "complaint.filed",
        event_id=str(uuid.uuid4()),
        complaint_id=f"bureau.hz:HZ12315-{uuid.uuid4().hex[:16]}",
    )


@pytest.fixture
async def bureau(enrol: Any) -> HubClient:
    client: HubClient = await enrol("bureau.hz", "bureau", regions=("330100",))
    return client


# Each case is met by a single event (group commit) and by a batch of three.
SENT = pytest.mark.parametrize("count", [1, 3], ids=["event", "batch"])


async def _request(bureau: HubClient, filings: list[dict[str, Any]]) -> Response:
    if len(filings) == 1:
        return await bureau.request("POST", "/v1/events", json=filings[0])
    return await bureau.request("POST", "/v1/batches", json={"events": filings})


async def _send(bureau: HubClient, filings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The filings sent again, as a client following the answer would: their receipts checked."""
    if len(filings) == 1:
        return [await bureau.post_event(filings[0])]
    return await bureau.send_batch(filings)


async def _terminate_the_waiting_append(db: asyncpg.Connection, statement: str) -> None:
    """End the backend of the hub's append once it waits for a lock in `statement`."""
    async with asyncio.timeout(10):
        while True:
            pid = await db.fetchval(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND wait_event_type = 'Lock' AND query LIKE $1",
                f"%{statement}%",
            )
            if pid is not None:
                break
            await asyncio.sleep(0.02)
    assert await db.fetchval("SELECT pg_terminate_backend($1)", pid)


def _database_unavailable(response: Response) -> str:
    """The detail of the one answer to a lost database, checked for its type and Retry-After."""
    assert response.status == 503, response.body[:300]
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert int(response.headers["Retry-After"]) > 0
    problem = response.json()
    assert problem["type"].endswith("/database-unavailable"), problem
    detail: str = problem["detail"]
    return detail


@SENT
async def test_an_append_whose_connection_is_lost_before_commit_is_told_to_retry_after(
    count: int, bureau: HubClient, db: asyncpg.Connection
) -> None:
    filings = [_filing() for _ in range(count)]
    # The append waits for this case's lock, held here, until its connection is ended.
    await db.execute("SELECT pg_advisory_lock($1)", lock_key("case", filings[-1]["complaint_id"]))
    sending = asyncio.create_task(_request(bureau, filings))
    await _terminate_the_waiting_append(db, "pg_advisory_xact_lock")

    assert "nothing was stored" in _database_unavailable(await sending)
    assert await db.fetchval("SELECT count(*) FROM events") == 0

    await db.execute("SELECT pg_advisory_unlock_all()")
    sent = await _send(bureau, filings)
    assert [item["position"] for item in sent] == list(range(1, count + 1))


@SENT
async def test_an_append_whose_connection_is_lost_at_commit_is_told_the_outcome_is_unknown(
    count: int, bureau: HubClient, db: asyncpg.Connection
) -> None:
    filings = [_filing() for _ in range(count)]
    await db.execute(_WAIT_AT_COMMIT)
    await db.execute("SELECT pg_advisory_lock($1)", AT_COMMIT_KEY)
    sending = asyncio.create_task(_request(bureau, filings))
    await _terminate_the_waiting_append(db, "COMMIT")

    detail = _database_unavailable(await sending)
    assert "may or may not have been stored" in detail
    assert "same event_id" in detail

    await db.execute("DROP TRIGGER wait_at_commit ON feed_counter")
    await db.execute("SELECT pg_advisory_unlock_all()")
    # The retry the answer promised is safe: stored once, whichever way the COMMIT went.
    first = await _send(bureau, filings)
    again = await _send(bureau, filings)
    assert [item["receipt"] for item in again] == [item["receipt"] for item in first]
    assert await db.fetchval("SELECT count(*) FROM events") == count
