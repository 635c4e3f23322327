from __future__ import annotations

import pytest

from hub.crypto.digest import content_digest_header, verify_content_digest
from hub.crypto.errors import DigestMalformed, DigestMismatch

BODY = b'{"hello": "world"}'
# RFC 9530 appendix B.2 (also RFC 9421 section B.2): the digests of BODY.
SHA_256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
SHA_512 = (
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAg"
    "BWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
)


def test_header_matches_rfc_examples() -> None:
    assert content_digest_header(BODY) == SHA_256
    assert content_digest_header(BODY, "sha-512") == SHA_512


def test_unknown_algorithm_cannot_be_produced() -> None:
    with pytest.raises(ValueError, match="md5"):
        content_digest_header(BODY, "md5")


@pytest.mark.parametrize(
    "header",
    [
        SHA_256,
        SHA_512,
        f"{SHA_256}, {SHA_512}",
        f"unixsum=30, {SHA_256}",
        f"{SHA_512}, adler=:AAAA:",
    ],
)
def test_matching_digests_verify(header: str) -> None:
    verify_content_digest(header, BODY)


def test_empty_body_digest_verifies() -> None:
    verify_content_digest(content_digest_header(b""), b"")


@pytest.mark.parametrize(
    "header", [SHA_256, f"{SHA_256}, sha-512=:{'A' * 88}:", f"sha-256=:{'A' * 44}:, {SHA_512}"]
)
def test_any_known_mismatch_is_refused(header: str) -> None:
    with pytest.raises(DigestMismatch) as caught:
        verify_content_digest(header, BODY + b" " if header == SHA_256 else BODY)
    assert caught.value.code == "digest-mismatch"


@pytest.mark.parametrize(
    "header",
    [
        "",
        "sha-256",
        "sha-256=abc",
        "sha-256=:not base64",
        "sha-256=(:AAAA:)",
        "unixsum=30",
        "é=:AA==:",
    ],
)
def test_malformed_or_unknown_only_is_refused(header: str) -> None:
    with pytest.raises(DigestMalformed) as caught:
        verify_content_digest(header, BODY)
    assert caught.value.code == "digest-malformed"
