"""RFC 9162's definitions, written as the RFC states them (recursive, whole-tree): the yardstick
the stored-node proofs are measured against."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from hub.audit.merkle import Nodes, append_leaves, leaf_hash, node_hash


def _split(n: int) -> int:
    """The largest power of two smaller than n (RFC 9162 section 2.1.1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]), section 2.1.1."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = _split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]), section 2.1.3.1."""
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]), section 2.1.4.1."""
    return _subproof(m, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], known: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if known else [mth(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], known), mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), mth(leaves[:k])]


class NodeTable:
    """The stored-node table in memory, filled the way the hub fills it."""

    def __init__(self) -> None:
        self.size = 0
        self.hashes: dict[tuple[int, int], bytes] = {}

    def append(self, leaves: Sequence[bytes]) -> None:
        from hub.audit.merkle import frontier_nodes

        frontier = [self.hashes[node] for node in frontier_nodes(self.size)]
        for level, index, hash_ in append_leaves(
            self.size, frontier, [leaf_hash(leaf) for leaf in leaves]
        ):
            self.hashes[(level, index)] = hash_
        self.size += len(leaves)

    def proof(self, nodes: Nodes) -> list[bytes]:
        return nodes.rehash([self.hashes[node] for node in nodes.ids])
