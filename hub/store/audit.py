"""The audit log's tables: the Merkle tree's complete subtrees, signed tree heads, cosignatures.

Leaves are appended inside the event store's group transaction (`append_leaves_txn`), after the
feed counter row was locked: so they arrive in position order from every process, and a tree
of n leaves is exactly the first n positions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson

from hub.audit.merkle import (
    NodeId,
    append_leaves,
    consistency_nodes,
    frontier_nodes,
    inclusion_nodes,
    leaf_hash,
    root_from_frontier,
)
from hub.audit.records import KeyRecord, LoggedEvent, LoggedEvidence
from hub.store.pool import Conn


class MissingNodes(LookupError):
    """Nodes a proof needs are not stored: the tree is smaller than asked, or was tampered with."""


@dataclasses.dataclass(frozen=True)
class StoredHead:
    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    signature: str  # the hub's compact JWS over the head


@dataclasses.dataclass(frozen=True)
class StoredCosignature:
    tree_size: int
    witness: str
    kid: str
    cosigned_at: int  # seconds since the epoch
    signature: bytes


async def _hashes(conn: Conn | asyncpg.Pool, ids: Sequence[NodeId]) -> list[bytes]:
    if not ids:
        return []
    rows = await conn.fetch(
        "SELECT level, node_index, hash FROM audit_nodes"
        " WHERE (level, node_index) IN"
        " (SELECT * FROM unnest($1::smallint[], $2::bigint[]))",
        [level for level, _ in ids],
        [index for _, index in ids],
    )
    found = {(r["level"], r["node_index"]): bytes(r["hash"]) for r in rows}
    missing = [node for node in ids if node not in found]
    if missing:
        raise MissingNodes(f"audit nodes {missing[:3]} are not stored")
    return [found[node] for node in ids]


async def append_leaves_txn(conn: Conn, size: int, leaves: Sequence[bytes]) -> None:
    """Append `leaves` (leaf bytes) to the tree of `size` leaves, inside the caller's
    transaction: one read of the tree's right edge, one insert of every node they complete."""
    await LeafLog().append_txn(conn, size, leaves)


class LeafLog:
    """Appends leaves inside the event store's group transaction, in one round trip.

    It remembers the tree's right edge (frontier) after its last append. The next append, when
    it continues from that size, computes the new nodes from memory and inserts them with one
    statement that first checks the remembered frontier against the stored one: another
    process's appends, or a group that was rolled back, make that check fail, and the frontier
    is then read from the table. So memory saves a round trip but never decides a hash.
    """

    def __init__(self) -> None:
        self._size = -1
        self._frontier: list[bytes] = []

    async def append_txn(self, conn: Conn, size: int, leaves: Sequence[bytes]) -> None:
        hashes = [leaf_hash(leaf) for leaf in leaves]
        if size == self._size:
            nodes = append_leaves(size, self._frontier, hashes)
            ids = frontier_nodes(size)
            inserted = await conn.fetchval(
                _INSERT_IF_FRONTIER,
                [n[0] for n in nodes],
                [n[1] for n in nodes],
                [n[2] for n in nodes],
                [level for level, _ in ids],
                [index for _, index in ids],
                self._frontier,
                len(ids),
            )
            if inserted:
                self._remember(size, self._frontier, nodes, len(hashes))
                return
        frontier = await _hashes(conn, frontier_nodes(size))
        nodes = append_leaves(size, frontier, hashes)
        await conn.execute(
            "INSERT INTO audit_nodes (level, node_index, hash)"
            " SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])",
            [n[0] for n in nodes],
            [n[1] for n in nodes],
            [n[2] for n in nodes],
        )
        self._remember(size, frontier, nodes, len(hashes))

    def _remember(
        self, size: int, frontier: list[bytes], nodes: list[tuple[int, int, bytes]], added: int
    ) -> None:
        known = dict(zip(frontier_nodes(size), frontier, strict=True))
        known.update(((level, index), hash_) for level, index, hash_ in nodes)
        self._size = size + added
        self._frontier = [known[node] for node in frontier_nodes(self._size)]


# Inserts the new nodes only when every remembered frontier node is stored with that hash.
_INSERT_IF_FRONTIER = """
WITH matching AS (
    SELECT count(*) AS found
    FROM unnest($4::smallint[], $5::bigint[], $6::bytea[]) AS f(level, node_index, hash)
    JOIN audit_nodes AS n
      ON n.level = f.level AND n.node_index = f.node_index AND n.hash = f.hash
), inserted AS (
    INSERT INTO audit_nodes (level, node_index, hash)
    SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])
    WHERE (SELECT found FROM matching) = $7
    RETURNING 1
)
SELECT count(*) > 0 FROM inserted
"""


