"""The adapter contract: metadata, parse and render results, and the optional pull mode."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

Direction = Literal["parse", "render"]
Mode = Literal["push", "pull"]
MoneyUnit = Literal["yuan", "fen"]


@dataclass(frozen=True)
class AdapterInfo:
    """What an adapter is and can do; read from the package's manifest.json."""

    code: str
    name: str
    version: str
    native_schema: Path
    directions: frozenset[Direction]
    modes: frozenset[Mode]
    time_zone: str
    money_unit: MoneyUnit
    canonical_schema_version: str

    @classmethod
    def from_manifest(
        cls, package_dir: Path, *, code: str | None = None, name: str | None = None
    ) -> AdapterInfo:
        """Build the metadata from `package_dir/manifest.json`.

        `code` and `name` override the manifest's for a package that serves several platforms
        (the canonical adapter).
        """
        manifest = json.loads((package_dir / "manifest.json").read_text(encoding="utf-8"))
        return cls(
            code=code or manifest["code"],
            name=name or manifest["name"],
            version=manifest["version"],
            native_schema=package_dir / manifest["native_schema"],
            directions=frozenset(manifest["directions"]),
            modes=frozenset(manifest["modes"]),
            time_zone=manifest["time_zone"],
            money_unit=manifest["money_unit"],
            canonical_schema_version=manifest["canonical_schema_version"],
        )


@dataclass(frozen=True)
class NativeRef:
    """A platform's own id for an after-sales record; the hub links it to a complaint."""

    platform: str
    kind: str
    native_id: str

    def to_dict(self) -> dict[str, str]:
        return {"platform": self.platform, "kind": self.kind, "native_id": self.native_id}


@dataclass(frozen=True)
class CanonicalEvent:
    """A canonical event as an adapter emits it; the hub fills `version` (and a None complaint)."""

    event_id: str
    complaint_id: str | None
    type: str
    occurred_at: str
    data: Mapping[str, Any]
    version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "complaint_id": self.complaint_id,
            "version": self.version,
            "type": self.type,
            "occurred_at": self.occurred_at,
            "data": _plain(self.data),
        }


@dataclass(frozen=True)
class Unmapped:
    """A native code no table of the adapter knows: real traffic, kept and reported, not refused.

    `field` is the native field's name (what operators count by), `pointer` where it sits in
    the payload, `code` the value as text.
    """

    field: str
    pointer: str
    code: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "pointer": self.pointer, "code": self.code}


@dataclass(frozen=True)
class ParseResult:
    """What one native record means: its ref, the state to keep for the next diff, its events.

    `unmapped` lists the codes the adapter could not interpret, so the hub can count them per
    platform and field.
    """

    native_ref: NativeRef
    complaint_id: str | None
    state: Mapping[str, Any]
    events: Sequence[CanonicalEvent] = ()
    unmapped: Sequence[Unmapped] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "native_ref": self.native_ref.to_dict(),
            "complaint_id": self.complaint_id,
            "state": _plain(self.state),
            "events": [event.to_dict() for event in self.events],
            "unmapped": [item.to_dict() for item in self.unmapped],
        }


@dataclass(frozen=True)
class FilingContext:
    """What the hub knows that a platform record never carries, needed to file a complaint from it.

    Passing one tells the adapter that no complaint exists yet for the record; without it, a record
    the hub has not seen is acknowledged on an existing case instead.
    """

    region: str
    received_at: str
    personal_ref: str
    personal_commitment: str
    consents: Mapping[str, bool]
    goods: Sequence[Mapping[str, Any]] = ()
    livestream: bool = False


@dataclass(frozen=True)
class TimeWindow:
    """The span of update times the hub wants covered, `start` inclusive and `end` exclusive."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class PullRequest:
    """One HTTP query the hub should send to a polled platform, described, not performed."""

    method: str
    params: Mapping[str, str]
    window: TimeWindow
    page: int
    page_size: int
    until: datetime


@dataclass(frozen=True)
class PullPage:
    """The native records of one page, the cursor to resume from, and whether more is waiting."""

    records: Sequence[Mapping[str, Any]]
    next_cursor: str
    more: bool


@runtime_checkable
class Adapter(Protocol):
    """Translate one platform's native after-sales records to canonical events and back."""

    info: AdapterInfo

    def parse(
        self,
        payload: Mapping[str, Any],
        previous_state: Mapping[str, Any] | None,
        *,
        filing: FilingContext | None = None,
    ) -> ParseResult:
        """Diff a native record against the state kept for its native id; return the implied events.

        Raises:
            AdapterError: a field is missing, malformed, or carries an unknown code.
        """
        ...

    def render(self, event: Mapping[str, Any], case: Mapping[str, Any] | None) -> dict[str, Any]:
        """Turn a canonical event routed to the platform into its native-looking message."""
        ...


@runtime_checkable
class PullAdapter(Adapter, Protocol):
    """An adapter for a platform that is polled through an incremental query API."""

    def pull_request(self, cursor: str | None, window: TimeWindow) -> PullRequest:
        """Describe the next query to send, honouring the platform's window and page limits."""
        ...

    def parse_pull_page(self, payload: Mapping[str, Any], request: PullRequest) -> PullPage:
        """Split a response page into native records and the cursor after it."""
        ...


def _plain(value: Any) -> Any:
    """Copy mappings and sequences into plain dicts and lists, to compare and serialise."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
