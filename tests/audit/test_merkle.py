"""The proof functions against RFC 9162: known vectors, every mutation refused, and the stored-node
proofs equal to the RFC's recursive definitions for every tree up to 70 leaves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.audit.merkle import (
    EMPTY_ROOT,
    ProofError,
    RootMismatch,
    append_leaves,
    consistency_nodes,
    frontier_nodes,
    inclusion_nodes,
    leaf_hash,
    root_from_frontier,
    verify_consistency,
    verify_inclusion,
)
from tests.audit._reference import NodeTable, mth, path, proof

VECTORS = Path(__file__).resolve().parent / "vectors"
LEAVES = [f"leaf {n}".encode() for n in range(70)]


def _cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((VECTORS / f"{name}.json").read_text())["cases"]
    return cases


def _hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _check_inclusion(case: dict[str, Any]) -> None:
    verify_inclusion(
        case["leaf_index"],
        case["tree_size"],
        bytes.fromhex(case["leaf_hash"]),
        _hashes(case["inclusion_path"]),
        bytes.fromhex(case["root_hash"]),
    )


def _check_consistency(case: dict[str, Any]) -> None:
    verify_consistency(
        case["first"],
        case["second"],
        bytes.fromhex(case["first_root"]),
        bytes.fromhex(case["second_root"]),
        _hashes(case["consistency_path"]),
    )


def test_reference_tree_roots_are_the_known_ones() -> None:
    roots = {c["tree_size"]: c["root_hash"] for c in _cases("inclusion")}
    assert roots[1] == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert roots[8] == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize(
    "case", _cases("inclusion"), ids=lambda c: f"{c['leaf_index']}-of-{c['tree_size']}"
)
def test_valid_inclusion_vector_verifies(case: dict[str, Any]) -> None:
    _check_inclusion(case)


@pytest.mark.parametrize(
    "case", _cases("consistency"), ids=lambda c: f"{c['first']}-to-{c['second']}"
)
def test_valid_consistency_vector_verifies(case: dict[str, Any]) -> None:
    _check_consistency(case)


def _mutations(kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path_.stem, case)
        for path_ in sorted(VECTORS.glob(f"{kind}_*.json"))
        for case in _cases(path_.stem)
    ]


@pytest.mark.parametrize(("mutation", "case"), _mutations("inclusion"))
def test_mutated_inclusion_vector_fails(mutation: str, case: dict[str, Any]) -> None:
    with pytest.raises(ProofError):
        _check_inclusion(case)


@pytest.mark.parametrize(("mutation", "case"), _mutations("consistency"))
def test_mutated_consistency_vector_fails(mutation: str, case: dict[str, Any]) -> None:
    with pytest.raises(ProofError):
        _check_consistency(case)


def test_root_mismatch_names_both_roots() -> None:
    case = _cases("inclusion")[-1]
    wrong_root = b"\x00" * 32
    with pytest.raises(RootMismatch) as caught:
        verify_inclusion(
            case["leaf_index"],
            case["tree_size"],
            bytes.fromhex(case["leaf_hash"]),
            _hashes(case["inclusion_path"]),
            wrong_root,
        )
    assert caught.value.expected == wrong_root
    assert caught.value.calculated.hex() == case["root_hash"]


@pytest.mark.parametrize("size", range(1, 71))
def test_stored_node_proofs_equal_the_rfc_definitions(size: int) -> None:
    table = NodeTable()
    # Appended in uneven groups, as group commit does.
    for start in range(0, size, 7):
        table.append(LEAVES[start : min(size, start + 7)])
    leaves = LEAVES[:size]
    root = mth(leaves)
    assert root_from_frontier([table.hashes[n] for n in frontier_nodes(size)]) == root
    for index in range(size):
        inclusion_path = table.proof(inclusion_nodes(index, size))
        assert inclusion_path == path(index, leaves)
        verify_inclusion(index, size, leaf_hash(leaves[index]), inclusion_path, root)
    for first in range(1, size + 1):
        consistency_path = table.proof(consistency_nodes(first, size))
        assert consistency_path == proof(first, leaves)
        verify_consistency(first, size, mth(leaves[:first]), root, consistency_path)


def test_proofs_are_logarithmic() -> None:
    size = 1_000_000
    assert len(inclusion_nodes(123_456, size).ids) <= 2 * size.bit_length()
    assert len(consistency_nodes(654_321, size).ids) <= 2 * size.bit_length()


def test_empty_tree_and_out_of_range() -> None:
    assert root_from_frontier([]) == EMPTY_ROOT
    verify_consistency(0, 5, EMPTY_ROOT, b"\x01" * 32, [])
    with pytest.raises(ProofError):
        inclusion_nodes(3, 3)
    with pytest.raises(ProofError):
        consistency_nodes(4, 3)
    with pytest.raises(ProofError):
        append_leaves(3, [b"\x00" * 32], [b"\x01" * 32])
