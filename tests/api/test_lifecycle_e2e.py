"""One complaint from filing to closing over HTTP, each party signing with its own key; the chain
re-verifies from its stored evidence alone; nobody speaks for somebody else."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.crypto import (
    BadSignature,
    build_signature_base,
    canonical_json,
    parse_signatures,
    verify_ed25519,
)
from hub.crypto.digest import verify_content_digest
from hub.trust.resources import PARTICIPANTS
from tests.api._lifecycle import (
    AMOUNT_FEN,
    BUREAU_PATH,
    CONSUMER_MESSAGE,
    ODR_PATH,
    Cast,
    Enrol,
    event,
    new_complaint_id,
    row_counts,
    step_event,
)

# status, amount recovered (fen) and the open deadlines after each step of the bureau path
BUREAU_SNAPSHOTS = (
    ("filed", 0, ["acceptance_decision"]),
    # the mediation limit runs from acceptance until a confirmed resolution (Order 121 art. 23)
    ("accepted", 0, ["mediation_limit"]),
    ("routed", 0, ["odr_negotiation", "mediation_limit"]),
    ("acknowledged", 0, ["odr_negotiation", "mediation_limit"]),
    ("negotiating", 0, ["odr_negotiation", "mediation_limit"]),
    ("negotiating", 0, ["odr_negotiation", "mediation_limit"]),
    ("resolved", AMOUNT_FEN, ["mediation_limit"]),
    ("confirmed", AMOUNT_FEN, []),
    ("closed", AMOUNT_FEN, []),
)

ODR_SNAPSHOTS = (
    ("filed", 0, ["odr_negotiation"]),
    ("acknowledged", 0, ["odr_negotiation"]),
    ("negotiating", 0, ["odr_negotiation"]),
    ("negotiating", 0, ["odr_negotiation"]),
    ("resolved", AMOUNT_FEN, []),
    ("confirmed", AMOUNT_FEN, []),
)


async def _public_key(app: web.Application, kid: str) -> Ed25519PublicKey:
    found = await app[PARTICIPANTS].key_with_owner(kid)
    assert found is not None
    return Ed25519PublicKey.from_public_bytes(found.key.public_key)


def _reverify(evidence: dict[str, Any], public_key: Ed25519PublicKey) -> None:
    """Rebuild the signature base from the stored covered values alone and verify it."""
    parsed = parse_signatures(evidence["signature_input"], evidence["signature"])[0]
    base = build_signature_base(parsed, lambda component: evidence["covered"][component.identifier])
    verify_ed25519(public_key, base.base, parsed.signature)
    # The signature covers the digest, and the digest covers the body kept beside it.
    verify_content_digest(evidence["covered"]['"content-digest"'], evidence["body"].encode())


def _evidence_sha256(evidence: dict[str, Any]) -> str:
    """The digest a receipt commits to, recomputed from what the chain shows."""
    document = {
        "body_sha256": hashlib.sha256(evidence["body"].encode()).hexdigest(),
        "covered": evidence["covered"],
        "kid": evidence["kid"],
        "sender": evidence["sender"],
        "signature": evidence["signature"],
        "signature_input": evidence["signature_input"],
    }
    return hashlib.sha256(canonical_json(document)).hexdigest()


async def test_bureau_filed_complaint_from_filing_to_closing(
    enrol: Enrol, db: asyncpg.Connection, app: web.Application
) -> None:
    cast = Cast(enrol)
    bureau, platform = await cast("bureau"), await cast("platform")
    complaint_id = new_complaint_id()
    sent: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []

    for version, ((event_type, sender, _), expected) in enumerate(
        zip(BUREAU_PATH, BUREAU_SNAPSHOTS, strict=True), start=1
    ):
        body = step_event("bureau", version, complaint_id)
        client = await cast(sender)
        answer = await client.post_event(body)  # verifies the receipt against the JWKS
        assert answer["version"] == version
        assert answer["receipt_payload"]["actor"] == Cast.participant_id(sender)
        assert answer["receipt_payload"]["version"] == version
        sent.append(body)
        answers.append(answer)

        status, recovered_fen, deadlines = expected
        for reader in (bureau, platform):
            snapshot = await reader.get_complaint(complaint_id)
            assert snapshot["version"] == version
            assert snapshot["status"] == status, event_type
            assert snapshot["amount_claimed_fen"] == AMOUNT_FEN
            assert snapshot["amount_recovered_fen"] == recovered_fen
            assert [d["name"] for d in snapshot["deadlines"]] == deadlines, event_type
            assert snapshot["channel"] == "bureau"
            assert snapshot["filer"] == "bureau.hz"
            assert snapshot["respondent"]["platform"] == "taobao"

        if event_type == "complaint.filed":
            # The platform cannot decide acceptance as if it were the bureau.
            before = await row_counts(db)
            forged = event("complaint.accepted", complaint_id, 2, handling_bureau="bureau.hz")
            refused = await platform.request("POST", "/v1/events", json=forged)
            assert refused.status == 403
            assert refused.json()["type"].endswith("/wrong-role")
            assert await row_counts(db) == before
        if event_type == "complaint.resolved":
            # Nor confirm its own resolution in the consumer's name on a bureau-filed case.
            before = await row_counts(db)
            forged = event("complaint.confirmed", complaint_id, version + 1)
            forged["data"] = {"consumer_message": CONSUMER_MESSAGE}
            refused = await platform.request("POST", "/v1/events", json=forged)
            assert refused.status == 403
            assert refused.json()["type"].endswith("/not-consumer-channel")
            assert await row_counts(db) == before

    snapshot = await bureau.get_complaint(complaint_id)
    assert snapshot["handling_bureau"] == "bureau.hz"
    assert snapshot["resolution"] == "refund"
    assert snapshot["outcome"] == "resolved"
    assert snapshot["flags"]["self_reported"] is False

    chain = await bureau.call("GET", f"/v1/complaints/{complaint_id}/events")
    assert chain["complaint_id"] == complaint_id
    items = chain["events"]
    assert [item["event"]["version"] for item in items] == list(range(1, len(BUREAU_PATH) + 1))
    positions = [item["event"]["position"] for item in items]
    assert positions == sorted(positions)
    for item, body, answer, (_, sender, _) in zip(items, sent, answers, BUREAU_PATH, strict=True):
        shown = item["event"]
        assert {
            k: v for k, v in shown.items() if k not in {"actor", "position", "accepted_at"}
        } == (body)
        assert shown["actor"] == Cast.participant_id(sender)
        assert shown["position"] == answer["position"]
        assert item["receipt"] == answer["receipt"]
        assert item["flags"] == {}
        evidence = item["evidence"]
        assert evidence["sender"] == shown["actor"]
        assert orjson.loads(evidence["body"]) == body
        public_key = await _public_key(app, evidence["kid"])
        _reverify(evidence, public_key)
        assert _evidence_sha256(evidence) == answer["receipt_payload"]["evidence_sha256"]
        assert (
            hashlib.sha256(canonical_json(body)).hexdigest()
            == answer["receipt_payload"]["event_sha256"]
        )

    # Evidence is only as good as its check: one changed covered value no longer verifies.
    tampered = dict(items[0]["evidence"])
    tampered["covered"] = {**tampered["covered"], '"@method"': "PUT"}
    with pytest.raises(BadSignature):
        _reverify(tampered, await _public_key(app, tampered["kid"]))
    # ... and the other party's key does not verify it either.
    bureau_evidence = items[0]["evidence"]
    platform_kid = items[3]["evidence"]["kid"]
    with pytest.raises(BadSignature):
        _reverify(bureau_evidence, await _public_key(app, platform_kid))


async def test_platform_odr_case_is_self_reported_until_a_bureau_disputes_it(
    enrol: Enrol, db: asyncpg.Connection
) -> None:
    cast = Cast(enrol)
    bureau, platform = await cast("bureau"), await cast("platform")
    complaint_id = new_complaint_id("platform.taobao")

    for version, ((event_type, _, _), expected) in enumerate(
        zip(ODR_PATH, ODR_SNAPSHOTS, strict=True), start=1
    ):
        body = step_event("odr", version, complaint_id)
        if event_type in {"complaint.offer_answered", "complaint.confirmed"}:
            # Speaking for the consumer without citing the consumer's message is refused.
            before = await row_counts(db)
            uncited = {
                **body,
                "data": {k: v for k, v in body["data"].items() if k != "consumer_message"},
            }
            refused = await platform.request("POST", "/v1/events", json=uncited)
            assert refused.status == 403
            assert refused.json()["type"].endswith("/consumer-message-required")
            assert await row_counts(db) == before
        await platform.post_event(body)
        status, recovered_fen, deadlines = expected
        snapshot = await platform.get_complaint(complaint_id)
        assert (snapshot["status"], snapshot["amount_recovered_fen"]) == (status, recovered_fen)
        assert [d["name"] for d in snapshot["deadlines"]] == deadlines

    snapshot = await platform.get_complaint(complaint_id)
    assert snapshot["channel"] == "platform_odr"
    assert snapshot["filer"] == "platform.taobao"
    assert snapshot["flags"]["self_reported"] is True
    assert snapshot["flags"]["confirmation_self_reported"] is True
    assert snapshot["flags"]["overridden_by_bureau"] is False
    assert "handling_bureau" not in snapshot

    # The respondent cannot reopen what it reported itself; only a bureau overrides it.
    before = await row_counts(db)
    own_dispute = event("complaint.disputed", complaint_id, 7, consumer_message=CONSUMER_MESSAGE)
    refused = await platform.request("POST", "/v1/events", json=own_dispute)
    assert refused.status == 409
    assert refused.json()["type"].endswith("/illegal-transition")
    assert await row_counts(db) == before

    dispute = event("complaint.disputed", complaint_id, 7, reason="not_received")
    await bureau.post_event(dispute)
    snapshot = await bureau.get_complaint(complaint_id)
    assert snapshot["status"] == "disputed"
    assert snapshot["flags"]["overridden_by_bureau"] is True
    assert snapshot["flags"]["confirmation_self_reported"] is True

    chain = await platform.call("GET", f"/v1/complaints/{complaint_id}/events")
    flags = {item["event"]["type"]: item["flags"] for item in chain["events"]}
    assert flags["complaint.offer_answered"] == {"self_reported": True}
    assert flags["complaint.confirmed"] == {"self_reported": True}
    assert flags["complaint.disputed"] == {"overrides_self_reported": True}
    assert flags["complaint.filed"] == {}
    assert flags["complaint.resolved"] == {}
    actors = {item["event"]["type"]: item["event"]["actor"] for item in chain["events"]}
    assert actors["complaint.disputed"] == "bureau.hz"
    assert actors["complaint.confirmed"] == "platform.taobao"


def test_evidence_digest_helper_matches_the_hub() -> None:
    """The recomputation above follows hub.store.evidence.Evidence.sha256 exactly."""
    from datetime import UTC, datetime

    from hub.store.evidence import Evidence

    evidence = Evidence(
        sender="bureau.hz",
        kid="k1",
        body=b'{"a":1}',
        signature_input='sig1=("@method");keyid="k1"',
        signature="sig1=:" + base64.b64encode(b"x" * 64).decode() + ":",
        covered={'"@method"': "POST"},
        received_at=datetime.now(UTC),
    )
    shown = {
        "sender": evidence.sender,
        "kid": evidence.kid,
        "body": evidence.body.decode(),
        "signature_input": evidence.signature_input,
        "signature": evidence.signature,
        "covered": evidence.covered,
    }
    assert _evidence_sha256(shown) == evidence.sha256.hex()
