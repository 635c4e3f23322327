"""Writes tests/audit/vectors/*.json: valid RFC 9162 proofs over the Certificate Transparency
reference tree (the eight leaves of certificate-transparency's merkle_tree_test), and one file per
mutation, each case of which must fail. Run it only to extend the vectors:

    python -m tests.audit.make_vectors
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.audit.merkle import leaf_hash
from tests.audit._reference import mth, path, proof

VECTORS = Path(__file__).resolve().parent / "vectors"
LEAVES = [
    bytes.fromhex(x)
    for x in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
SOURCE = (
    "the eight-leaf reference tree of certificate-transparency (RFC 6962 test data); proofs"
    " computed with RFC 9162 sections 2.1.3.1 and 2.1.4.1"
)

Case = dict[str, Any]


def _inclusion_cases() -> list[Case]:
    cases = []
    for size in range(1, len(LEAVES) + 1):
        for index in range(size):
            cases.append(
                {
                    "leaf_index": index,
                    "tree_size": size,
                    "leaf_hash": leaf_hash(LEAVES[index]).hex(),
                    "inclusion_path": [h.hex() for h in path(index, LEAVES[:size])],
                    "root_hash": mth(LEAVES[:size]).hex(),
                }
            )
    return cases


def _consistency_cases() -> list[Case]:
    cases = []
    for second in range(1, len(LEAVES) + 1):
        for first in range(1, second + 1):
            cases.append(
                {
                    "first": first,
                    "second": second,
                    "first_root": mth(LEAVES[:first]).hex(),
                    "second_root": mth(LEAVES[:second]).hex(),
                    "consistency_path": [h.hex() for h in proof(first, LEAVES[:second])],
                }
            )
    return cases


def _split(n: int) -> int:
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def _path_shape(m: int, n: int) -> list[str]:
    """Which side each sibling of PATH(m, D[n]) stands on: a proof for another size with the same
    shape and the same root is the same proof, so such a mutation proves nothing."""
    if not 0 <= m < n:
        return ["out of range"]
    if n == 1:
        return []
    k = _split(n)
    return [*_path_shape(m, k), "right"] if m < k else [*_path_shape(m - k, n - k), "left"]


def _proof_shape(m: int, n: int, known: bool = True) -> list[str]:
    if not 0 < m <= n:
        return ["out of range"]
    if m == n:
        return [] if known else ["subtree"]
    k = _split(n)
    if m <= k:
        return [*_proof_shape(m, k, known), "right"]
    return [*_proof_shape(m - k, n - k, False), "left"]


def _flip(hex_hash: str) -> str:
    raw = bytearray(bytes.fromhex(hex_hash))
    raw[0] ^= 1
    return raw.hex()


def _mutate(cases: list[Case], mutation: Callable[[Case], Case | None]) -> list[Case]:
    mutated = []
    for case in cases:
        changed = mutation(
            dict(case, **{k: list(v) for k, v in case.items() if isinstance(v, list)})
        )
        if changed is not None:
            mutated.append(changed)
    return mutated


def _write(name: str, description: str, cases: list[Case]) -> None:
    document = {"description": description, "source": SOURCE, "cases": cases}
    (VECTORS / f"{name}.json").write_text(json.dumps(document, indent=1) + "\n")


def main() -> None:
    VECTORS.mkdir(exist_ok=True)
    inclusion = _inclusion_cases()
    consistency = _consistency_cases()
    _write("inclusion", "valid inclusion proofs", inclusion)
    _write("consistency", "valid consistency proofs", consistency)

    def shift(key: str, delta: int) -> Callable[[Case], Case | None]:
        def mutation(case: Case) -> Case | None:
            before = _path_shape(case["leaf_index"], case["tree_size"])
            case[key] += delta
            if case[key] < 0 or _path_shape(case["leaf_index"], case["tree_size"]) == before:
                return None
            return case

        return mutation

    def wrong_leaf(case: Case) -> Case:
        other = LEAVES[(case["leaf_index"] + 1) % len(LEAVES)]
        case["leaf_hash"] = leaf_hash(other).hex()
        return case

    def unhashed_leaf(case: Case) -> Case | None:
        # An interior node offered as a leaf (the second-preimage attack that the 0x00/0x01
        # prefixes prevent): the sibling pair of this leaf, claimed as one leaf one level up.
        if case["tree_size"] < 2 or not case["inclusion_path"]:
            return None
        case["leaf_hash"] = leaf_hash(bytes.fromhex(case["leaf_hash"])).hex()
        return case

    def truncated(key: str) -> Callable[[Case], Case | None]:
        def mutation(case: Case) -> Case | None:
            if not case[key]:
                return None
            case[key] = case[key][:-1]
            return case

        return mutation

    def extended(key: str) -> Callable[[Case], Case | None]:
        def mutation(case: Case) -> Case | None:
            if key == "consistency_path" and case["first"] == case["second"]:
                return None
            case[key] = [*case[key], "00" * 32]
            return case

        return mutation

    def flipped(key: str) -> Callable[[Case], Case | None]:
        def mutation(case: Case) -> Case | None:
            if not case[key]:
                return None
            case[key][-1] = _flip(case[key][-1])
            return case

        return mutation

    def reversed_path(key: str) -> Callable[[Case], Case | None]:
        def mutation(case: Case) -> Case | None:
            if len(case[key]) < 2 or case[key] == case[key][::-1]:
                return None
            case[key] = case[key][::-1]
            return case

        return mutation

    def flipped_root(key: str) -> Callable[[Case], Case | None]:
        def mutation(case: Case) -> Case | None:
            case[key] = _flip(case[key])
            return case

        return mutation

    for name, description, mutation in (
        ("leaf_index_plus_one", "the leaf index moved one right", shift("leaf_index", 1)),
        ("leaf_index_minus_one", "the leaf index moved one left", shift("leaf_index", -1)),
        ("tree_size_plus_one", "the tree size one larger", shift("tree_size", 1)),
        ("tree_size_minus_one", "the tree size one smaller", shift("tree_size", -1)),
        ("wrong_leaf", "another leaf's hash", wrong_leaf),
        (
            "unhashed_leaf",
            "the leaf hash hashed again, as an interior node would be",
            unhashed_leaf,
        ),
        ("truncated_path", "the last path hash removed", truncated("inclusion_path")),
        ("extended_path", "a zero hash appended to the path", extended("inclusion_path")),
        ("flipped_path_bit", "one bit of a path hash flipped", flipped("inclusion_path")),
        ("reversed_path", "the path in reverse order", reversed_path("inclusion_path")),
        ("flipped_root_bit", "one bit of the root flipped", flipped_root("root_hash")),
    ):
        _write(
            f"inclusion_{name}",
            f"inclusion proofs, {description}: each must fail",
            _mutate(inclusion, mutation),
        )

    def swapped_sizes(case: Case) -> Case | None:
        if case["first"] == case["second"]:
            return None
        case["first"], case["second"] = case["second"], case["first"]
        case["first_root"], case["second_root"] = case["second_root"], case["first_root"]
        return case

    def first_size_changed(case: Case) -> Case | None:
        if case["first"] + 1 >= case["second"]:
            return None
        case["first"] += 1
        return case

    def second_size_changed(case: Case) -> Case | None:
        before = _proof_shape(case["first"], case["second"])
        if (
            case["first"] == case["second"]
            or _proof_shape(case["first"], case["second"] + 1) == before
        ):
            return None
        case["second"] += 1
        return case

    def prepended_first_root(case: Case) -> Case | None:
        # When the first size is a power of two the verifier supplies the old root itself.
        first = case["first"]
        if first == case["second"] or first & (first - 1):
            return None
        case["consistency_path"] = [case["first_root"], *case["consistency_path"]]
        return case

    for name, description, mutation in (
        ("flipped_first_root_bit", "one bit of the first root flipped", flipped_root("first_root")),
        (
            "flipped_second_root_bit",
            "one bit of the second root flipped",
            flipped_root("second_root"),
        ),
        ("truncated_path", "the last path hash removed", truncated("consistency_path")),
        ("extended_path", "a zero hash appended to the path", extended("consistency_path")),
        ("flipped_path_bit", "one bit of a path hash flipped", flipped("consistency_path")),
        ("reversed_path", "the path in reverse order", reversed_path("consistency_path")),
        ("swapped_sizes", "first and second swapped", swapped_sizes),
        ("first_size_plus_one", "the first size one larger", first_size_changed),
        ("second_size_plus_one", "the second size one larger", second_size_changed),
        (
            "prepended_first_root",
            "the first root sent although it is a power of two",
            prepended_first_root,
        ),
    ):
        _write(
            f"consistency_{name}",
            f"consistency proofs, {description}: each must fail",
            _mutate(consistency, mutation),
        )


if __name__ == "__main__":
    main()
