from __future__ import annotations

import pytest
from joserfc import jws as joserfc_jws
from joserfc.jwk import KeySet, OKPKey

from hub.crypto._b64 import b64url_encode
from hub.crypto.jcs import canonical_json
from hub.crypto.jws import (
    JwsAlgorithmNotSupported,
    JwsBadSignature,
    JwsMalformed,
    JwsUnknownKey,
    decode_unverified_header,
    sign_compact,
    verify_compact,
)
from hub.crypto.keys import generate_private_key, jwks, private_key_to_pem

HUB_KEY = generate_private_key()
OLD_KEY = generate_private_key()
KEYS = {"hub-2025": OLD_KEY.public_key(), "hub-2026": HUB_KEY.public_key()}
# The hub signs with the fully-specified "Ed25519" (RFC 9864); tokens it signed before as "EdDSA"
# (RFC 8037, which joserfc warns is deprecated) keep verifying.

RECEIPT = canonical_json(
    {
        "event_id": "E-1",
        "complaint_id": "C-1",
        "version": 3,
        "position": 1042,
        "event_sha256": "ab" * 32,
        "evidence_sha256": "cd" * 32,
    }
)


def test_round_trip_returns_the_payload() -> None:
    token = sign_compact(RECEIPT, HUB_KEY, "hub-2026")
    assert verify_compact(token, KEYS) == RECEIPT


def test_header_names_alg_kid_and_optional_typ() -> None:
    assert decode_unverified_header(sign_compact(b"x", HUB_KEY, "hub-2026")) == {
        "alg": "Ed25519",
        "kid": "hub-2026",
    }
    token = sign_compact(b"x", HUB_KEY, "hub-2026", typ="receipt+jws")
    assert decode_unverified_header(token)["typ"] == "receipt+jws"


def test_joserfc_verifies_our_token_with_the_published_jwks() -> None:
    token = sign_compact(RECEIPT, HUB_KEY, "hub-2026")
    document = {"keys": [{**k, "alg": "Ed25519"} for k in jwks(KEYS)["keys"]]}
    key_set = KeySet.import_key_set(document)  # type: ignore[arg-type]
    result = joserfc_jws.deserialize_compact(token, key_set, algorithms=["Ed25519"])
    assert result.payload == RECEIPT
    assert result.headers()["kid"] == "hub-2026"


@pytest.mark.parametrize("alg", ["Ed25519", "EdDSA"])
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_we_verify_a_joserfc_token_under_either_name(alg: str) -> None:
    # "EdDSA": receipts issued before RFC 9864 keep verifying.
    key = OKPKey.import_key(private_key_to_pem(HUB_KEY))
    token = joserfc_jws.serialize_compact(
        {"alg": alg, "kid": "hub-2026"}, RECEIPT, key, algorithms=[alg]
    )
    assert verify_compact(token, KEYS) == RECEIPT


def test_unknown_kid_is_refused() -> None:
    token = sign_compact(RECEIPT, HUB_KEY, "hub-2027")
    with pytest.raises(JwsUnknownKey):
        verify_compact(token, KEYS)


def test_token_signed_by_another_key_is_refused() -> None:
    token = sign_compact(RECEIPT, OLD_KEY, "hub-2026")
    with pytest.raises(JwsBadSignature):
        verify_compact(token, KEYS)


def test_altered_payload_is_refused() -> None:
    header, _, signature = sign_compact(RECEIPT, HUB_KEY, "hub-2026").split(".")
    forged = f"{header}.{b64url_encode(RECEIPT.replace(b'1042', b'1043'))}.{signature}"
    with pytest.raises(JwsBadSignature):
        verify_compact(forged, KEYS)


def _with_header(header: bytes) -> str:
    _, payload, signature = sign_compact(RECEIPT, HUB_KEY, "hub-2026").split(".")
    return f"{b64url_encode(header)}.{payload}.{signature}"


@pytest.mark.parametrize(
    "header",
    [
        b'{"alg":"none","kid":"hub-2026"}',
        b'{"alg":"HS256","kid":"hub-2026"}',
        b'{"alg":"Ed448","kid":"hub-2026"}',
        b'{"kid":"hub-2026"}',
    ],
)
def test_other_algorithms_are_refused(header: bytes) -> None:
    with pytest.raises(JwsAlgorithmNotSupported):
        verify_compact(_with_header(header), KEYS)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        "!!!.e30.AA",
        _with_header(b"not json"),
        _with_header(b"[1]"),
        _with_header(b'{"alg":"EdDSA"}'),
        _with_header(b'{"alg":"EdDSA","kid":"hub-2026","crit":["b64"],"b64":false}'),
        sign_compact(RECEIPT, HUB_KEY, "hub-2026") + "=",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(JwsMalformed):
        verify_compact(token, KEYS)
