"""RFC 9162 Merkle trees: hashing, which stored nodes a proof needs, and proof verification.

A node is named `(level, index)`: it covers leaves `[index * 2**level, (index + 1) * 2**level)`.
Every node of complete subtrees is stored once it is complete (`append_leaves` says which nodes
a batch of new leaves completes), so a proof is a handful of lookups: `inclusion_nodes` and
`consistency_nodes` name them (after transparency-dev/merkle's `proof` package), and
`Nodes.rehash` folds the few that stand for the tree's incomplete right edge into one hash.
The verifiers follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step.

Pure: no I/O, no hub server module.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
NodeId = tuple[int, int]  # (level, index)

# RFC 9162 section 2.1.1: the hash of an empty tree is the hash of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that cannot be right whatever the hashes: wrong length, sizes out of order."""


class RootMismatch(ProofError):
    """The proof computes a root other than the one expected."""

    def __init__(self, expected: bytes, calculated: bytes) -> None:
        super().__init__(f"calculated root {calculated.hex()} is not {expected.hex()}")
        self.expected = expected
        self.calculated = calculated


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 9162 section 2.1.1: SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 section 2.1.1: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The complete subtrees that exactly cover leaves `[begin, end)`, left to right, each as
    large as its alignment allows (a compact range)."""
    nodes: list[NodeId] = []
    while begin < end:
        level = (begin & -begin).bit_length() - 1 if begin else (end - begin).bit_length() - 1
        while begin + (1 << level) > end:
            level -= 1
        nodes.append((level, begin >> level))
        begin += 1 << level
    return nodes


def frontier_nodes(size: int) -> list[NodeId]:
    """The complete subtrees a tree of `size` leaves is made of, largest (leftmost) first."""
    return range_nodes(0, size)


def root_from_frontier(hashes: Sequence[bytes]) -> bytes:
    """The root hash of a tree from the hashes of its `frontier_nodes`, in that order."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def append_leaves(
    size: int, frontier: Sequence[bytes], leaf_hashes: Sequence[bytes]
) -> list[tuple[int, int, bytes]]:
    """Every node `(level, index, hash)` that appending `leaf_hashes` to a tree of `size` leaves
    completes, the new leaves themselves (level 0) included.

    `frontier` holds the hashes of `frontier_nodes(size)`; the work is one hash per new node.
    """
    ids = frontier_nodes(size)
    if len(ids) != len(frontier):
        raise ProofError(
            f"a tree of {size} leaves has {len(ids)} frontier nodes, not {len(frontier)}"
        )
    stack = [(level, index, hash_) for (level, index), hash_ in zip(ids, frontier, strict=True)]
    created: list[tuple[int, int, bytes]] = []
    for offset, hash_ in enumerate(leaf_hashes):
        node = (0, size + offset, hash_)
        created.append(node)
        # Like carrying in a binary counter: equal neighbours merge into their parent.
        while stack and stack[-1][0] == node[0]:
            left = stack.pop()
            node = (node[0] + 1, left[1] >> 1, node_hash(left[2], node[2]))
            created.append(node)
        stack.append(node)
    return created


@dataclasses.dataclass(frozen=True)
class Nodes:
    """The stored nodes a proof is built from; `ids[begin:end]` (when non-empty) together stand
    for one ephemeral node on the tree's incomplete right edge, lowest level first."""

    ids: tuple[NodeId, ...]
    begin: int = 0
    end: int = 0

    def rehash(self, hashes: Sequence[bytes]) -> list[bytes]:
        """The proof's hashes, from the hashes of `ids` in the same order."""
        if len(hashes) != len(self.ids):
            raise ProofError(f"{len(self.ids)} node hashes needed, {len(hashes)} given")
        if self.end - self.begin < 2:
            return list(hashes)
        ephemeral = hashes[self.begin]
        for left in hashes[self.begin + 1 : self.end]:
            ephemeral = node_hash(left, ephemeral)
        return [*hashes[: self.begin], ephemeral, *hashes[self.end :]]

    def _skip_first(self) -> Nodes:
        if self.begin < self.end:
            return Nodes(self.ids[1:], self.begin - 1, self.end - 1)
        return Nodes(self.ids[1:])


