"""The consumer's personal part: written by the filer, read by those entitled, erased by operators.

Nothing here logs the body or any part of the personal document (DESIGN.md, Privacy): log lines
carry the complaint id and what happened, never what the consumer wrote.
"""

from __future__ import annotations

from typing import Any

import orjson
import structlog
from aiohttp import web

from hub.crypto._b64 import b64url_encode
from hub.crypto.jcs import UnsignableValue
from hub.crypto.receipts import rfc3339
from hub.domain.case import CaseView
from hub.domain.case_state import from_state
from hub.domain.personal import Access, WriteVerdict, belongs_to_case, may_write, personal_access
from hub.domain.roles import Role
from hub.http.body import parse_json
from hub.http.keys import ACTOR, EVIDENCE, RAW_BODY
from hub.privacy.commitment import new_salt, personal_ref
from hub.privacy.masking import mask_personal
from hub.privacy.resources import MASTER_KEYS, PERSONAL_PARTS
from hub.privacy.sealed import OpenedPersonal, SealedPersonal, open_personal, seal_personal
from hub.problems import Conflict, Forbidden, InvalidRecord, NotFound, PersonalErased
from hub.records.validate import RecordInvalid, validate_personal
from hub.services.decisions import actor_of
from hub.services.resources import COMPLAINTS
from hub.store.evidence import Evidence
from hub.store.participants import Participant
from hub.store.personal import StoredPersonal

log = structlog.get_logger("hub.personal")


async def _case(request: web.Request, complaint_id: str) -> CaseView | None:
    snapshot = await request.app[COMPLAINTS].get(complaint_id)
    return from_state(snapshot.state) if snapshot else None


def _sealed(stored: StoredPersonal) -> SealedPersonal:
    if stored.sealed is None:
        erased_at = rfc3339(stored.erased_at) if stored.erased_at else None
        raise PersonalErased(
            f"the personal part of {stored.complaint_id} was erased at {erased_at}; the case's "
            "events and receipts remain",
            erased_at=erased_at,
        )
    return stored.sealed


async def _open(request: web.Request, complaint_id: str, sealed: SealedPersonal) -> OpenedPersonal:
    keys = await request.app[MASTER_KEYS].with_version(sealed.key.key_version)
    return open_personal(keys, complaint_id, sealed.key, sealed.personal)


def _personal_document(raw: bytes, content_type: str) -> dict[str, Any]:
    document = parse_json(raw, content_type)
    try:
        validate_personal(document)
    except RecordInvalid as err:
        # RecordInvalid names the member and the rule, never the value sent.
        raise InvalidRecord(str(err), pointer=err.pointer, rule=err.rule) from err
    return document  # type: ignore[no-any-return]


def _evidence_bytes(evidence: Evidence) -> bytes:
    return orjson.dumps(
        {
            "sender": evidence.sender,
            "kid": evidence.kid,
            "body": b64url_encode(evidence.body),
            "signature_input": evidence.signature_input,
            "signature": evidence.signature,
            "covered": evidence.covered,
            "received_at": rfc3339(evidence.received_at),
        }
    )


def _refuse(verdict: WriteVerdict, complaint_id: str, participant: Participant) -> None:
    participant_id = participant.participant_id
    if verdict is WriteVerdict.NOT_FOUND:
        raise NotFound(f"no complaint {complaint_id} visible to {participant_id}")
    if verdict is WriteVerdict.NOT_FILER:
        raise Forbidden(
            "personal-filer-only", f"only the filer of {complaint_id} writes its personal part"
        )
    if verdict is WriteVerdict.MAY_NOT_FILE:
        raise Forbidden(
            "personal-filer-only", "only a participant that files complaints writes personal parts"
        )
    if verdict is WriteVerdict.RESERVED:
        raise Conflict(f"another participant wrote the personal part of {complaint_id} first")


async def put_personal(request: web.Request) -> web.Response:
    complaint_id = request.match_info["complaint_id"]
    participant = request[ACTOR]
    document = _personal_document(request[RAW_BODY], request.content_type)
    store = request.app[PERSONAL_PARTS]
    stored = await store.get(complaint_id)
    stored_writer = stored.filer if stored is not None else None
    case = await _case(request, complaint_id)
    _refuse(may_write(actor_of(participant), case, stored_writer), complaint_id, participant)
    salt = new_salt()
    if stored is not None:
        # Erasure is final: writing again would undo what the retention period required.
        previous = _sealed(stored)
        # The writer's own earlier salt is kept, so a retry gets the commitment it already filed.
        if stored.filer == participant.participant_id:
            salt = (await _open(request, complaint_id, previous)).salt
    keys = request.app[MASTER_KEYS].keys
    try:
        sealed = seal_personal(
            keys,
            complaint_id,
            document,
            salt=salt,
            evidence=_evidence_bytes(request[EVIDENCE]),
        )
    except UnsignableValue as err:
        raise InvalidRecord(
            f"{err.pointer or '/'}: {err.reason}", pointer=err.pointer, rule="signable-json"
        ) from err
    saved = await store.save(complaint_id, participant.participant_id, sealed, replaces=stored)
    log.info("personal_part_written", complaint_id=complaint_id, revision=saved.revision)
    return web.json_response(
        {
            "complaint_id": complaint_id,
            "personal_ref": personal_ref(complaint_id),
            "personal_commitment": saved.commitment,
            # The filer's to keep: with it, the commitment can be recomputed outside the hub.
            "salt": b64url_encode(salt),
        },
        status=201 if stored is None else 200,
    )


async def get_personal(request: web.Request) -> web.Response:
    complaint_id = request.match_info["complaint_id"]
    actor = actor_of(request[ACTOR])
    case = await _case(request, complaint_id)
    access = Access.NONE if case is None else personal_access(actor, case)
    if case is None or access is Access.NONE:
        raise NotFound(f"no complaint {complaint_id} visible to {actor.participant_id}")
    stored = await request.app[PERSONAL_PARTS].get(complaint_id)
    if stored is None or not belongs_to_case(stored.filer, case):
        raise NotFound(f"complaint {complaint_id} has no personal part from its filer")
    opened = await _open(request, complaint_id, _sealed(stored))
    matches = stored.commitment == stored.filed_commitment
    if not matches:
        log.warning("personal_commitment_mismatch", complaint_id=complaint_id)
    shown: dict[str, Any] = {
        "complaint_id": complaint_id,
        "personal_ref": personal_ref(complaint_id),
        "personal_commitment": stored.commitment,
        "commitment_matches_filing": matches,
        "view": access.value,
        "updated_at": rfc3339(stored.updated_at),
    }
    if access is Access.FULL:
        # With the salt an entitled reader checks the commitment in the filing event itself.
        shown.update(personal=opened.personal, salt=b64url_encode(opened.salt))
    else:
        shown["personal"] = mask_personal(opened.personal)
    return web.json_response(shown, dumps=lambda v: orjson.dumps(v).decode())


async def erase_personal(request: web.Request) -> web.Response:
    complaint_id = request.match_info["complaint_id"]
    participant = request[ACTOR]
    if participant.role != Role.OPERATOR:
        raise Forbidden("operator-only", "only an operator erases a personal part")
    erased_at = await request.app[PERSONAL_PARTS].erase(complaint_id)
    if erased_at is None:
        raise NotFound(f"complaint {complaint_id} has no personal part")
    log.info("personal_part_erased", complaint_id=complaint_id, by=participant.participant_id)
    return web.json_response({"complaint_id": complaint_id, "erased_at": rfc3339(erased_at)})
