"""The hub signs and verifies Ed25519 with libsodium; participants sign, and third parties
re-verify, with OpenSSL. What libsodium accepts OpenSSL accepts too, and libsodium refuses the
degenerate keys no honest signer makes."""

from __future__ import annotations

import os

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.crypto.errors import BadSignature
from hub.crypto.httpsig import verify_ed25519
from hub.crypto.jws import sign_ed25519

# RFC 8032 section 5.1: the order of the base point.
L = 2**252 + 27742317777372353535851937790883648493


def _openssl_accepts(public_key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _hub_accepts(public_key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    try:
        verify_ed25519(public_key, message, signature)
    except BadSignature:
        return False
    return True


def test_both_accept_every_honest_signature_and_refuse_every_altered_one() -> None:
    for size in range(0, 1200, 37):
        key = Ed25519PrivateKey.generate()
        message = os.urandom(size)
        signature = key.sign(message)
        public_key = key.public_key()
        assert _hub_accepts(public_key, message, signature)
        assert _openssl_accepts(public_key, message, signature)
        for bit in (0, 255, 256, 511):  # in R and in S
            altered = bytearray(signature)
            altered[bit // 8] ^= 1 << (bit % 8)
            assert not _hub_accepts(public_key, message, bytes(altered))
            assert not _openssl_accepts(public_key, message, bytes(altered))
        if message:
            assert not _hub_accepts(public_key, message[:-1], signature)
        other = Ed25519PrivateKey.generate().public_key()
        assert not _hub_accepts(other, message, signature)


def test_a_non_canonical_s_is_refused() -> None:
    # S + L verifies the same equation; RFC 8032 section 5.1.7 requires S < L.
    key = Ed25519PrivateKey.generate()
    message = b"complaint.filed"
    signature = key.sign(message)
    s = int.from_bytes(signature[32:], "little") + L
    malleated = signature[:32] + s.to_bytes(32, "little")
    assert not _hub_accepts(key.public_key(), message, malleated)
    assert not _openssl_accepts(key.public_key(), message, malleated)


def test_the_identity_key_signs_nothing_for_the_hub() -> None:
    # The neutral point as public key, R the neutral point and S = 0: the cofactorless equation
    # [S]B = R + [k]A holds for every message. libsodium refuses small-order keys.
    identity = bytes([1]) + bytes(31)
    public_key = Ed25519PublicKey.from_public_bytes(identity)
    forged = identity + bytes(32)
    for message in (b"complaint.filed", b"anything at all"):
        assert not _hub_accepts(public_key, message, forged)


@pytest.mark.parametrize("length", [0, 63, 65, 128])
def test_a_signature_of_the_wrong_length_is_refused_by_name(length: int) -> None:
    key = Ed25519PrivateKey.generate()
    with pytest.raises(BadSignature, match="64 bytes"):
        verify_ed25519(key.public_key(), b"m", bytes(length))


def test_the_hubs_signatures_are_the_bytes_openssl_makes() -> None:
    # Ed25519 is deterministic (RFC 8032 section 5.1.6): libsodium's signing must be identical.
    for size in range(0, 900, 61):
        key = Ed25519PrivateKey.generate()
        message = os.urandom(size)
        assert sign_ed25519(key, message) == key.sign(message)
