"""The personal_parts table: sealed personal parts, their replacement and their erasure."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import asyncpg

from hub.privacy.envelope import Ciphertext, WrappedKey
from hub.privacy.sealed import SealedPersonal
from hub.problems import Conflict

_COLUMNS = (
    "complaint_id, filer, revision, key_version, wrapped_data_key, nonce, ciphertext,"
    " evidence_nonce, evidence_ciphertext, commitment, created_at, updated_at, erased_at"
)


@dataclasses.dataclass(frozen=True)
class StoredPersonal:
    complaint_id: str
    filer: str
    revision: int
    sealed: SealedPersonal | None  # None once erased
    commitment: str
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None
    filed_commitment: str | None = None  # data.personal_commitment of the filing event, if filed


def _stored(row: asyncpg.Record, filed_commitment: str | None = None) -> StoredPersonal:
    sealed = None
    if row["erased_at"] is None:
        sealed = SealedPersonal(
            key=WrappedKey(bytes(row["wrapped_data_key"]), row["key_version"]),
            personal=Ciphertext(bytes(row["nonce"]), bytes(row["ciphertext"])),
            evidence=Ciphertext(bytes(row["evidence_nonce"]), bytes(row["evidence_ciphertext"])),
            commitment=row["commitment"],
        )
    return StoredPersonal(
        row["complaint_id"],
        row["filer"],
        row["revision"],
        sealed,
        row["commitment"],
        row["created_at"],
        row["updated_at"],
        row["erased_at"],
        filed_commitment,
    )


class PersonalStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get(self, complaint_id: str) -> StoredPersonal | None:
        row = await self._pool.fetchrow(
            f"""
            SELECT {_COLUMNS},
                   (SELECT convert_from(e.body, 'UTF8')::jsonb #>> '{{data,personal_commitment}}'
                    FROM events e
                    WHERE e.complaint_id = p.complaint_id AND e.version = 1
                      AND e.type = 'complaint.filed') AS filed_commitment
            FROM personal_parts p WHERE complaint_id = $1
            """,
            complaint_id,
        )
        return _stored(row, row["filed_commitment"]) if row else None

    async def save(
        self,
        complaint_id: str,
        filer: str,
        sealed: SealedPersonal,
        *,
        replaces: StoredPersonal | None,
    ) -> StoredPersonal:
        """Insert, or replace the revision read before; a concurrent write or erasure in between
        is a Conflict rather than a silent overwrite (it could leave a commitment unmatched)."""
        values = (
            complaint_id,
            filer,
            sealed.key.key_version,
            sealed.key.wrapped,
            sealed.personal.nonce,
            sealed.personal.ciphertext,
            sealed.evidence.nonce,
            sealed.evidence.ciphertext,
            sealed.commitment,
        )
        if replaces is None:
            row = await self._pool.fetchrow(
                f"""
                INSERT INTO personal_parts (complaint_id, filer, key_version, wrapped_data_key,
                    nonce, ciphertext, evidence_nonce, evidence_ciphertext, commitment)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (complaint_id) DO NOTHING
                RETURNING {_COLUMNS}
                """,
                *values,
            )
        else:
            row = await self._pool.fetchrow(
                f"""
                UPDATE personal_parts SET filer = $2, key_version = $3, wrapped_data_key = $4,
                    nonce = $5, ciphertext = $6, evidence_nonce = $7, evidence_ciphertext = $8,
                    commitment = $9, revision = revision + 1, updated_at = now()
                WHERE complaint_id = $1 AND revision = $10 AND erased_at IS NULL
                RETURNING {_COLUMNS}
                """,
                *values,
                replaces.revision,
            )
        if row is None:
            raise Conflict(
                f"the personal part of {complaint_id} changed while this request was served; "
                "send it again"
            )
        return _stored(row)

    async def erase(self, complaint_id: str) -> datetime | None:
        """Destroy the data key, the salt and every ciphertext; returns when (the first erasure's
        time when repeated), or None when the complaint has no personal part. The sealed native
        messages of the complaint, which name the buyer too, are erased with it."""
        return await self._pool.fetchval(  # type: ignore[no-any-return]
            """
            WITH seals AS (
                -- Every copy of a message that carried the complaint's records (a pulled page
                -- is sealed once per complaint it reached), named as in hub/store/retention.py.
                UPDATE native_evidence_seals s
                SET wrapped_data_key = NULL, nonce = NULL, ciphertext = NULL, erased_at = now()
                FROM evidence v
                WHERE v.evidence_id = s.evidence_id AND s.erased_at IS NULL AND v.sealed
                  AND (v.sender, v.signature_input) IN (
                      SELECT m.sender, m.signature_input
                      FROM native_evidence_seals d JOIN evidence m USING (evidence_id)
                      WHERE d.complaint_id = $1 AND m.sealed)
                  AND EXISTS (SELECT 1 FROM personal_parts WHERE complaint_id = $1)
            )
            UPDATE personal_parts SET wrapped_data_key = NULL, nonce = NULL, ciphertext = NULL,
                evidence_nonce = NULL, evidence_ciphertext = NULL,
                erased_at = coalesce(erased_at, now()), updated_at = now()
            WHERE complaint_id = $1
            RETURNING erased_at
            """,
            complaint_id,
        )