def _nodes(index: int, level: int, size: int) -> Nodes:
    """The node `(level, index)`, then its proof nodes in a tree of `size` leaves."""
    # The fork is where the path up from (level, index) parts from the tree's right edge; its
    # sibling is the (possibly incomplete) subtree covering [end, size).
    inner = (index ^ (size >> level)).bit_length() - 1
    fork_level, fork_index = level + inner, index >> inner
    begin, end = fork_index << fork_level, (fork_index + 1) << fork_level
    ids: list[NodeId] = [(level, index)]
    node_level, node_index = level, index
    while node_level < fork_level:
        ids.append((node_level, node_index ^ 1))
        node_level, node_index = node_level + 1, node_index >> 1
    first_right = len(ids)
    ids.extend(reversed(range_nodes(end, size)))
    last_right = len(ids)
    ids.extend(reversed(range_nodes(0, begin)))
    if first_right >= last_right:
        first_right = last_right = 0
    return Nodes(tuple(ids), first_right, last_right)


def inclusion_nodes(index: int, size: int) -> Nodes:
    """The nodes of the inclusion proof of leaf `index` in a tree of `size` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    return _nodes(index, 0, size)._skip_first()


def consistency_nodes(first: int, second: int) -> Nodes:
    """The nodes of the consistency proof between trees of `first` and `second` leaves."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from {first} to {second} leaves")
    if first in (0, second):
        return Nodes(())
    # The largest complete subtree that ends at `first`, and its inclusion path in `second`.
    level = (first & -first).bit_length() - 1
    index = (first - 1) >> level
    nodes = _nodes(index, level, second)
    # When `first` is a power of two that subtree is the old root: the verifier knows it.
    return nodes._skip_first() if index == 0 else nodes


def root_from_inclusion(
    index: int, size: int, leaf: bytes, inclusion_path: Sequence[bytes]
) -> bytes:
    """RFC 9162 section 2.1.3.2: the root that `leaf` (a leaf hash) and its path compute."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    fn, sn = index, size - 1
    root = leaf
    for sibling in inclusion_path:
        if sn == 0:
            raise ProofError("the inclusion path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            root = node_hash(sibling, root)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            root = node_hash(root, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion path is shorter than the tree is deep")
    return root


def verify_inclusion(
    index: int, size: int, leaf: bytes, inclusion_path: Sequence[bytes], root: bytes
) -> None:
    """Raise unless `leaf` (a leaf hash) is leaf `index` of the tree of `size` with `root`."""
    calculated = root_from_inclusion(index, size, leaf, inclusion_path)
    if calculated != root:
        raise RootMismatch(root, calculated)


def verify_consistency(
    first: int,
    second: int,
    first_root: bytes,
    second_root: bytes,
    consistency_path: Sequence[bytes],
) -> None:
    """RFC 9162 section 2.1.4.2: raise unless the tree of `first` leaves with `first_root` is a
    prefix of the tree of `second` leaves with `second_root`."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from {first} to {second} leaves")
    if first == second:
        if consistency_path:
            raise ProofError("trees of the same size have an empty consistency proof")
        if first_root != second_root:
            raise RootMismatch(first_root, second_root)
        return
    if first == 0:
        if consistency_path:
            raise ProofError("an empty tree has an empty consistency proof")
        return
    if not consistency_path:
        raise ProofError("the consistency path is empty")
    path = list(consistency_path)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency path is shorter than the tree is deep")
    if fr != first_root:
        raise RootMismatch(first_root, fr)
    if sr != second_root:
        raise RootMismatch(second_root, sr)
