"""Evidence: what a sender signed, stored in the same transaction as what it produced."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Sequence
from datetime import datetime

import orjson

from hub.crypto.jcs import canonical_json
from hub.store.pool import Conn


@dataclasses.dataclass(frozen=True, eq=False)
class Evidence:
    """A signed request as received: enough for anyone with the public key to re-verify it.

    Compared by identity: one batch's evidence is shared by all the events it produced.
    """

    sender: str
    kid: str
    body: bytes
    signature_input: str
    signature: str
    covered: dict[str, str]
    received_at: datetime

    @functools.cached_property
    def sha256(self) -> bytes:
        """The digest a receipt commits to: the body's digest and every signed value."""
        return hashlib.sha256(canonical_json(self.digest_document())).digest()

    def digest_document(self) -> dict[str, object]:
        return {
            "body_sha256": hashlib.sha256(self.body).hexdigest(),
            "covered": self.covered,
            "kid": self.kid,
            "sender": self.sender,
            "signature": self.signature,
            "signature_input": self.signature_input,
        }


async def insert_evidence_txn(conn: Conn, evidences: Sequence[Evidence]) -> list[int]:
    """Insert each evidence once; returns their ids in the order given."""
    rows = await conn.fetch(
        """
        INSERT INTO evidence (sha256, sender, kid, body, signature_input, signature, covered,
                              received_at)
        SELECT s, se, k, b, si, sg, c::jsonb, r
        FROM unnest($1::bytea[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[],
                    $7::text[], $8::timestamptz[]) AS u(s, se, k, b, si, sg, c, r)
        RETURNING evidence_id, sha256
        """,
        [e.sha256 for e in evidences],
        [e.sender for e in evidences],
        [e.kid for e in evidences],
        [e.body for e in evidences],
        [e.signature_input for e in evidences],
        [e.signature for e in evidences],
        [orjson.dumps(e.covered).decode() for e in evidences],
        [e.received_at for e in evidences],
    )
    # Every evidence is a distinct signed request (its nonce is unique), so its digest names it.
    ids = {bytes(r["sha256"]): r["evidence_id"] for r in rows}
    return [ids[e.sha256] for e in evidences]
