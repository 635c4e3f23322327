"""Ed25519 keys: generate, serialise as PEM and JWK (RFC 8037), load, write key files."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.crypto._b64 import b64url_decode, b64url_encode

# Key ids become file names; this keeps them free of separators and hidden-file dots.
_KID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class KeyFormatError(ValueError):
    """Bytes that are not an Ed25519 key in a form we accept."""


class KeyFileExists(FileExistsError):
    """Refused to overwrite a key file."""


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_to_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key_pem(data: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise KeyFormatError("not an unencrypted PKCS#8 PEM private key") from err
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError(f"expected an Ed25519 private key, got {type(key).__name__}")
    return key


def load_private_key_file(path: Path | str) -> Ed25519PrivateKey:
    return load_private_key_pem(Path(path).read_bytes())


def _public_from_jwk(jwk: Any) -> Ed25519PublicKey:
    if not isinstance(jwk, dict):
        raise KeyFormatError("a JWK must be a JSON object")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise KeyFormatError('expected a JWK with "kty": "OKP" and "crv": "Ed25519" (RFC 8037)')
    if "d" in jwk:
        # A participant registers only its public key; the hub must never hold its secret.
        raise KeyFormatError('this JWK holds a private key ("d"); send only the public part')
    x = jwk.get("x")
    try:
        raw = b64url_decode(x) if isinstance(x, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise KeyFormatError('JWK "x" must be 32 bytes of unpadded base64url')
    return Ed25519PublicKey.from_public_bytes(raw)


def load_public_key(data: bytes | str) -> Ed25519PublicKey:
    """An Ed25519 public key from SubjectPublicKeyInfo PEM or a public JWK (JSON)."""
    raw = data.encode() if isinstance(data, str) else data
    stripped = raw.strip()
    if stripped.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(stripped)
        except ValueError as err:
            raise KeyFormatError("not a PEM public key (-----BEGIN PUBLIC KEY-----)") from err
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFormatError(f"expected an Ed25519 public key, got {type(key).__name__}")
        return key
    try:
        jwk = orjson.loads(stripped)
    except orjson.JSONDecodeError as err:
        raise KeyFormatError("expected a PEM public key or a public JWK") from err
    return _public_from_jwk(jwk)


def public_key_raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_jwk(public_key: Ed25519PublicKey, kid: str) -> dict[str, str]:
    """RFC 8037 section 2 public JWK, marked for EdDSA signatures."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(public_key_raw(public_key)),
        "kid": kid,
        "use": "sig",
        "alg": "EdDSA",
    }


def jwks(public_keys_by_kid: Mapping[str, Ed25519PublicKey]) -> dict[str, list[dict[str, str]]]:
    """A JWK Set (RFC 7517 section 5) document."""
    return {"keys": [public_jwk(key, kid) for kid, key in public_keys_by_kid.items()]}


def jwk_thumbprint(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint: SHA-256 of the required members, sorted, no whitespace (3.2)."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(public_key_raw(public_key))}
    return b64url_encode(
        hashlib.sha256(orjson.dumps(members, option=orjson.OPT_SORT_KEYS)).digest()
    )


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL refuses an existing file (and a symlink planted in its place); the mode is set at
    # creation, so the secret is never readable by others, not even briefly.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise KeyFileExists(f"{path} already exists; refusing to overwrite a key file") from None
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def write_key_pair(directory: Path | str, kid: str) -> tuple[Path, Path]:
    """Generate a key; write `KID.pem` (mode 0600) and `KID.jwk.json` (public) into `directory`."""
    if not _KID.fullmatch(kid):
        raise ValueError(
            f"kid {kid!r} must be 1-128 of A-Z a-z 0-9 . _ - and not start with . _ or -"
        )
    directory = Path(directory)
    pem_path = directory / f"{kid}.pem"
    jwk_path = directory / f"{kid}.jwk.json"
    for path in (pem_path, jwk_path):
        if path.exists() or path.is_symlink():
            raise KeyFileExists(f"{path} already exists; refusing to overwrite a key file")
    private_key = generate_private_key()
    _write_new(pem_path, private_key_to_pem(private_key), 0o600)
    try:
        jwk = public_jwk(private_key.public_key(), kid)
        _write_new(jwk_path, orjson.dumps(jwk, option=orjson.OPT_INDENT_2) + b"\n", 0o644)
    except BaseException:
        # Leave no private key behind without its public half.
        pem_path.unlink()
        raise
    return pem_path, jwk_path
