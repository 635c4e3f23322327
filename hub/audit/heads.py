"""Signed tree heads and witnesses' cosignatures.

A tree head is `{tree_size, timestamp, root_hash}` (RFC 9162 names; `timestamp` in milliseconds
since the epoch, `root_hash` base64), signed by the hub as a compact JWS over its canonical JSON.
A witness that has checked a head for consistency with the last one it cosigned signs, with its
own Ed25519 key, the message of C2SP tlog-cosignature (`cosignature/v1`, the time in seconds,
then the checkpoint body: the log's origin, the tree size, the root hash in base64).

Pure: a verifier needs only hub.crypto and this package.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Mapping
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.audit.merkle import HASH_SIZE
from hub.crypto.jcs import canonical_json
from hub.crypto.jws import JwsError, decode_unverified_header, sign_compact, verify_compact

HEAD_TYPE = "complaint-hub-tree-head+jws"
# The checkpoint origin every cosignature names: a witness's signature is for this log only.
ORIGIN = "complaint-hub/audit-log"
COSIGNATURE_HEADER = "cosignature/v1"


class HeadInvalid(ValueError):
    """A tree head or cosignature that is malformed or does not verify."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    """Standard base64 (RFC 4648 section 4), as RFC 9162's JSON carries hashes."""
    if not isinstance(text, str):
        raise HeadInvalid(f"{what} must be a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise HeadInvalid(f"{what} is not base64") from err


def unb64_hash(text: object, what: str) -> bytes:
    value = unb64(text, what)
    if len(value) != HASH_SIZE:
        raise HeadInvalid(f"{what} must be {HASH_SIZE} bytes")
    return value


def _natural(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise HeadInvalid(f"{what} must be a non-negative integer")
    return value


@dataclasses.dataclass(frozen=True)
class TreeHead:
    tree_size: int
    timestamp: int  # milliseconds since the epoch (RFC 9162)
    root_hash: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "timestamp": self.timestamp,
            "root_hash": b64(self.root_hash),
        }

    def payload(self) -> bytes:
        """What the hub signs: the canonical JSON (RFC 8785) of `to_json()`."""
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> TreeHead:
        return cls(
            _natural(document.get("tree_size"), "tree_size"),
            _natural(document.get("timestamp"), "timestamp"),
            unb64_hash(document.get("root_hash"), "root_hash"),
        )


def sign_head(head: TreeHead, private_key: Ed25519PrivateKey, kid: str) -> str:
    return sign_compact(head.payload(), private_key, kid, typ=HEAD_TYPE)


def verify_head(token: str, hub_keys: Mapping[str, Ed25519PublicKey]) -> TreeHead:
    """The head a hub JWS states, once it verifies under one of the hub's keys."""
    try:
        payload = verify_compact(token, hub_keys)
        typ = decode_unverified_header(token).get("typ")
    except JwsError as err:
        raise HeadInvalid(f"the tree head's signature does not verify: {err}") from err
    if typ != HEAD_TYPE:
        # A receipt is a hub JWS too: it must never pass for a tree head.
        raise HeadInvalid(f"the JWS is a {typ!r}, not a tree head")
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError as err:
        raise HeadInvalid("the tree head's payload is not JSON") from err
    if not isinstance(document, dict):
        raise HeadInvalid("the tree head's payload is not a JSON object")
    return TreeHead.from_json(document)


def signed_head_matches(
    document: Mapping[str, Any], hub_keys: Mapping[str, Ed25519PublicKey]
) -> TreeHead:
    """A served head (`tree_size`, `timestamp`, `root_hash`, `signature`): the head its signature
    states, refused when the plain fields say anything else."""
    signature = document.get("signature")
    if not isinstance(signature, str):
        raise HeadInvalid("the tree head carries no signature")
    head = verify_head(signature, hub_keys)
    if TreeHead.from_json(document) != head:
        raise HeadInvalid("the tree head's fields differ from what its signature states")
    return head


def cosigned_message(head: TreeHead, cosigned_at: int) -> bytes:
    """The bytes a witness signs (C2SP tlog-cosignature, `cosigned_at` in seconds)."""
    return (
        f"{COSIGNATURE_HEADER}\ntime {cosigned_at}\n"
        f"{ORIGIN}\n{head.tree_size}\n{b64(head.root_hash)}\n"
    ).encode("ascii")


def cosign(head: TreeHead, private_key: Ed25519PrivateKey, cosigned_at: int) -> bytes:
    return private_key.sign(cosigned_message(head, cosigned_at))


def verify_cosignature(
    head: TreeHead, cosigned_at: int, signature: bytes, public_key: Ed25519PublicKey
) -> None:
    try:
        public_key.verify(signature, cosigned_message(head, cosigned_at))
    except InvalidSignature:
        raise HeadInvalid("the cosignature does not verify under the witness's key") from None
