"""Evidence: what a sender signed, stored in the same transaction as what it produced."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import asyncpg
import orjson

from hub.crypto.jcs import canonical_json
from hub.privacy.envelope import Ciphertext, WrappedKey
from hub.store.pool import Conn

# The covered value that is a digest of the body: unsalted, so a guess of a sealed body could be
# tested against it (RFC 9530). Kept only inside the seal, with the body and the signature.
_BODY_DIGEST = '"content-digest"'


@dataclasses.dataclass(frozen=True)
class EvidenceSeal:
    """A signed message sealed under a data key of its own (hub.vault.native_evidence)."""

    complaint_id: str  # whose retention period erases the key
    key: WrappedKey
    message: Ciphertext  # of salt || the message as received
    # SHA-256(salt || JCS(digest document)): what the receipt commits to in place of the plain
    # digest, which would let anyone holding the receipt test guesses of the body.
    sha256: bytes


@dataclasses.dataclass(frozen=True, eq=False)
class Evidence:
    """A signed request as received: enough for anyone with the public key to re-verify it.

    Compared by identity: one batch's evidence is shared by all the events it produced.
    With a `seal` the body, the signature and the body's digest are stored only inside it.
    """

    sender: str
    kid: str
    body: bytes
    signature_input: str
    signature: str
    covered: dict[str, str]
    received_at: datetime
    seal: EvidenceSeal | None = None

    @functools.cached_property
    def sha256(self) -> bytes:
        """The digest a receipt commits to: the body's digest and every signed value."""
        if self.seal is not None:
            return self.seal.sha256
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


def readable_covered(covered: Mapping[str, str]) -> dict[str, str]:
    """The covered values a sealed evidence row keeps in the clear: all but the body's digest."""
    return {k: v for k, v in covered.items() if not k.startswith(_BODY_DIGEST)}


async def insert_evidence_txn(conn: Conn, evidences: Sequence[Evidence]) -> list[int]:
    """Insert each evidence once (a sealed one with its seal); returns their ids in order."""
    sealed = [e.seal is not None for e in evidences]
    rows = await conn.fetch(
        """
        INSERT INTO evidence (sha256, sender, kid, body, signature_input, signature, covered,
                              received_at, sealed)
        SELECT s, se, k, b, si, sg, c::jsonb, r, x
        FROM unnest($1::bytea[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[],
                    $7::text[], $8::timestamptz[], $9::boolean[]) AS u(s, se, k, b, si, sg, c, r, x)
        RETURNING evidence_id, sha256
        """,
        [e.sha256 for e in evidences],
        [e.sender for e in evidences],
        [e.kid for e in evidences],
        [b"" if s else e.body for e, s in zip(evidences, sealed, strict=True)],
        [e.signature_input for e in evidences],
        ["" if s else e.signature for e, s in zip(evidences, sealed, strict=True)],
        [
            orjson.dumps(readable_covered(e.covered) if s else e.covered).decode()
            for e, s in zip(evidences, sealed, strict=True)
        ],
        [e.received_at for e in evidences],
        sealed,
    )
    # Every evidence is a distinct signed request (its nonce is unique), so its digest names it.
    ids = {bytes(r["sha256"]): r["evidence_id"] for r in rows}
    evidence_ids = [ids[e.sha256] for e in evidences]
    seals = [
        (i, e.seal, e.received_at) for i, e in zip(evidence_ids, evidences, strict=True) if e.seal
    ]
    if seals:
        await conn.executemany(
            """
            INSERT INTO native_evidence_seals (evidence_id, complaint_id, key_version,
                                               wrapped_data_key, nonce, ciphertext, sealed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """,
            [
                (
                    i,
                    s.complaint_id,
                    s.key.key_version,
                    s.key.wrapped,
                    s.message.nonce,
                    s.message.ciphertext,
                    at,
                )
                for i, s, at in seals
            ],
        )
    return evidence_ids


@dataclasses.dataclass(frozen=True)
class StoredSeal:
    """A sealed evidence row as kept: its clear part, and its seal unless erased."""

    evidence_id: int
    sender: str
    kid: str
    signature_input: str
    covered: dict[str, str]
    received_at: datetime
    seal: EvidenceSeal | None
    erased_at: datetime | None


class EvidenceSeals:
    """Reads the seals of a complaint's native evidence."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def of_complaint(self, complaint_id: str) -> list[StoredSeal]:
        """The sealed evidence of `complaint_id`'s events, in the order it was received."""
        rows = await self._pool.fetch(
            """
            SELECT v.evidence_id, v.sha256, v.sender, v.kid, v.signature_input,
                   v.covered::text AS covered, v.received_at, s.complaint_id, s.key_version,
                   s.wrapped_data_key, s.nonce, s.ciphertext, s.erased_at
            FROM native_evidence_seals s JOIN evidence v USING (evidence_id)
            WHERE s.complaint_id = $1
            ORDER BY v.evidence_id
            """,
            complaint_id,
        )
        return [_stored_seal(r) for r in rows]

    async def reseal_below(
        self, version: int, limit: int, reseal: Callable[[EvidenceSeal], EvidenceSeal]
    ) -> int:
        """Re-seal up to `limit` readable seals under a master key version older than `version`;
        returns how many. Rows another hub is re-sealing (or retention erasing) are skipped."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """
                SELECT s.evidence_id, s.complaint_id, s.key_version, s.wrapped_data_key, s.nonce,
                       s.ciphertext, v.sha256
                FROM native_evidence_seals s JOIN evidence v USING (evidence_id)
                WHERE s.erased_at IS NULL AND s.key_version < $1
                ORDER BY s.key_version, s.evidence_id
                LIMIT $2
                FOR UPDATE OF s SKIP LOCKED
                """,
                version,
                limit,
            )
            updates = []
            for row in rows:
                new = reseal(
                    EvidenceSeal(
                        row["complaint_id"],
                        WrappedKey(bytes(row["wrapped_data_key"]), row["key_version"]),
                        Ciphertext(bytes(row["nonce"]), bytes(row["ciphertext"])),
                        bytes(row["sha256"]),
                    )
                )
                updates.append(
                    (
                        row["evidence_id"],
                        new.key.key_version,
                        new.key.wrapped,
                        new.message.nonce,
                        new.message.ciphertext,
                    )
                )
            await conn.executemany(
                """
                UPDATE native_evidence_seals
                SET key_version = $2, wrapped_data_key = $3, nonce = $4, ciphertext = $5
                WHERE evidence_id = $1
                """,
                updates,
            )
        return len(rows)


def _stored_seal(row: asyncpg.Record) -> StoredSeal:
    seal = None
    if row["erased_at"] is None:
        seal = EvidenceSeal(
            row["complaint_id"],
            WrappedKey(bytes(row["wrapped_data_key"]), row["key_version"]),
            Ciphertext(bytes(row["nonce"]), bytes(row["ciphertext"])),
            bytes(row["sha256"]),
        )
    covered = orjson.loads(row["covered"])
    return StoredSeal(
        row["evidence_id"],
        row["sender"],
        row["kid"],
        row["signature_input"],
        {str(k): str(v) for k, v in covered.items()},
        row["received_at"],
        seal,
        row["erased_at"],
    )
