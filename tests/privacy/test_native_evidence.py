"""A platform's native message names its buyer: the hub keeps it as evidence only sealed under a
key that the complaint's erasure destroys. Before erasure those holding the key re-verify the
platform's signature; after `retention run` every receipt and the audit log still verify, and no
table, response or log line ever held the buyer's nick, name, phone or address in the clear."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import orjson
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from structlog.testing import capture_logs

from hub.audit.checks import check_evidence_signature
from hub.audit.records import LoggedEvidence
from hub.crypto._b64 import b64url_decode
from hub.crypto.jcs import canonical_json
from hub.platforms.resources import ADAPTERS, PLATFORM_INGEST
from hub.privacy.keyfile import MasterKeys, load_master_keys, write_master_keys
from hub.retention.run import run_retention
from hub.sdk.client import HubClient
from hub.services.audit_log import AUDIT_LOG
from hub.settings import Settings
from hub.store.evidence import Evidence, EvidenceSeals
from hub.store.resources import POOL
from hub.store.retention import RetentionStore
from hub.supervisor import SUPERVISOR
from hub.trust.resources import PARTICIPANTS
from hub.vault.native_evidence import open_evidence, sealed_digest
from hub.vault.resources import EVIDENCE_REWRAP, MASTER_KEYS
from tests.api._lifecycle import event
from tests.clocks import MovableClock, app_on_clock
from tests.conftest import EXAMPLES
from tests.hubproc import run_hub_cli
from tests.platforms._sync import routed_case

NOW = datetime.now(UTC)
FOUR_YEARS_AGO = (NOW - timedelta(days=4 * 365 + 1)).replace(microsecond=0)
SHANGHAI = ZoneInfo("Asia/Shanghai")

# A buyer as Taobao's and JD's messages name one (adapters/*/fixtures): every value must stay
# sealed. The phone number is a test number no real subscriber holds.
BUYER_NICK = "英伦风格9848"
RECEIVER_NAME = "张晓燕"
RECEIVER_PHONE = "13912345678"
RECEIVER_ADDRESS = "浙江省杭州市西湖区文三路478号华星时代广场B座"
QUESTION = f"屏幕有坏点，联系电话{RECEIVER_PHONE}，收件人{RECEIVER_NAME}"
PERSONAL: dict[str, Any] = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))
SECRETS = (BUYER_NICK, RECEIVER_NAME, RECEIVER_PHONE, RECEIVER_ADDRESS)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(FOUR_YEARS_AGO)


@pytest.fixture
async def app(settings: Settings, clock: MovableClock) -> web.Application:
    return app_on_clock(settings, clock)


def _native_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def taobao_refund(moment: datetime) -> dict[str, Any]:
    """A TMC refund message (adapters/taobao/fixtures/real_tmc_refund_created) with its buyer."""
    content = {
        "buyer_nick": BUYER_NICK,
        "refund_id": 3290848379609938,
        "refund_fee": "59.78",
        "oid": 54973839805603899,
        "tid": 54973839805603899,
        "refund_phase": "onsale",
        "bill_type": "return_bill",
        "seller_nick": "流行色彩坐标",
        "receiver_name": RECEIVER_NAME,
        "receiver_mobile": RECEIVER_PHONE,
        "receiver_address": RECEIVER_ADDRESS,
        "modified": _native_time(moment),
    }
    return {"topic": "taobao_refund_RefundCreated", "content": orjson.dumps(content).decode()}


def jd_service(moment: datetime) -> dict[str, Any]:
    """An after-sales service at step 10 (adapters/jd/fixtures/step_10): free text and contact."""
    return {
        "afsServiceId": 1234567890,
        "afsApplyId": 987654321,
        "orderId": 6932458127345678901,
        "wareId": 100012043978,
        "customerExpect": 10,
        "afsServiceStep": 10,
        "suggestAmount": "299.00",
        "afsApplyTime": _native_time(moment),
        "questionDesc": QUESTION,
        "customerContactName": RECEIVER_NAME,
        "customerMobilePhone": RECEIVER_PHONE,
        "pickwareAddress": RECEIVER_ADDRESS,
    }


PUSHES: dict[str, Callable[[datetime], dict[str, Any]]] = {
    "taobao": taobao_refund,
    "jd": jd_service,
}


async def _database_text(db: asyncpg.Connection) -> str:
    """Every row of every table as text, bytea decoded too: where a buyer's data could hide."""
    tables = await db.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    parts = []
    for table in tables:
        rows = await db.fetch(f'SELECT t::text AS row FROM "{table["tablename"]}" t')
        parts.extend(r["row"] for r in rows)
    text = "\n".join(parts)
    decoded = [
        bytes.fromhex(found[: len(found) // 2 * 2]).decode("utf-8", errors="ignore")
        for found in re.findall(r"\\x([0-9a-f]+)", text)
    ]
    # JSON text may hold non-ASCII characters as \\u escapes: read those too.
    escaped = [json.loads(f'"{found}"') for found in re.findall(r"(?:\\\\u[0-9a-fA-F]{4})+", text)]
    return "\n".join([text, *decoded, *escaped])


def _document(evidence: LoggedEvidence) -> dict[str, object]:
    """The digest document of hub.store.evidence, as a reader outside the hub rebuilds it."""
    return {
        "body_sha256": hashlib.sha256(evidence.body).hexdigest(),
        "covered": evidence.covered,
        "kid": evidence.kid,
        "sender": evidence.sender,
        "signature": evidence.signature,
        "signature_input": evidence.signature_input,
    }


def _assert_nothing_personal(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} found in {where}"


async def _public_key(db: asyncpg.Connection, kid: str) -> Ed25519PublicKey:
    raw = await db.fetchval("SELECT public_key FROM participant_keys WHERE kid = $1", kid)
    return Ed25519PublicKey.from_public_bytes(bytes(raw))


@pytest.mark.parametrize("platform", sorted(PUSHES))
async def test_a_native_push_keeps_its_buyer_sealed_and_erasure_leaves_it_all_verifiable(
    platform: str,
    app: web.Application,
    enrol: Any,
    clock: MovableClock,
    settings: Settings,
    db: asyncpg.Connection,
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    native: HubClient = await enrol(f"platform.{platform}", "platform", platform=platform)
    operator = await enrol("operator.hub", "operator")
    complaint_id = await routed_case(bureau, platform, "312345678901", 5978)
    message = PUSHES[platform](clock.now)

    with capture_logs() as logs:
        pushed = await native.request(
            "POST",
            f"/v1/platforms/{platform}/inbound",
            json=message,
            params={"complaint_id": complaint_id},
        )
    assert pushed.status == 201, pushed.body
    receipt = await native.verify_receipt(pushed.json()["results"][0]["receipt"])
    assert receipt["complaint_id"] == complaint_id
    # (1) Not in the logs the push wrote, nor in any table.
    assert any(line.get("event") == "native_record_ingested" for line in logs)
    _assert_nothing_personal("the logs", repr(logs))
    _assert_nothing_personal("the database", await _database_text(db))

    # ... nor in the chain as a reader not entitled to the personal part reads it (an operator):
    # the evidence is there, marked sealed, and names its sender.
    response = await operator.request("GET", f"/v1/complaints/{complaint_id}/events")
    assert response.status == 200, response.body
    _assert_nothing_personal("the chain an operator reads", response.body.decode())
    hidden = response.json()["events"][3]["evidence"]
    assert (hidden["sender"], hidden["sealed"], hidden["body"], hidden["signature"]) == (
        f"platform.{platform}",
        True,
        "",
        "",
    )
    assert not any(k.startswith('"content-digest"') for k in hidden["covered"])

    # (2) Kept sealed under a key of the complaint's: the handling bureau and the platform (who
    # may read the personal part) get it opened, and re-verify the platform's signature over
    # exactly what it sent and the receipt's digest, salted.
    public_key = await _public_key(db, hidden["kid"])
    for reader in (bureau, native):
        chain = await reader.call("GET", f"/v1/complaints/{complaint_id}/events")
        shown = chain["events"][3]["evidence"]
        assert shown["sealed"] is True
        assert orjson.loads(shown["body"]) == message
        logged = LoggedEvidence(
            bytes.fromhex(receipt["evidence_sha256"]),
            shown["sender"],
            shown["kid"],
            shown["body"].encode(),
            shown["signature_input"],
            shown["signature"],
            shown["covered"],
            datetime.fromisoformat(shown["received_at"]),
        )
        check_evidence_signature(logged, public_key)
        salted = hashlib.sha256(b64url_decode(shown["salt"]) + canonical_json(_document(logged)))
        assert salted.hexdigest() == receipt["evidence_sha256"]
    # The store keeps one seal for it, which the master key opens.
    [stored] = await EvidenceSeals(app[POOL]).of_complaint(complaint_id)
    assert stored.seal is not None
    opened = open_evidence(app[MASTER_KEYS].keys, stored.seal)
    assert orjson.loads(opened.evidence.body) == message
    digest = sealed_digest(opened.salt, opened.evidence)
    assert receipt["evidence_sha256"] == digest.hex()
    # (3) The digest is salted: the plain digest of the message, which anyone could test guesses
    # of a buyer against, is nowhere.
    unsalted = hashlib.sha256(canonical_json(opened.evidence.digest_document())).hexdigest()
    assert receipt["evidence_sha256"] != unsalted
    assert unsalted not in await _database_text(db)

    # Retention erases the complaint's seals (it has no personal part of its own here).
    run = await run_hub_cli(settings, "retention", "run", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert (summary["expired"], summary["erased"]) == (1, 1)
    [erased] = await EvidenceSeals(app[POOL]).of_complaint(complaint_id)
    assert erased.seal is None
    assert erased.erased_at is not None
    row = await db.fetchrow(
        "SELECT wrapped_data_key, nonce, ciphertext FROM native_evidence_seals"
        " WHERE complaint_id = $1",
        complaint_id,
    )
    assert row is not None
    assert set(row.values()) == {None}
    _assert_nothing_personal("the database after erasure", await _database_text(db))

    # Every receipt and the audit log still verify.
    chain = await bureau.call("GET", f"/v1/complaints/{complaint_id}/events")
    for item in chain["events"]:
        verified = await bureau.verify_receipt(item["receipt"])
        assert verified["event_id"] == item["event"]["event_id"]
    assert (await bureau.verify_receipt(chain["events"][3]["receipt"]))[
        "evidence_sha256"
    ] == digest.hex()
    await app[AUDIT_LOG].publish()
    audit = await run_hub_cli(settings, "audit", "verify")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert audit.stdout.startswith("ok: 4 events")
    if platform != "taobao":
        return  # the bundle carries sealed evidence the same way whatever the platform
    # A case's offline proof bundle carries the sealed evidence as it is kept, and checks.
    bundle = settings.data_dir / "bundle.json"
    proved = await run_hub_cli(settings, "audit", "prove", complaint_id, "--out", str(bundle))
    assert proved.returncode == 0, proved.stderr
    checked = await run_hub_cli(settings, "audit", "check", str(bundle))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    _assert_nothing_personal("the proof bundle", bundle.read_text(encoding="utf-8"))


async def test_a_message_sealed_after_an_erasure_is_erased_by_a_later_run(
    app: web.Application, enrol: Any, clock: MovableClock, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    taobao: HubClient = await enrol("platform.taobao", "platform", platform="taobao")
    complaint_id = await routed_case(bureau, "taobao", "312345678901", 5978)
    store = RetentionStore(app[POOL])

    async def push(message: dict[str, Any]) -> None:
        pushed = await taobao.request(
            "POST",
            "/v1/platforms/taobao/inbound",
            json=message,
            params={"complaint_id": complaint_id},
        )
        assert pushed.status == 201, pushed.body

    await push(taobao_refund(clock.now))
    first = await run_retention(store, NOW, 3)
    assert (first.expired, first.erased) == (1, 1)

    # A late message on the erased case: sealed anew, and erased once its own period has passed.
    clock.now += timedelta(days=1)
    agreed = taobao_refund(clock.now)
    agreed["topic"] = "taobao_refund_RefundSellerAgreeAgreement"
    await push(agreed)
    seals = await EvidenceSeals(app[POOL]).of_complaint(complaint_id)
    assert [s.seal is not None for s in seals] == [False, True]
    later = NOW + timedelta(days=1)
    second = await run_retention(store, later, 3)
    assert (second.expired, second.erased) == (1, 1)
    assert all(s.seal is None for s in await EvidenceSeals(app[POOL]).of_complaint(complaint_id))
    recorded = await db.fetch("SELECT run_id, erased_at FROM erasures")
    assert [(r["run_id"], r["erased_at"]) for r in recorded] == [(second.run_id, later)]
    _assert_nothing_personal("the database", await _database_text(db))


async def test_rotation_reseals_native_evidence_and_the_old_master_key_can_go(
    app: web.Application, enrol: Any, clock: MovableClock, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    jd: HubClient = await enrol("platform.jd", "platform", platform="jd")
    complaint_id = await routed_case(bureau, "jd", "312345678901", 29900)
    pushed = await jd.request(
        "POST",
        "/v1/platforms/jd/inbound",
        json=jd_service(clock.now),
        params={"complaint_id": complaint_id},
    )
    assert pushed.status == 201, pushed.body
    before = (await bureau.call("GET", f"/v1/complaints/{complaint_id}/events"))["events"][3]

    # Every hub runs the re-sealer; here it is stopped so that the test takes each step itself.
    await app[SUPERVISOR].stop("native-evidence-rewrap")
    source = app[MASTER_KEYS]
    write_master_keys(source.path, load_master_keys(source.path, generate=False).rotated())
    keys = await source.reload()
    # Taken out of the key file too early, the old version leaves the message shown sealed.
    write_master_keys(source.path, MasterKeys(2, {2: keys.key(2)}))
    await source.reload()
    early = (await bureau.call("GET", f"/v1/complaints/{complaint_id}/events"))["events"][3]
    assert (early["evidence"]["sealed"], early["evidence"]["body"]) == (True, "")
    write_master_keys(source.path, keys)
    await source.reload()
    assert await app[EVIDENCE_REWRAP].run_once() == 1
    assert await app[EVIDENCE_REWRAP].run_once() == 0
    assert await db.fetchval("SELECT key_version FROM native_evidence_seals") == keys.current

    # Version 1 leaves the key file: the message still opens, under the same salted digest.
    write_master_keys(source.path, MasterKeys(2, {2: keys.key(2)}))
    await source.reload()
    after = (await bureau.call("GET", f"/v1/complaints/{complaint_id}/events"))["events"][3]
    assert after["evidence"] == before["evidence"]
    assert orjson.loads(after["evidence"]["body"])["questionDesc"] == QUESTION


async def test_an_operator_erasing_the_personal_part_erases_the_sealed_messages_too(
    app: web.Application, enrol: Any, clock: MovableClock, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    taobao: HubClient = await enrol("platform.taobao", "platform", platform="taobao")
    operator = await enrol("operator.hub", "operator")
    complaint_id = await routed_case(bureau, "taobao", "312345678901", 5978)
    pushed = await taobao.request(
        "POST",
        "/v1/platforms/taobao/inbound",
        json=taobao_refund(clock.now),
        params={"complaint_id": complaint_id},
    )
    assert pushed.status == 201, pushed.body
    # Without a personal part the erasure is refused, and the message stays sealed and readable.
    missing = await operator.request("DELETE", f"/v1/complaints/{complaint_id}/personal")
    assert missing.status == 404
    assert await db.fetchval("SELECT count(*) FROM native_evidence_seals WHERE erased_at IS NULL")

    await bureau.call(
        "PUT",
        f"/v1/complaints/{complaint_id}/personal",
        json={**PERSONAL, "consumer": {**PERSONAL["consumer"], "name": RECEIVER_NAME}},
    )
    await operator.call("DELETE", f"/v1/complaints/{complaint_id}/personal")
    [erased] = await EvidenceSeals(app[POOL]).of_complaint(complaint_id)
    assert erased.seal is None
    chain = await bureau.call("GET", f"/v1/complaints/{complaint_id}/events")
    assert (chain["events"][3]["evidence"]["sealed"], chain["events"][3]["evidence"]["body"]) == (
        True,
        "",
    )


async def test_every_copy_of_a_pulled_page_goes_with_the_first_of_its_complaints_to_expire(
    app: web.Application, enrol: Any, clock: MovableClock, db: asyncpg.Connection
) -> None:
    bureau = await enrol("bureau.hz", "bureau", regions=("330100",))
    await enrol("platform.taobao", "platform", platform="taobao")
    quiet = await routed_case(bureau, "taobao", "312345678901", 5978)
    busy = await routed_case(bureau, "taobao", "312345678902", 5978)
    # One signed answer of Taobao's gateway carrying a record of each complaint, applied record by
    # record as the sync worker does: each complaint keeps its own sealed copy of the whole page.
    records = []
    for index, complaint_id in enumerate((quiet, busy)):
        message = taobao_refund(clock.now)
        content = {**orjson.loads(message["content"]), "refund_id": 3290848379609938 + index}
        records.append(({**message, "content": orjson.dumps(content).decode()}, complaint_id))
    page = Evidence(
        sender="platform.taobao",
        kid="platform.taobao-gateway",
        body=orjson.dumps({"records": [r for r, _ in records]}),
        signature_input='sig1=("@status" "content-digest");created=1'
        ';keyid="platform.taobao-gateway";nonce="a2V5LW5vbmNlLXBhZ2UtMQ"',
        signature="sig1=:c2lnbmF0dXJl:",
        covered={'"@status"': "200", '"content-digest"': "sha-256=:ZGlnZXN0:"},
        received_at=clock.now,
    )
    participant = await app[PARTICIPANTS].get("platform.taobao")
    assert participant is not None
    for record, complaint_id in records:
        outcome = await app[PLATFORM_INGEST].ingest(
            app[ADAPTERS]["taobao"], participant, record, page, complaint_id=complaint_id
        )
        assert outcome.created, outcome
    # The busy complaint moves on; the quiet one expires, and with it the busy one's page copy.
    clock.now = NOW
    await bureau.post_event(event("case.note_added", busy, 5))
    summary = await run_retention(RetentionStore(app[POOL]), NOW, 3)
    assert (summary.expired, summary.erased) == (1, 1)
    for complaint_id in (quiet, busy):
        seals = await EvidenceSeals(app[POOL]).of_complaint(complaint_id)
        assert [s.seal for s in seals] == [None]
    assert [r["complaint_id"] for r in await db.fetch("SELECT complaint_id FROM erasures")] == [
        quiet
    ]
