"""The consumer's personal part: written by the filer, read by those entitled, erased by operators.

Nothing here logs the body or any part of the personal document: log lines
carry the complaint id and what happened, never what the consumer wrote.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from hub.api.complaints import complaint_id_param
from hub.crypto._b64 import b64url_encode
from hub.crypto.receipts import rfc3339
from hub.domain.roles import actor_of
from hub.http.body import request_json
from hub.http.keys import ACTOR, EVIDENCE
from hub.privacy.commitment import personal_ref
from hub.services import personal as service
from hub.services.resources import COMPLAINTS
from hub.vault.resources import MASTER_KEYS, PERSONAL_PARTS


def _sources(request: web.Request) -> service.PersonalSources:
    app = request.app
    return service.PersonalSources(app[PERSONAL_PARTS], app[COMPLAINTS], app[MASTER_KEYS])


async def put_personal(request: web.Request) -> web.Response:
    complaint_id = complaint_id_param(request)
    written = await service.write_personal(
        _sources(request),
        actor_of(request[ACTOR]),
        complaint_id,
        request_json(request),
        request[EVIDENCE],
    )
    return web.json_response(
        {
            "complaint_id": complaint_id,
            "personal_ref": personal_ref(complaint_id),
            "personal_commitment": written.commitment,
            "salt": b64url_encode(written.salt),
        },
        status=201 if written.created else 200,
    )


async def get_personal(request: web.Request) -> web.Response:
    complaint_id = complaint_id_param(request)
    shown = await service.read_personal(_sources(request), actor_of(request[ACTOR]), complaint_id)
    body: dict[str, Any] = {
        "complaint_id": complaint_id,
        "personal_ref": personal_ref(complaint_id),
        "personal_commitment": shown.commitment,
        "commitment_matches_filing": shown.commitment_matches_filing,
        "view": shown.access.value,
        "updated_at": rfc3339(shown.updated_at),
        "personal": shown.personal,
    }
    if shown.salt is not None:
        body["salt"] = b64url_encode(shown.salt)
    return web.json_response(body, dumps=lambda v: orjson.dumps(v).decode())


async def erase_personal(request: web.Request) -> web.Response:
    complaint_id = complaint_id_param(request)
    erased_at = await service.erase_personal(
        request.app[PERSONAL_PARTS], actor_of(request[ACTOR]), complaint_id
    )
    return web.json_response({"complaint_id": complaint_id, "erased_at": rfc3339(erased_at)})
