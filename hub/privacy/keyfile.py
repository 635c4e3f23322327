"""The master key file: the one place hub/privacy touches the file system.

Every replica mounts the same secret file (COMPLAINT_HUB_MASTER_KEY_FILE), a small JSON document:

    {"current": 2, "keys": {"1": "<base64 of 32 bytes>", "2": "<base64 of 32 bytes>"}}

`current` names the version that wraps new data keys; every older version stays in the file so the
data keys it wrapped can still be unwrapped. Rotation adds a version and makes it current; a key is
removed only once no stored part is wrapped by it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

MASTER_KEY_BYTES = 32  # AES-256


class MasterKeyFileError(ValueError):
    """The master key file is missing, malformed, or lacks the version asked for."""


@dataclasses.dataclass(frozen=True)
class MasterKeys:
    current: int
    keys: Mapping[int, bytes]

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise MasterKeyFileError(f"current version {self.current} has no key")
        for version, key in self.keys.items():
            if version < 1:
                raise MasterKeyFileError(f"version {version} must be a positive integer")
            if len(key) != MASTER_KEY_BYTES:
                raise MasterKeyFileError(f"key version {version} is not {MASTER_KEY_BYTES} bytes")

    def key(self, version: int) -> bytes:
        try:
            return self.keys[version]
        except KeyError:
            raise MasterKeyFileError(f"no master key version {version}") from None

    def rotated(self) -> MasterKeys:
        """A new random key, one version above the highest, made current."""
        version = max(self.keys) + 1
        return MasterKeys(version, {**self.keys, version: secrets.token_bytes(MASTER_KEY_BYTES)})


def generate_master_keys() -> MasterKeys:
    return MasterKeys(1, {1: secrets.token_bytes(MASTER_KEY_BYTES)})


def parse_master_keys(text: str) -> MasterKeys:
    # Messages name versions and shapes only: the file's contents are secret.
    try:
        document = json.loads(text)
        current = document["current"]
        raw_keys = document["keys"]
    except (ValueError, TypeError, KeyError):
        raise MasterKeyFileError('expected {"current": N, "keys": {"N": "<base64>"}}') from None
    if not isinstance(current, int) or isinstance(current, bool) or not isinstance(raw_keys, dict):
        raise MasterKeyFileError('expected {"current": N, "keys": {"N": "<base64>"}}')
    keys: dict[int, bytes] = {}
    for version, encoded in raw_keys.items():
        try:
            keys[int(version)] = base64.b64decode(encoded, validate=True)
        except (ValueError, TypeError, binascii.Error):
            raise MasterKeyFileError(f"key version {version!r} is not base64") from None
    return MasterKeys(current, keys)


def dump_master_keys(keys: MasterKeys) -> str:
    return json.dumps(
        {
            "current": keys.current,
            "keys": {str(v): base64.b64encode(k).decode() for v, k in sorted(keys.keys.items())},
        },
        indent=2,
    )


def master_key_path(master_key_file: Path | None, data_dir: Path) -> Path:
    """The configured secret file, or the development default in the data directory."""
    return master_key_file if master_key_file is not None else data_dir / "master-key.json"


def write_master_keys(path: Path, keys: MasterKeys) -> None:
    """Replace the file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(dump_master_keys(keys))
    os.replace(partial, path)


def load_master_keys(path: Path, *, generate: bool) -> MasterKeys:
    """Read the key file; with `generate` (development only) create it when absent."""
    if not path.exists():
        if not generate:
            raise MasterKeyFileError(f"master key file {path} does not exist")
        write_master_keys(path, generate_master_keys())
    return parse_master_keys(path.read_text(encoding="utf-8"))
