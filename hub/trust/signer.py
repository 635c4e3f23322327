"""The hub's own voice: its signing keys, their activation, and the receipt seal.

Every replica reads the same private key file (COMPLAINT_HUB_HUB_KEY_FILE, one or more PEM keys);
the public halves live in PostgreSQL with an activation time. A newly published key is used for
signing only once every cached copy of the JWKS has expired, so no verifier meets an unknown kid.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.clock import Clock, system_clock
from hub.crypto.keys import generate_private_key, jwk_thumbprint, private_key_to_pem
from hub.crypto.receipts import sign_receipt
from hub.store.events import PendingEvent
from hub.store.hub_keys import HubKeyStore

log = structlog.get_logger("hub.trust.signer")

# How long verifiers may cache the JWKS; a new key signs only after this has passed.
JWKS_MAX_AGE_S = 300
_PEM_BLOCK = b"-----END PRIVATE KEY-----"


def hub_kid(public_key: Ed25519PublicKey) -> str:
    """Derived from the key itself, so every replica names the same key the same way."""
    return "hub-" + jwk_thumbprint(public_key)[:22]


def read_key_file(path: Path) -> list[Ed25519PrivateKey]:
    """All PEM private keys in the file, in order (rotation appends)."""
    data = path.read_bytes()
    keys = []
    for block in data.split(_PEM_BLOCK):
        if b"-----BEGIN PRIVATE KEY-----" not in block:
            continue
        key = serialization.load_pem_private_key(block.strip() + b"\n" + _PEM_BLOCK + b"\n", None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} holds a key that is not Ed25519")
        keys.append(key)
    if not keys:
        raise ValueError(f"{path} holds no PEM private key")
    return keys


def append_key(path: Path, key: Ed25519PrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "ab") as file:
        file.write(private_key_to_pem(key))


def key_file_path(hub_key_file: Path | None, data_dir: Path) -> Path:
    """The configured secret file, or the development default in the data directory."""
    return hub_key_file if hub_key_file is not None else data_dir / "hub-key.pem"


@dataclasses.dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    not_before: datetime


class HubSigner:
    """Signs receipts (and later tree heads) with the newest active hub key.

    One object for the life of the process: a rotation appends a key to the shared file, and
    `refresh` picks it up in place, so everything holding the signer sees the new key.
    """

    def __init__(
        self,
        keys: list[SigningKey],
        *,
        store: HubKeyStore | None = None,
        path: Path | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self._keys = sorted(keys, key=lambda k: k.not_before)
        self._store = store
        self._path = path
        self._clock = clock

    @classmethod
    async def load(
        cls, store: HubKeyStore, path: Path, *, generate: bool, clock: Clock = system_clock
    ) -> HubSigner:
        keys = await _load_keys(store, path, generate=generate, now=clock())
        return cls(keys, store=store, path=path, clock=clock)

    @classmethod
    def ephemeral(cls) -> HubSigner:
        """A signer with a fresh key held in memory only: benchmarks and stand-alone stores."""
        key = generate_private_key()
        return cls([SigningKey(hub_kid(key.public_key()), key, datetime(2000, 1, 1, tzinfo=UTC))])

    async def refresh(self) -> None:
        """Re-read the shared key file: a rotation on another replica shows up here."""
        if self._store is None or self._path is None:
            raise ValueError("this signer was not loaded from a key file")
        self._keys = sorted(
            await _load_keys(self._store, self._path, generate=False, now=self._clock()),
            key=lambda k: k.not_before,
        )

    def active(self, now: datetime | None = None) -> SigningKey:
        now = now or self._clock()
        usable = [k for k in self._keys if k.not_before <= now]
        if not usable:
            raise NoActiveHubKey("no hub key is active yet")
        return usable[-1]

    def webhook_keys(self, now: datetime | None = None) -> list[Ed25519PrivateKey]:
        """The active key and any newer published one: during a rotation both sign webhooks, so
        a receiver holding either JWKS verifies `v1a`."""
        active = self.active(now)
        return [k.private_key for k in self._keys if k.not_before >= active.not_before]

    def seal(self, event: PendingEvent, position: int, accepted_at: datetime) -> str:
        key = self.active(accepted_at)
        return sign_receipt(event.receipt_payload(position, accepted_at), key.private_key, key.kid)


class NoActiveHubKey(RuntimeError):
    """Every published hub key is still waiting out the JWKS cache lifetime."""


async def _load_keys(
    store: HubKeyStore, path: Path, *, generate: bool, now: datetime
) -> list[SigningKey]:
    """Read the key file, publish any key the database lacks, and pair each with its activation."""
    if not await asyncio.to_thread(path.exists):
        if not generate:
            raise FileNotFoundError(f"hub key file {path} does not exist")
        # Development default only: production mounts the file from a secret.
        append_key(path, generate_private_key())
        log.info("hub_key_generated", path=str(path))
    private_keys = await asyncio.to_thread(read_key_file, path)
    published = {k.kid: k for k in await store.all()}
    keys = []
    for private_key in private_keys:
        kid = hub_kid(private_key.public_key())
        row = published.get(kid)
        if row is None:
            # The very first key signs at once; any later one waits out the JWKS cache.
            delay = timedelta(seconds=JWKS_MAX_AGE_S) if published else timedelta(0)
            raw = private_key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            row = await store.publish(kid, raw, now + delay)
            published[kid] = row
        keys.append(SigningKey(kid, private_key, row.not_before))
    return keys


async def rotate(
    store: HubKeyStore, path: Path, *, clock: Clock = system_clock
) -> tuple[str, datetime]:
    """Append a new key to the file and publish it; it signs once the JWKS cache has expired."""
    key = generate_private_key()
    append_key(path, key)
    kid = hub_kid(key.public_key())
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    row = await store.publish(kid, raw, clock() + timedelta(seconds=JWKS_MAX_AGE_S))
    return kid, row.not_before
