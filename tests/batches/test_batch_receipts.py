"""Batch receipts as pure functions: the tree against RFC 9162's own definitions, and an item
receipt that verifies only as it was signed."""

from __future__ import annotations

import pytest

from hub.audit.batch_receipts import (
    BATCH_TYPE,
    BatchReceiptInvalid,
    batch_tree,
    parse_item_receipt,
    seal_batch,
    verified_receipt_leaf,
)
from hub.crypto.jcs import canonical_json
from hub.crypto.jws import JwsError, JwsUnknownKey, sign_compact
from hub.crypto.keys import generate_private_key
from tests.audit._reference import mth, path

KEY = generate_private_key()
KEYS = {"hub-1": KEY.public_key()}
SHARED = {"accepted_at": "2026-11-11T00:00:00.000000Z", "actor": "bureau.hz"}


def _leaves(count: int) -> list[bytes]:
    return [
        canonical_json({**SHARED, "evidence_sha256": "ab" * 32, "position": i + 1})
        for i in range(count)
    ]


def _seal(leaves: list[bytes]) -> tuple[str, list[str]]:
    return seal_batch(
        leaves,
        lambda payload: sign_compact(payload, KEY, "hub-1", typ=BATCH_TYPE),
        evidence_sha256="ab" * 32,
        **SHARED,
    )


@pytest.mark.parametrize("size", [*range(1, 70), 100, 127, 128, 129, 500, 1000])
def test_the_tree_is_rfc_9162s_and_every_leaf_proves_its_place(size: int) -> None:
    leaves = _leaves(size)
    tree = batch_tree(leaves)
    assert tree.root_hash == mth(leaves)
    assert [list(p) for p in tree.paths] == [path(i, leaves) for i in range(size)]
    _, receipts = _seal(leaves)
    assert [verified_receipt_leaf(r, KEYS) for r in receipts] == leaves


def test_a_receipt_tampered_anywhere_fails() -> None:
    leaves = _leaves(6)
    _, receipts = _seal(leaves)
    good = parse_item_receipt(receipts[4])
    header, payload, signature, leaf, index, hashes = receipts[4].split(".")
    swapped_leaf = receipts[4].replace(leaf, receipts[5].split(".")[3])
    tampered = [
        ".".join([header, payload, signature, leaf, "5", hashes]),  # another place
        swapped_leaf,  # another item's leaf under this path
        ".".join([header, payload, signature, leaf, index, hashes[:-4]]),  # a hash cut short
        ".".join([header, payload, signature, leaf, index, ""]),  # no path at all
    ]
    assert len(good.inclusion_path) == 2  # leaf 4 of 6: its sibling, then leaves 0-3
    for token in tampered:
        with pytest.raises(JwsError):
            verified_receipt_leaf(token, KEYS)
    with pytest.raises(JwsUnknownKey):
        verified_receipt_leaf(receipts[4], {"hub-2": KEY.public_key()})


def test_a_signed_root_of_another_type_is_no_batch() -> None:
    leaves = _leaves(2)
    tree = batch_tree(leaves)
    jws, receipts = _seal(leaves)
    receipt_typed = sign_compact(
        canonical_json({"root_hash": tree.root_hash.hex()}), KEY, "hub-1", typ="other"
    )
    rest = receipts[0].split(".")[3:]
    with pytest.raises(BatchReceiptInvalid):
        verified_receipt_leaf(".".join([receipt_typed, *rest]), KEYS)
    assert jws.count(".") == 2
