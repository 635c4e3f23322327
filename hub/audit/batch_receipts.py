"""Batch receipts: one hub JWS over the Merkle root of a batch's accepted items, and per item
that JWS plus the item's leaf and inclusion path. Pure: no I/O, no hub server module.

An item's leaf is exactly the payload a single-event receipt signs (hub.crypto.receipts:
`{event_id, complaint_id, version, position, accepted_at, actor, event_sha256,
evidence_sha256}` in canonical JSON), which is also the event's leaf in the audit log; so an
item's batch receipt proves the same facts as a single receipt would. The leaves are hashed as
RFC 9162 leaves, in the order the items were appended (leaf i = the batch's i-th accepted item).

The item receipt is one string, so every place that carries a receipt (feed, webhooks, chains,
the audit bundle) carries it unchanged:

    <batch JWS header>.<batch JWS payload>.<batch JWS signature>.<leaf>.<leaf index>.<path>

`leaf` and `path` (the inclusion path's hashes concatenated, empty for a batch of one) are
unpadded base64url, `leaf index` is decimal. The batch JWS payload is
`{accepted_at, actor, evidence_sha256, root_hash, tree_size}` (root hash base64, as the audit
log's heads give it) with `typ` `complaint-hub-batch+jws`, so it can never pass for a tree head.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.audit.merkle import HASH_SIZE, ProofError, leaf_hash, node_hash, verify_inclusion
from hub.crypto._b64 import b64url_decode, b64url_encode
from hub.crypto.jcs import canonical_json
from hub.crypto.jws import (
    JwsError,
    JwsMalformed,
    decode_unverified_header,
    unverified_payload,
    verify_compact,
)

BATCH_TYPE = "complaint-hub-batch+jws"
# The members an item's leaf shares with its batch: one commit time, one sender, one request.
_SHARED = ("accepted_at", "actor", "evidence_sha256")


class BatchReceiptInvalid(JwsError):
    """An item receipt whose parts, leaf or inclusion path do not add up to its signed root."""

    code = "batch-receipt-invalid"


@dataclasses.dataclass(frozen=True)
class BatchTree:
    """The Merkle tree of a batch's leaves: its root and every leaf's inclusion path."""

    root_hash: bytes
    tree_size: int
    paths: tuple[tuple[bytes, ...], ...]


def batch_tree(leaves: Sequence[bytes]) -> BatchTree:
    """Hash the leaves (RFC 9162) and give each its inclusion path, in one pass up the tree.

    Level by level, each pair of nodes is hashed into its parent and each node is the next
    path hash of every leaf under its sibling; a last node without a sibling rises as it is.
    That is RFC 9162's tree (split at the largest power of two below the size), so leaf i's
    path is its audit path, lowest hash first. One hash per node, no look-ups.
    """
    if not leaves:
        raise ProofError("a batch tree needs at least one leaf")
    size = len(leaves)
    paths: list[list[bytes]] = [[] for _ in range(size)]
    level, nodes = 0, [leaf_hash(leaf) for leaf in leaves]
    while len(nodes) > 1:
        parents = []
        for index in range(0, len(nodes) - 1, 2):
            left, right = nodes[index], nodes[index + 1]
            # Node j of this level covers leaves [j << level, (j + 1) << level).
            begin, middle = index << level, (index + 1) << level
            for leaf in range(begin, middle):
                paths[leaf].append(right)
            for leaf in range(middle, min((index + 2) << level, size)):
                paths[leaf].append(left)
            parents.append(node_hash(left, right))
        if len(nodes) % 2:
            parents.append(nodes[-1])
        level, nodes = level + 1, parents
    return BatchTree(nodes[0], size, tuple(tuple(path) for path in paths))


def batch_payload(
    tree: BatchTree, *, accepted_at: str, actor: str, evidence_sha256: str | None
) -> dict[str, Any]:
    return {
        "accepted_at": accepted_at,
        "actor": actor,
        "evidence_sha256": evidence_sha256,
        "root_hash": base64.b64encode(tree.root_hash).decode("ascii"),
        "tree_size": tree.tree_size,
    }


def seal_batch(
    leaves: Sequence[bytes],
    sign: Callable[[bytes], str],
    *,
    accepted_at: str,
    actor: str,
    evidence_sha256: str | None,
) -> tuple[str, list[str]]:
    """The batch JWS (`sign` applied to the canonical batch payload) and each item's receipt."""
    tree = batch_tree(leaves)
    payload = batch_payload(
        tree, accepted_at=accepted_at, actor=actor, evidence_sha256=evidence_sha256
    )
    batch_jws = sign(canonical_json(payload))
    return batch_jws, [
        item_receipt(batch_jws, leaf, index, path)
        for index, (leaf, path) in enumerate(zip(leaves, tree.paths, strict=True))
    ]