_HEAD_COLUMNS = "tree_size, timestamp_ms, root_hash, signature"


def _head(row: asyncpg.Record) -> StoredHead:
    return StoredHead(
        row["tree_size"], row["timestamp_ms"], bytes(row["root_hash"]), row["signature"]
    )


def _cosignature(row: asyncpg.Record) -> StoredCosignature:
    return StoredCosignature(
        row["tree_size"], row["witness"], row["kid"], row["cosigned_at"], bytes(row["signature"])
    )


class AuditStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # the tree -----------------------------------------------------------------------------

    async def tree_size(self) -> int:
        size: int = await self._pool.fetchval(
            "SELECT coalesce(max(node_index) + 1, 0) FROM audit_nodes WHERE level = 0"
        )
        return size

    async def root(self, size: int) -> bytes:
        return root_from_frontier(await _hashes(self._pool, frontier_nodes(size)))

    async def inclusion_path(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash of leaf `index` and its inclusion path in the tree of `size` leaves."""
        nodes = inclusion_nodes(index, size)
        hashes = await _hashes(self._pool, [(0, index), *nodes.ids])
        return hashes[0], nodes.rehash(hashes[1:])

    async def consistency_path(self, first: int, second: int) -> list[bytes]:
        nodes = consistency_nodes(first, second)
        return nodes.rehash(await _hashes(self._pool, nodes.ids))

    async def leaf_hashes(self, first_index: int, last_index: int) -> dict[int, bytes]:
        """Stored leaf hashes with index in first_index..last_index."""
        rows = await self._pool.fetch(
            "SELECT node_index, hash FROM audit_nodes"
            " WHERE level = 0 AND node_index BETWEEN $1 AND $2",
            first_index,
            last_index,
        )
        return {r["node_index"]: bytes(r["hash"]) for r in rows}

    # signed tree heads --------------------------------------------------------------------

    async def latest_head(self) -> StoredHead | None:
        row = await self._pool.fetchrow(
            f"SELECT {_HEAD_COLUMNS} FROM audit_tree_heads ORDER BY tree_size DESC LIMIT 1"
        )
        return _head(row) if row else None

    async def head(self, tree_size: int) -> StoredHead | None:
        row = await self._pool.fetchrow(
            f"SELECT {_HEAD_COLUMNS} FROM audit_tree_heads WHERE tree_size = $1", tree_size
        )
        return _head(row) if row else None

    async def heads(self) -> list[StoredHead]:
        rows = await self._pool.fetch(
            f"SELECT {_HEAD_COLUMNS} FROM audit_tree_heads ORDER BY tree_size"
        )
        return [_head(r) for r in rows]

    async def add_head(self, head: StoredHead) -> StoredHead:
        """Keep `head`; when another process already signed a head of that size, that one
        stands (one head per size) and is returned."""
        await self._pool.execute(
            f"INSERT INTO audit_tree_heads ({_HEAD_COLUMNS}) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (tree_size) DO NOTHING",
            head.tree_size,
            head.timestamp_ms,
            head.root_hash,
            head.signature,
        )
        stored = await self.head(head.tree_size)
        if stored is None:  # heads are never deleted: a missing one means the table was altered
            raise RuntimeError(f"the tree head of size {head.tree_size} vanished after its insert")
        return stored

    # cosignatures -------------------------------------------------------------------------

    async def add_cosignature(self, cosignature: StoredCosignature) -> bool:
        """Keep a witness's cosignature; False when it had already cosigned that head."""
        inserted = await self._pool.fetchval(
            "INSERT INTO audit_cosignatures (tree_size, witness, kid, cosigned_at, signature)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true",
            cosignature.tree_size,
            cosignature.witness,
            cosignature.kid,
            cosignature.cosigned_at,
            cosignature.signature,
        )
        return bool(inserted)

    async def cosignatures(self, tree_size: int) -> list[StoredCosignature]:
        rows = await self._pool.fetch(
            "SELECT tree_size, witness, kid, cosigned_at, signature FROM audit_cosignatures"
            " WHERE tree_size = $1 ORDER BY witness",
            tree_size,
        )
        return [_cosignature(r) for r in rows]

    # what a verifier re-reads -------------------------------------------------------------

    async def events(self, first: int, last: int, *, archived: bool = False) -> list[LoggedEvent]:
        """The events with position in first..last, in position order, with their evidence; with
        `archived`, also those of months detached to the archive schema."""
        tables = ["events"]
        if archived:
            tables += [
                f"archive.{r['table_name']}"
                for r in await self._pool.fetch("SELECT table_name FROM detached_months")
            ]
        source = " UNION ALL ".join(f"SELECT * FROM {t}" for t in tables)
        rows = await self._pool.fetch(_EVENTS_WITH_EVIDENCE.format(source=source), first, last)
        return [_logged_event(r) for r in rows]

    async def detached_positions(self, first: int, last: int) -> set[int]:
        """Positions in first..last whose month was detached to the archive (their keys stay in
        event_keys, their leaves in the log)."""
        rows = await self._pool.fetch(
            "SELECT position FROM event_keys WHERE position BETWEEN $1 AND $2"
            " AND accepted_at < (SELECT max(until)::timestamp AT TIME ZONE 'UTC'"
            "                    FROM detached_months)",
            first,
            last,
        )
        return {r["position"] for r in rows}

    async def complaint_positions(self, complaint_id: str) -> list[int]:
        # The complaint's keys bound the months to read (events is partitioned by month).
        rows = await self._pool.fetch(
            "SELECT position FROM events WHERE complaint_id = $1"
            " AND accepted_at >= (SELECT min(accepted_at) FROM event_keys WHERE complaint_id = $1)"
            " AND accepted_at <= (SELECT max(accepted_at) FROM event_keys WHERE complaint_id = $1)"
            " ORDER BY position",
            complaint_id,
        )
        return [r["position"] for r in rows]

    async def last_position(self) -> int:
        last: int = await self._pool.fetchval("SELECT coalesce(max(position), 0) FROM event_keys")
        return last

    async def participant_keys(self) -> dict[str, KeyRecord]:
        rows = await self._pool.fetch(
            "SELECT kid, participant_id, public_key, not_before, not_after, revoked_at"
            " FROM participant_keys"
        )
        return {
            r["kid"]: KeyRecord(
                r["kid"],
                r["participant_id"],
                bytes(r["public_key"]),
                r["not_before"],
                r["not_after"],
                r["revoked_at"],
            )
            for r in rows
        }


# The keys of the range bound the months read from `events` (partitioned by month).
_EVENTS_WITH_EVIDENCE = """
WITH span AS (
    SELECT min(accepted_at) AS lo, max(accepted_at) AS hi FROM event_keys
    WHERE position BETWEEN $1 AND $2
)
SELECT e.position, e.event_id, e.complaint_id, e.version, e.type, e.actor, e.accepted_at, e.body,
       e.event_sha256, e.evidence_sha256, e.receipt,
       v.sha256 AS ev_sha256, v.sender AS ev_sender, v.kid AS ev_kid, v.body AS ev_body,
       v.signature_input AS ev_signature_input, v.signature AS ev_signature,
       v.covered::text AS ev_covered, v.received_at AS ev_received_at, v.sealed AS ev_sealed
FROM ({source}) AS e LEFT JOIN evidence AS v ON v.evidence_id = e.evidence_id
WHERE e.position BETWEEN $1 AND $2
  AND e.accepted_at >= (SELECT lo FROM span) AND e.accepted_at <= (SELECT hi FROM span)
ORDER BY e.position
"""


def _logged_event(row: asyncpg.Record) -> LoggedEvent:
    evidence = None
    if row["ev_sha256"] is not None:
        covered: Any = orjson.loads(row["ev_covered"])
        evidence = LoggedEvidence(
            bytes(row["ev_sha256"]),
            row["ev_sender"],
            row["ev_kid"],
            bytes(row["ev_body"]),
            row["ev_signature_input"],
            row["ev_signature"],
            {str(k): str(v) for k, v in covered.items()},
            row["ev_received_at"],
            row["ev_sealed"],
        )
    return LoggedEvent(
        row["position"],
        row["event_id"],
        row["complaint_id"],
        row["version"],
        row["type"],
        row["actor"],
        row["accepted_at"],
        bytes(row["body"]),
        bytes(row["event_sha256"]),
        bytes(row["evidence_sha256"]) if row["evidence_sha256"] is not None else None,
        row["receipt"],
        evidence,
    )
