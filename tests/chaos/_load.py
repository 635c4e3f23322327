"""Writers that keep sending signed events through faults, and the ledger that checks them.

A writer owns one complaint: it files it and then appends notes, one version after the other.
Each event keeps its `event_id` across retries; a retry follows any failure (connection lost,
timeout, 5xx) until the hub acknowledges the event with a receipt or the run's deadline passes.
What was acknowledged is then checked against the database: stored exactly once (not lost, not
duplicated), and a further retry of the same `event_id` gets the very same receipt.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.crypto.keys import generate_private_key, public_key_raw
from hub.sdk.client import HubClient
from hub.store.participants import Participant, ParticipantStore
from tests.conftest import example
from tests.hubproc import REPO, free_port, wait_ready

BUREAU_ID = "bureau.hz"
BUREAU_KID = "bureau-chaos"
# A request that meets a dead process or a stopped database is retried after this pause.
RETRY_PAUSE_S = 0.05
REQUEST_TIMEOUT_S = 15


@dataclass
class Ledger:
    """What the writers sent and what the hub acknowledged, by event_id."""

    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    receipts: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    retries_answered_200: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    def fail(self, reason: str) -> None:
        self.failures[reason] = self.failures.get(reason, 0) + 1


@dataclass(frozen=True)
class Tally:
    sent: int
    acknowledged: int
    stored: int
    duplicated: int
    lost: int
    receipts_changed: int

    def line(self, name: str) -> str:
        return (
            f"chaos {name}: sent={self.sent} acknowledged={self.acknowledged} "
            f"stored={self.stored} duplicated={self.duplicated} lost={self.lost} "
            f"receipts_changed={self.receipts_changed}"
        )


async def enrol_bureau(database_url: str) -> Ed25519PrivateKey:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        store = ParticipantStore(pool)
        await store.add(
            Participant(BUREAU_ID, "Hangzhou AMR", "bureau", None, ("330100",), None, True)
        )
        key = generate_private_key()
        await store.add_key(BUREAU_ID, BUREAU_KID, public_key_raw(key.public_key()))
        return key
    finally:
        await pool.close()


def _event(event_type: str, complaint_id: str, version: int) -> dict[str, Any]:
    return example(
        event_type, event_id=str(uuid.uuid4()), complaint_id=complaint_id, version=version
    )


async def _deliver(
    clients: Sequence[HubClient], event: dict[str, Any], ledger: Ledger, deadline: float
) -> bool:
    """Send `event` until acknowledged, turning to the next hub after each failure."""
    loop = asyncio.get_running_loop()
    ledger.sent[event["event_id"]] = event
    for attempt in itertools.count():
        if loop.time() > deadline:
            return False
        client = clients[attempt % len(clients)]
        ledger.attempts += 1
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                response = await client.request("POST", "/v1/events", json=event)
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            ledger.fail(type(error).__name__)
            await asyncio.sleep(RETRY_PAUSE_S)
            continue
        if response.status in (200, 201):
            if response.status == 200:
                ledger.retries_answered_200 += 1
            ledger.receipts[event["event_id"]] = response.json()["receipt"]
            return True
        if response.status >= 500:
            ledger.fail(f"http {response.status}")
            await asyncio.sleep(RETRY_PAUSE_S)
            continue
        raise AssertionError(f"refused {event['type']} v{event['version']}: {response.body!r}")
    raise AssertionError("unreachable")


async def writer(
    clients: Sequence[HubClient], ledger: Ledger, deadline: float, events: int
) -> None:
    """File one complaint and append notes to it, each acknowledged before the next."""
    complaint_id = f"{BUREAU_ID}:CH-{uuid.uuid4().hex[:12].upper()}"
    if not await _deliver(clients, _event("complaint.filed", complaint_id, 1), ledger, deadline):
        return
    for version in range(2, events + 1):
        note = _event("case.note_added", complaint_id, version)
        if not await _deliver(clients, note, ledger, deadline):
            return


async def tally(database_url: str, ledger: Ledger, clients: Sequence[HubClient]) -> Tally:
    """Compare what was acknowledged with what is stored, and retry every acknowledged event."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT event_id::text AS event_id, count(*) AS n FROM events"
            " WHERE event_id::text = ANY($1::text[]) GROUP BY event_id",
            list(ledger.sent),
        )
    finally:
        await conn.close()
    stored = {row["event_id"]: row["n"] for row in rows}
    acknowledged = set(ledger.receipts)
    changed = 0
    for event_id in acknowledged:
        again = await clients[0].request("POST", "/v1/events", json=ledger.sent[event_id])
        assert again.status == 200, (event_id, again.status, again.body)
        if again.json()["receipt"] != ledger.receipts[event_id]:
            changed += 1
    return Tally(
        sent=len(ledger.sent),
        acknowledged=len(acknowledged),
        stored=sum(1 for event_id in ledger.sent if stored.get(event_id)),
        duplicated=sum(n - 1 for n in stored.values() if n > 1),
        lost=sum(1 for event_id in acknowledged if not stored.get(event_id)),
        receipts_changed=changed,
    )


# -- hub processes that a test may kill --------------------------------------------------------


@dataclass
class HubProcess:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """kill -9: no draining, no cleanup, connections cut mid-request."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@contextlib.contextmanager
def hub_processes(env: Mapping[str, str], logs: Sequence[Path]) -> Iterator[list[HubProcess]]:
    """`complaint-hub serve` children, one per log path; whatever still runs is stopped after."""
    hubs: list[HubProcess] = []
    try:
        for log_path in logs:
            port = free_port()
            child_env = {
                **os.environ,
                **env,
                "COMPLAINT_HUB_PORT": str(port),
                "COMPLAINT_HUB_HOST": "127.0.0.1",
                "PYTHONPATH": str(REPO),
            }
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "hub.cli", "serve"],
                    env=child_env,
                    stdout=log,
                    stderr=log,
                    cwd=REPO,
                )
            hubs.append(HubProcess(f"http://127.0.0.1:{port}", process, log_path))
        for hub in hubs:
            wait_ready(hub.url)
        yield hubs
    finally:
        for hub in hubs:
            if hub.process.poll() is None:
                hub.process.send_signal(signal.SIGTERM)
                try:
                    hub.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    hub.process.kill()
                    hub.process.wait()
