from __future__ import annotations

import stat
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1
from cryptography.hazmat.primitives.asymmetric.ec import generate_private_key as ec_key

from hub.crypto.keys import (
    KeyFileExists,
    KeyFormatError,
    generate_private_key,
    jwk_thumbprint,
    jwks,
    load_private_key_file,
    load_private_key_pem,
    load_public_key,
    private_key_to_pem,
    public_jwk,
    public_key_raw,
    public_key_to_pem,
    write_key_pair,
)

# RFC 8037 appendix A.2 public key and its RFC 7638 thumbprint (appendix A.3).
RFC8037_JWK = b'{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}'
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_pem_round_trip() -> None:
    key = generate_private_key()
    loaded = load_private_key_pem(private_key_to_pem(key))
    assert public_key_raw(loaded.public_key()) == public_key_raw(key.public_key())


def test_public_key_loads_from_pem_and_jwk_alike() -> None:
    public = generate_private_key().public_key()
    from_pem = load_public_key(public_key_to_pem(public))
    from_jwk = load_public_key(orjson.dumps(public_jwk(public, "k1")).decode())
    assert public_key_raw(from_pem) == public_key_raw(from_jwk) == public_key_raw(public)


def test_public_jwk_members() -> None:
    jwk = public_jwk(load_public_key(RFC8037_JWK), "hub-1")
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        "kid": "hub-1",
        "use": "sig",
        "alg": "EdDSA",
    }
    assert jwks({"hub-1": load_public_key(RFC8037_JWK)}) == {"keys": [jwk]}


def test_thumbprint_matches_rfc8037() -> None:
    assert jwk_thumbprint(load_public_key(RFC8037_JWK)) == RFC8037_THUMBPRINT


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a key",
        b'{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}',
        b'{"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}',
        b'{"kty":"OKP","crv":"Ed25519","x":"AAAA"}',
        b'{"kty":"OKP","crv":"Ed25519"}',
        b'["OKP"]',
        b"-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n",
    ],
)
def test_unusable_public_keys_are_refused(data: bytes) -> None:
    with pytest.raises(KeyFormatError):
        load_public_key(data)


def test_private_jwk_is_refused_as_a_public_key() -> None:
    jwk = orjson.loads(RFC8037_JWK) | {"d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}
    with pytest.raises(KeyFormatError, match="private"):
        load_public_key(orjson.dumps(jwk))


def test_non_ed25519_keys_are_refused() -> None:
    other = ec_key(SECP256R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(KeyFormatError, match="Ed25519"):
        load_private_key_pem(pem)
    public_pem = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyFormatError, match="Ed25519"):
        load_public_key(public_pem)


def test_write_key_pair_creates_a_private_file_and_its_jwk(tmp_path: Path) -> None:
    pem_path, jwk_path = write_key_pair(tmp_path, "hub-2026")
    assert pem_path == tmp_path / "hub-2026.pem"
    assert jwk_path == tmp_path / "hub-2026.jwk.json"
    assert stat.S_IMODE(pem_path.stat().st_mode) == 0o600
    private = load_private_key_file(pem_path)
    public = load_public_key(jwk_path.read_bytes())
    assert public_key_raw(public) == public_key_raw(private.public_key())
    assert orjson.loads(jwk_path.read_bytes())["kid"] == "hub-2026"


@pytest.mark.parametrize("existing", ["hub-2026.pem", "hub-2026.jwk.json"])
def test_write_key_pair_never_overwrites(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_bytes(b"keep me")
    with pytest.raises(KeyFileExists, match="refusing to overwrite"):
        write_key_pair(tmp_path, "hub-2026")
    assert (tmp_path / existing).read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]


@pytest.mark.parametrize("kid", ["", "../escape", ".hidden", "a/b", "x" * 129])
def test_write_key_pair_refuses_unsafe_kids(tmp_path: Path, kid: str) -> None:
    with pytest.raises(ValueError, match="kid"):
        write_key_pair(tmp_path, kid)
