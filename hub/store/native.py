"""Native ids and states: which complaint a platform's record belongs to, and its last state.

A native record is a state, not an event: its adapter diffs it against the state kept here. The
state is written in the same transaction as the events its change produced (`upsert_native_txn`,
called by the event store's group commit), so a crash between the two can neither re-emit nor lose
a change. The native codes the adapter could not map are counted in that same transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import asyncpg
import orjson

from hub.store.pool import Conn
from hub.store.unmapped import count_unmapped_txn


@dataclasses.dataclass(frozen=True, eq=False)
class NativeState:
    """The state to keep for one native id once the events it produced are accepted.

    Compared by identity, like evidence: it travels on a pending event and holds a mapping.
    """

    platform: str
    kind: str
    native_id: str
    state: Mapping[str, Any]
    event_ids: tuple[str, ...] = ()
    # (field, code) of each native code no adapter table knew, counted once the state is kept.
    unmapped: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.platform, self.kind, self.native_id)


@dataclasses.dataclass(frozen=True)
class StoredNative:
    platform: str
    kind: str
    native_id: str
    complaint_id: str
    state: dict[str, Any]
    event_ids: tuple[str, ...]
    updated_at: datetime


@dataclasses.dataclass(frozen=True)
class CaseContext:
    """What a renderer may need of a case: its snapshot, its native ids and its order."""

    complaint_id: str
    respondent_platform: str | None
    public: dict[str, Any]
    native_refs: tuple[dict[str, str], ...]
    order: dict[str, Any] | None

    def as_render_case(self) -> dict[str, Any]:
        case: dict[str, Any] = {**self.public, "native_refs": [dict(r) for r in self.native_refs]}
        if self.order is not None:
            case["order"] = self.order
        return case


_UPSERT = """
INSERT INTO native_refs (platform, kind, native_id, complaint_id, state, event_ids, linked_at,
                         updated_at)
SELECT p, k, n, c, s::jsonb, ARRAY(SELECT jsonb_array_elements_text(e::jsonb)), $7, $7
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
    AS u(p, k, n, c, s, e)
ON CONFLICT (platform, kind, native_id) DO UPDATE
-- The link never moves: a native id belongs to the complaint it was first linked to.
SET state = EXCLUDED.state, event_ids = EXCLUDED.event_ids, updated_at = EXCLUDED.updated_at
"""


async def upsert_native_txn(
    conn: Conn,
    states: Sequence[tuple[NativeState, str]],
    at: datetime,
) -> None:
    """Keep each (state, complaint_id) and count its unmapped codes; for one native id the last in
    the sequence wins."""
    latest: dict[tuple[str, str, str], tuple[NativeState, str]] = {}
    for native, complaint_id in states:
        latest[native.key] = (native, complaint_id)
    # One statement may not touch a row twice, hence the de-duplication above.
    rows = list(latest.values())
    await conn.execute(
        _UPSERT,
        [n.platform for n, _ in rows],
        [n.kind for n, _ in rows],
        [n.native_id for n, _ in rows],
        [c for _, c in rows],
        [orjson.dumps(dict(n.state)).decode() for n, _ in rows],
        # A JSON array per row: unnest cannot take an array of arrays of varying length.
        [orjson.dumps(list(n.event_ids)).decode() for n, _ in rows],
        at,
    )
    await count_unmapped_txn(
        conn,
        [(n.platform, field, code) for n, _ in rows for field, code in n.unmapped],
        at,
    )


class NativeStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get(self, platform: str, kind: str, native_id: str) -> StoredNative | None:
        row = await self._pool.fetchrow(
            "SELECT platform, kind, native_id, complaint_id, state::text AS state, event_ids,"
            " updated_at FROM native_refs WHERE platform = $1 AND kind = $2 AND native_id = $3",
            platform,
            kind,
            native_id,
        )
        if row is None:
            return None
        return StoredNative(
            row["platform"],
            row["kind"],
            row["native_id"],
            row["complaint_id"],
            orjson.loads(row["state"]),
            tuple(row["event_ids"]),
            row["updated_at"],
        )

    async def save_state(self, native: NativeState, complaint_id: str, at: datetime) -> None:
        """Keep a state whose change produced no event (nothing else to be atomic with)."""
        async with self._pool.acquire() as conn, conn.transaction():
            # The pool hands out a proxy of the connection, which serves every call alike.
            await upsert_native_txn(cast(asyncpg.Connection, conn), [(native, complaint_id)], at)

    async def case_contexts(self, complaint_ids: Sequence[str]) -> dict[str, CaseContext]:
        """Snapshot, native ids and filed order of each complaint, for rendering its events."""
        if not complaint_ids:
            return {}
        ids = sorted(set(complaint_ids))
        rows = await self._pool.fetch(
            """
            SELECT c.complaint_id, c.respondent_platform, c.snapshot::text AS snapshot,
                   (SELECT e.body FROM events e
                    WHERE e.complaint_id = c.complaint_id AND e.version = 1) AS filed,
                   coalesce((SELECT jsonb_agg(jsonb_build_object(
                                 'platform', n.platform, 'kind', n.kind,
                                 'native_id', n.native_id) ORDER BY n.linked_at, n.native_id)
                             FROM native_refs n WHERE n.complaint_id = c.complaint_id),
                            '[]')::text AS refs
            FROM complaints c WHERE c.complaint_id = ANY($1::text[])
            """,
            ids,
        )
        contexts = {}
        for row in rows:
            filed = orjson.loads(row["filed"]) if row["filed"] is not None else {}
            order = (filed.get("data") or {}).get("order")
            contexts[row["complaint_id"]] = CaseContext(
                row["complaint_id"],
                row["respondent_platform"],
                orjson.loads(row["snapshot"])["public"],
                tuple(orjson.loads(row["refs"])),
                order if isinstance(order, dict) else None,
            )
        return contexts