def batch_summary(batch_jws: str) -> dict[str, Any]:
    """The batch JWS with what it signs (as the hub just signed it: not verified here)."""
    payload = _object(unverified_payload(batch_jws), "batch payload")
    return {
        "receipt": batch_jws,
        "root_hash": payload["root_hash"],
        "tree_size": payload["tree_size"],
    }


def item_receipt(batch_jws: str, leaf: bytes, index: int, path: Sequence[bytes]) -> str:
    return f"{batch_jws}.{b64url_encode(leaf)}.{index}.{b64url_encode(b''.join(path))}"


def is_batch_receipt(token: str) -> bool:
    return token.count(".") == 5


@dataclasses.dataclass(frozen=True)
class ItemReceipt:
    batch_jws: str
    leaf: bytes
    leaf_index: int
    inclusion_path: tuple[bytes, ...]


def parse_item_receipt(token: str) -> ItemReceipt:
    parts = token.split(".")
    if len(parts) != 6:
        raise JwsMalformed("a batch item receipt has exactly six dot-separated parts")
    header, payload, signature, leaf, index, path = parts
    try:
        leaf_bytes, path_bytes = b64url_decode(leaf), b64url_decode(path)
    except ValueError as err:
        raise JwsMalformed("the item's leaf or path is not unpadded base64url") from err
    if not index.isdigit() or len(path_bytes) % HASH_SIZE:
        raise JwsMalformed("the item's leaf index or inclusion path is malformed")
    hashes = tuple(path_bytes[i : i + HASH_SIZE] for i in range(0, len(path_bytes), HASH_SIZE))
    return ItemReceipt(f"{header}.{payload}.{signature}", leaf_bytes, int(index), hashes)


def receipt_kid(token: str) -> Any:
    """The `kid` a receipt of either form names (unverified: for picking a key only)."""
    jws = ".".join(token.split(".")[:3])
    return decode_unverified_header(jws).get("kid")


def verify_item_receipt(token: str, public_keys_by_kid: Mapping[str, Ed25519PublicKey]) -> bytes:
    """The item's leaf (a single receipt's canonical payload), once the batch JWS verifies under
    the hub's keys and the leaf's inclusion path computes its signed root."""
    item = parse_item_receipt(token)
    if decode_unverified_header(item.batch_jws).get("typ") != BATCH_TYPE:
        raise BatchReceiptInvalid(f"the batch JWS is not typed {BATCH_TYPE}")
    signed = _object(verify_compact(item.batch_jws, public_keys_by_kid), "batch payload")
    try:
        root = base64.b64decode(str(signed["root_hash"]), validate=True)
        size = int(signed["tree_size"])
    except (KeyError, ValueError, TypeError) as err:
        raise BatchReceiptInvalid("the batch payload names no root_hash and tree_size") from err
    try:
        verify_inclusion(item.leaf_index, size, leaf_hash(item.leaf), item.inclusion_path, root)
    except ProofError as err:
        raise BatchReceiptInvalid(f"the item is not in the signed batch: {err}") from err
    leaf = _object(item.leaf, "item leaf")
    if any(leaf.get(name) != signed.get(name) for name in _SHARED):
        raise BatchReceiptInvalid("the item's leaf names another commit, actor or request")
    return item.leaf


def verified_receipt_leaf(token: str, public_keys_by_kid: Mapping[str, Ed25519PublicKey]) -> bytes:
    """The canonical payload a receipt of either form proves (a single JWS, or a batch item)."""
    if is_batch_receipt(token):
        return verify_item_receipt(token, public_keys_by_kid)
    return verify_compact(token, public_keys_by_kid)


def _object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise BatchReceiptInvalid(f"the {what} is not JSON") from err
    if not isinstance(value, dict):
        raise BatchReceiptInvalid(f"the {what} is not a JSON object")
    return value
