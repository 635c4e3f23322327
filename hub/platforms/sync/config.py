"""Which platforms the hub polls, read once at start from `<data_dir>/platforms.json`.

    {
      "pinduoduo": {
        "base_url": "https://pdd-gateway.example/api/router",
        "participant": "platform.pinduoduo",
        "interval_s": 60,
        "overlap_s": 60,
        "initial_lookback_s": 3600,
        "timeout_s": 30,
        "max_pages_per_poll": 50,
        "max_backoff_s": 900
      }
    }

`base_url` is the incremental query endpoint; the adapter's query parameters are sent as its query
string. `participant` is the registered platform participant whose keys must sign the answers.
A file, not environment variables: the set of polled platforms is a table, and an operator edits it
beside `holidays.json`. A bad entry stops start-up naming the platform and the field.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

FILE_NAME = "platforms.json"


class SyncConfigError(ValueError):
    """platforms.json is malformed; the message names the platform and the field."""


@dataclasses.dataclass(frozen=True)
class SyncTarget:
    platform: str
    base_url: str
    participant: str
    interval_s: float = 60.0
    # Each pass starts this far before the previous pass ended, so an update the platform
    # indexed late is still seen; deterministic event ids make the re-delivery harmless.
    overlap_s: int = 60
    initial_lookback_s: int = 3600
    timeout_s: float = 30.0
    max_pages_per_poll: int = 50
    max_backoff_s: float = 900.0


_NUMBERS = {
    "interval_s": float,
    "overlap_s": int,
    "initial_lookback_s": int,
    "timeout_s": float,
    "max_pages_per_poll": int,
    "max_backoff_s": float,
}


def parse_targets(document: Any) -> dict[str, SyncTarget]:
    if not isinstance(document, Mapping):
        raise SyncConfigError(f"{FILE_NAME}: expected an object keyed by platform code")
    targets = {}
    for platform, entry in document.items():
        if not isinstance(entry, Mapping):
            raise SyncConfigError(f"{FILE_NAME}: {platform}: expected an object")
        targets[platform] = _target(platform, entry)
    return targets


def _target(platform: str, entry: Mapping[str, Any]) -> SyncTarget:
    unknown = set(entry) - {"base_url", "participant", *_NUMBERS}
    if unknown:
        raise SyncConfigError(f"{FILE_NAME}: {platform}: unknown fields {sorted(unknown)}")
    base_url = entry.get("base_url")
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncConfigError(f"{FILE_NAME}: {platform}.base_url={base_url!r}: not an http(s) URL")
    participant = entry.get("participant")
    if not isinstance(participant, str) or not participant:
        raise SyncConfigError(f"{FILE_NAME}: {platform}.participant: a participant id is required")
    values: dict[str, Any] = {}
    for name, cast in _NUMBERS.items():
        if name not in entry:
            continue
        raw = entry[name]
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
            raise SyncConfigError(f"{FILE_NAME}: {platform}.{name}={raw!r}: not a number >= 0")
        values[name] = cast(raw)
    if values.get("interval_s", 1) <= 0 or values.get("max_pages_per_poll", 1) <= 0:
        raise SyncConfigError(f"{FILE_NAME}: {platform}: interval and pages must be positive")
    return SyncTarget(platform, base_url.rstrip("/"), participant, **values)  # type: ignore[union-attr]


def load_targets(data_dir: Path) -> dict[str, SyncTarget]:
    """The configured targets; none when the file does not exist."""
    path = data_dir / FILE_NAME
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SyncConfigError(f"{path}: not JSON: {err}") from None
    return parse_targets(document)
