"""Schemathesis against a real hub process: thousands of generated requests, every one signed.

The hub runs as a `complaint-hub serve` child on a database of its own, with a bureau and a
platform enrolled under real Ed25519 keys and a few complaints seeded (filed, accepted, routed,
acknowledged, with their personal parts) and two webhook subscriptions. Every operation of the
served /openapi.json is then driven with generated requests, valid and invalid ones, each signed
by a `requests` auth hook exactly as the SDK signs (`hub.crypto.httpsig.sign_request`), and every
response is checked: never a 5xx, and always a status, content type, headers and body that the
document describes.

Generated requests reach past the 404s: path parameters lean towards the seeded complaints and
subscriptions and the enrolled platform. Event and batch bodies are drawn from the served document
as it is (its event union has one branch per type); a drawn filing is often pointed at the hub's
state (a fresh id in the bureau's namespace, version 1, a region of its jurisdiction, the bureau
channel) with the rest of it as drawn, and some events and batches are replaced by valid filings
and notes built from schemas/examples, so complaints are created during the run, through both
POST /v1/events and POST /v1/batches, and counted at the end.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import random
import shutil
import tempfile
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hub.api.openapi import api_description, operations
from hub.crypto.httpsig import sign_request
from hub.crypto.keys import generate_private_key, public_key_raw
from hub.sdk.client import HubClient
from hub.store.migrate import migrate
from hub.store.participants import Participant, ParticipantStore
from tests.conftest import example
from tests.hubproc import hub_process

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]

BUREAU = ("bureau.hz", "bureau-fuzz", ("330100",))
PLATFORM = ("platform.taobao", "taobao-fuzz", "taobao")
SEEDED_COMPLAINTS = 6
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
# At least this many generated requests over the whole module (the last test checks it).
MINIMUM_REQUESTS = 5000
# Examples per operation: the ones with a body or parameters to vary get the most. An operation
# with nothing to vary (GET /healthz) is exhausted after a request or two whatever this says.
EXAMPLES = {"POST /v1/events": 700}
DEFAULT_EXAMPLES = 240
# How often a generated path parameter is replaced by one that exists.
EXISTING_BIAS = 0.7
# How often a drawn filing is pointed at the hub's state, and how often an event or a batch is
# replaced by valid ones from schemas/examples.
LANDING_BIAS = 0.7
EXAMPLE_BIAS = 0.2
# A region inside the fuzzing bureau's jurisdiction (330100, Hangzhou).
BUREAU_REGION = "330106"
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
# A long-poll may wait up to 30 s by design; a fuzzer has no use for the wait itself.
MAX_WAIT_S = 0

SENT: collections.Counter[str] = collections.Counter()


# -- the document ------------------------------------------------------------------------------


DOCUMENT = dict(api_description().document)
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [(method, path) for method, path, _ in operations(DOCUMENT)]


# -- signing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer(requests.auth.AuthBase):
    """Signs a prepared request (RFC 9421, Ed25519) over the bytes and URL actually sent."""

    kid: str
    key: Ed25519PrivateKey

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body
        if isinstance(body, str):
            body = body.encode()
            request.body = body
            request.headers["Content-Length"] = str(len(body))
        assert body is None or isinstance(body, bytes), type(body)
        assert request.method is not None
        assert request.url is not None
        request.headers.update(
            sign_request(
                request.method,
                request.url,
                {k: v if isinstance(v, str) else v.decode() for k, v in request.headers.items()},
                body or None,
                private_key=self.key,
                kid=self.kid,
            )
        )
        return request


# -- the hub under test ----------------------------------------------------------------------


@dataclass
class FuzzHub:
    url: str
    bureau: Signer
    platform: Signer
    complaints: list[str]
    subscriptions: list[str]
    platform_code: str
    statuses: collections.Counter[tuple[str, int]] = field(default_factory=collections.Counter)
    # Events accepted (201, alone or as a batch item) and complaints filed by them, by operation
    # and by where the event came from: "drawn" from the document, or an "example".
    accepted: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    filed: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    example_ids: set[str] = field(default_factory=set)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def _create_database(server_url: str, name: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    url = _with_database(server_url, name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return url


async def _drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


async def _enrol(database_url: str) -> tuple[Signer, Signer]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        store = ParticipantStore(pool)
        bureau_id, bureau_kid, regions = BUREAU
        platform_id, platform_kid, platform_code = PLATFORM
        await store.add(Participant(bureau_id, "Hangzhou AMR", "bureau", None, regions, None, True))
        await store.add(
            Participant(platform_id, "Taobao", "platform", platform_code, (), None, True)
        )
        signers = []
        for participant_id, kid in ((bureau_id, bureau_kid), (platform_id, platform_kid)):
            key = generate_private_key()
            await store.add_key(participant_id, kid, public_key_raw(key.public_key()))
            signers.append(Signer(kid, key))
        return signers[0], signers[1]
    finally:
        await pool.close()


def _event(event_type: str, complaint_id: str, version: int) -> dict[str, Any]:
    return example(
        event_type, event_id=str(uuid.uuid4()), complaint_id=complaint_id, version=version
    )


async def _seed(url: str, bureau: Signer, platform: Signer) -> tuple[list[str], list[str]]:
    """Complaints at several stages, each with its personal part, and two subscriptions."""
    complaints: list[str] = []
    async with (
        HubClient(url, bureau.kid, bureau.key) as as_bureau,
        HubClient(url, platform.kid, platform.key) as as_platform,
    ):
        path = ["complaint.filed", "complaint.accepted", "complaint.routed"]
        personal = json.loads((SCHEMAS / "examples" / "personal.json").read_text())
        for index in range(SEEDED_COMPLAINTS):
            complaint_id = f"bureau.hz:FZ-{uuid.uuid4().hex[:10].upper()}"
            for version, event_type in enumerate(path[: 1 + index % 3], start=1):
                body = _event(event_type, complaint_id, version)
                if event_type == "complaint.accepted":
                    # The hub takes only a registered bureau as the handling one: this one.
                    body["data"] = {**body["data"], "handling_bureau": BUREAU[0]}
                await as_bureau.call("POST", "/v1/events", json=body)
            await as_bureau.call("PUT", f"/v1/complaints/{complaint_id}/personal", json=personal)
            if index % 3 == 2:
                acknowledged = _event("complaint.acknowledged", complaint_id, 4)
                await as_platform.call("POST", "/v1/events", json=acknowledged)
            complaints.append(complaint_id)
        subscriptions = []
        for _ in range(2):
            created = await as_bureau.call(
                "POST", "/v1/subscriptions", json={"url": "https://127.0.0.1:9/hook"}
            )
            subscriptions.append(str(created["id"]))
    return complaints, subscriptions


@pytest.fixture(scope="module")
def fuzz_hub(server_url: str) -> Iterator[FuzzHub]:
    name = "fuzz_" + uuid.uuid4().hex[:12]
    database_url = asyncio.run(_create_database(server_url, name))
    data_dir = Path(tempfile.mkdtemp(prefix="chfz", dir="/tmp"))
    try:
        bureau, platform = asyncio.run(_enrol(database_url))
        env = {
            "COMPLAINT_HUB_DATABASE_URL": database_url,
            "COMPLAINT_HUB_DATA_DIR": str(data_dir),
            "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
            "COMPLAINT_HUB_WEBHOOK_ALLOW_PRIVATE": "true",
        }
        with hub_process(env, data_dir / "hub.log") as url:
            served = json.loads(urllib.request.urlopen(url + "/openapi.json", timeout=10).read())
            assert served == DOCUMENT, "the hub serves another document than the one fuzzed"
            complaints, subscriptions = asyncio.run(_seed(url, bureau, platform))
            hub = FuzzHub(url, bureau, platform, complaints, subscriptions, PLATFORM[2])
            yield hub
    finally:
        asyncio.run(_drop_database(server_url, name))
        shutil.rmtree(data_dir, ignore_errors=True)


# -- steering generated cases towards what exists -------------------------------------------


def _filing_id() -> str:
    return f"bureau.hz:FZ-{uuid.uuid4().hex[:10].upper()}"


def _landed(event: Any) -> Any:
    """A drawn filing pointed at the hub's state: a fresh id in the bureau's namespace at
    version 1, on the bureau channel in a region of its jurisdiction. The rest stays as drawn;
    any other event is left as it is."""
    if not isinstance(event, dict) or event.get("type") != "complaint.filed":
        return event
    if not isinstance(event.get("data"), dict):
        return event
    data = {**event["data"], "channel": "bureau", "region": BUREAU_REGION}
    return {
        **event,
        "event_id": str(uuid.uuid4()),
        "complaint_id": _filing_id(),
        "version": 1,
        "data": data,
    }


def _examples(hub: FuzzHub, rng: random.Random, *, most: int) -> list[dict[str, Any]]:
    """At most `most` valid events from schemas/examples, remembered as such: a filing and
    perhaps a note on it, or a note on a seeded complaint at a version it may not have reached."""
    if rng.random() < 0.5:
        filed_id = _filing_id()
        events = [_event("complaint.filed", filed_id, 1)]
        if most > 1 and rng.random() < 0.5:
            events.append(_event("case.note_added", filed_id, 2))
    else:
        events = [_event("case.note_added", rng.choice(hub.complaints), rng.randint(2, 12))]
    hub.example_ids.update(event["event_id"] for event in events)
    return events


def _steer_events(case: Case[Any], hub: FuzzHub, rng: random.Random) -> bool:
    """Steer the body of POST /v1/events or /v1/batches; True when the bureau must sign it."""
    body = case.body
    if case.operation.label == "POST /v1/events" and isinstance(body, dict):
        if rng.random() < EXAMPLE_BIAS:
            (case.body,) = _examples(hub, rng, most=1)
            return True
        if body.get("type") == "complaint.filed" and rng.random() < LANDING_BIAS:
            case.body = _landed(body)
            return True
    if case.operation.label == "POST /v1/batches" and isinstance(body, dict):
        events = body.get("events")
        if not isinstance(events, list):
            return False
        steered = False
        if rng.random() < LANDING_BIAS:
            events[:] = [_landed(event) for event in events]
            steered = True
        if rng.random() < EXAMPLE_BIAS:
            at = rng.randint(0, len(events))
            events[at:at] = _examples(hub, rng, most=2)
            steered = True
        return steered
    return False


def _steer(case: Case[Any], hub: FuzzHub, rng: random.Random) -> Signer:
    """Point some path parameters at what exists, keep long-polls short, point drawn filings at
    the hub's state and sometimes send valid events besides; returns the participant to sign
    as."""
    params = case.path_parameters or {}
    if "complaint_id" in params and rng.random() < EXISTING_BIAS:
        # Erasing the personal part is final: keep half of the seeded complaints out of its way.
        pool = (
            hub.complaints[len(hub.complaints) // 2 :]
            if case.method == "DELETE"
            else hub.complaints
        )
        params["complaint_id"] = rng.choice(pool)
    if "subscription_id" in params and rng.random() < EXISTING_BIAS:
        params["subscription_id"] = rng.choice(hub.subscriptions)
    if "name" in params and rng.random() < EXISTING_BIAS:
        folder = SCHEMAS / "examples" if "/examples/" in case.path else SCHEMAS
        params["name"] = rng.choice(sorted(path.name for path in folder.glob("*.json")))
    if "platform" in params and rng.random() < EXISTING_BIAS:
        params["platform"] = hub.platform_code
    query = case.query if isinstance(case.query, dict) else None
    if query is not None and isinstance(query.get("wait"), int) and query["wait"] > MAX_WAIT_S:
        query["wait"] = MAX_WAIT_S
    if _steer_events(case, hub, rng):
        return hub.bureau
    if case.path.startswith("/v1/platforms/"):
        return hub.platform
    return hub.bureau if rng.random() < 0.75 else hub.platform


def _count_accepted(case: Case[Any], response: requests.Response, hub: FuzzHub) -> None:
    """Count the events the hub accepted and the complaints they filed, by their origin."""
    accepted: list[dict[str, Any]] = []
    if case.operation.label == "POST /v1/events" and response.status_code == 201:
        accepted.append(case.body)
    if case.operation.label == "POST /v1/batches" and response.status_code == 200:
        events = case.body["events"]
        accepted += [
            events[item["index"]]
            for item in response.json()["items"]
            if item["outcome"] == "accepted"
        ]
    for event in accepted:
        key = (case.operation.label, "example" if event["event_id"] in hub.example_ids else "drawn")
        hub.accepted[key] += 1
        if event["type"] == "complaint.filed":
            hub.filed[key] += 1


# -- the run ----------------------------------------------------------------------------------


def _strategy(method: str, path: str) -> Any:
    operation = SCHEMA[path][method]
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    negative = operation.as_strategy(GenerationMode.NEGATIVE)
    return positive | negative


def _is_stream(method: str, path: str) -> bool:
    return (method, path) == ("GET", "/v1/feed/stream")


def _call(case: Case[Any], hub: FuzzHub, signer: Signer, session: requests.Session) -> Any:
    return case.call(base_url=hub.url, session=session, auth=signer, timeout=30)


def _open_stream(case: Case[Any], hub: FuzzHub, signer: Signer, session: requests.Session) -> int:
    """An SSE stream never ends, and schemathesis reads a response to its end: open it with
    requests itself, check what it answers, then hang up. Its refusals are problems."""
    kwargs = case.as_transport_kwargs(base_url=hub.url)
    kwargs.pop("auth", None)
    with session.request(**kwargs, auth=signer, stream=True, timeout=10) as response:
        content_type = response.headers.get("Content-Type", "")
        assert response.status_code < 500, (response.status_code, kwargs)
        if response.status_code == 200:
            assert content_type.startswith("text/event-stream"), content_type
        else:
            assert content_type.startswith("application/problem+json"), content_type
        return response.status_code


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_generated_requests_get_no_5xx_and_documented_responses(
    fuzz_hub: FuzzHub, method: str, path: str
) -> None:
    label = f"{method} {path}"
    rng = random.Random(label)
    session = requests.Session()

    @settings(
        max_examples=EXAMPLES.get(label, DEFAULT_EXAMPLES),
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(method, path))
    def run(case: Case[Any]) -> None:
        signer = _steer(case, fuzz_hub, rng)
        SENT[label] += 1
        if _is_stream(method, path):
            fuzz_hub.statuses[(label, _open_stream(case, fuzz_hub, signer, session))] += 1
            return
        response = _call(case, fuzz_hub, signer, session)
        fuzz_hub.statuses[(label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)
        _count_accepted(case, response, fuzz_hub)

    with contextlib.closing(session):
        run()


def test_the_run_sent_enough_requests_and_reached_the_deep_operations(
    fuzz_hub: FuzzHub, capsys: pytest.CaptureFixture[str]
) -> None:
    if set(SENT) != {f"{m} {p}" for m, p in OPERATIONS}:
        pytest.skip("only part of the fuzz run was selected")
    by_operation: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    for (label, status), count in fuzz_hub.statuses.items():
        by_operation[label][status] += count
    with capsys.disabled():
        print(f"\nfuzz: {sum(SENT.values())} signed requests over {len(SENT)} operations")
        for label in sorted(by_operation):
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(by_operation[label].items()))
            print(f"  {label}: {statuses}")
    accepted, filed = fuzz_hub.accepted, fuzz_hub.filed
    drawn = sum(n for (_, origin), n in accepted.items() if origin == "drawn")
    drawn_filed = sum(n for (_, origin), n in filed.items() if origin == "drawn")
    with capsys.disabled():
        print(
            f"fuzz: {accepted.total()} events accepted, {filed.total()} complaints created"
            f" ({drawn} events and {drawn_filed} complaints drawn from the document)"
        )
        for label in ("POST /v1/events", "POST /v1/batches"):
            counts = ", ".join(
                f"{origin}: {accepted[label, origin]} accepted, {filed[label, origin]} filed"
                for origin in ("drawn", "example")
            )
            print(f"  {label}: {counts}")
    assert sum(SENT.values()) >= MINIMUM_REQUESTS
    # The write path was reached: events accepted through both operations, complaints created,
    # and bodies drawn from the document among them, not only the examples.
    for label in ("POST /v1/events", "POST /v1/batches"):
        assert accepted[label, "drawn"] + accepted[label, "example"] > 0, (label, accepted)
    assert filed.total() > 0, filed
    assert drawn > 0, accepted
    assert drawn_filed > 0, filed
    # Deep operations answered with success, not only 404s: the steering reached real records.
    for label in (
        "POST /v1/events",
        "GET /v1/complaints/{complaint_id}",
        "GET /v1/complaints/{complaint_id}/events",
        "GET /v1/complaints/{complaint_id}/personal",
        "GET /v1/subscriptions/{subscription_id}",
    ):
        successes = sum(n for status, n in by_operation[label].items() if 200 <= status < 300)
        assert successes > 0, (label, dict(by_operation[label]))
