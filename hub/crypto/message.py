"""What an RFC 9421 signature can cover: component identifiers and the message values they name."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from http_sf.item import ser_item

from hub.crypto.errors import ComponentMissing, ComponentUnsupported

ParamValue = str | int | bool | bytes

# RFC 9421 section 2.2: the derived components this profile resolves.
REQUEST_DERIVED = frozenset({"@method", "@authority", "@scheme", "@target-uri", "@path", "@query"})
RESPONSE_DERIVED = frozenset({"@status"})

_DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True, slots=True)
class Component:
    """A component identifier: a lowercase name plus parameters such as `req`."""

    name: str
    params: tuple[tuple[str, ParamValue], ...] = ()

    @classmethod
    def of(cls, name: str, *, req: bool = False) -> Component:
        return cls(name, (("req", True),) if req else ())

    @property
    def req(self) -> bool:
        """RFC 9421 section 2.4: the value comes from the request this response answers."""
        # Most components have no parameters at all: answer those without a scan.
        return bool(self.params) and any(k == "req" and v is True for k, v in self.params)

    @property
    def identifier(self) -> str:
        """The serialized identifier that starts this component's line in the signature base."""
        if not self.params:
            return _serialize_name(self.name)
        return ser_item((self.name, dict(self.params)))


# Senders repeat the same few names on every request; serialising them is most of the cost of
# building a base, so the results are remembered. Only parameterless names are cached: in a
# cache key True == 1, and ";req" must not stand in for ";req=1".
@functools.lru_cache(maxsize=1024)
def _serialize_name(name: str) -> str:
    return ser_item((name, {}))


def normalise_authority(authority: str, scheme: str) -> str:
    """RFC 9421 section 2.2.3: lowercase host, default port for the scheme dropped."""
    authority = authority.strip().lower()
    host, sep, port = authority.rpartition(":")
    # A colon inside an IPv6 literal is not a port separator.
    if sep and "]" not in port and port == _DEFAULT_PORTS.get(scheme.lower()):
        return host
    return authority


def header_map(pairs: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Field lines keyed by lowercase name, repeated lines kept in order."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    lines: dict[str, list[str]] = {}
    for name, value in items:
        lines.setdefault(name.lower(), []).append(value)
    return {name: tuple(values) for name, values in lines.items()}


@dataclass(frozen=True, slots=True)
class MessageView:
    """The parts of a request or response that a signature can cover.

    `path` and `query` are raw (undecoded, as on the wire); `query` keeps its leading "?" and is
    "" when the target has none. `headers` maps lowercase names to their field lines. A response
    sets `status` and, for `;req` components, `request`.
    """

    method: str = ""
    scheme: str = "https"
    authority: str = ""
    path: str = "/"
    query: str = ""
    status: int | None = None
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    request: MessageView | None = None

    @classmethod
    def for_request(
        cls, method: str, url: str, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()
    ) -> MessageView:
        """A request view from an absolute URL, which must already be percent-encoded."""
        parts = urlsplit(url)
        if not parts.scheme or not parts.netloc:
            raise ValueError(f"{url!r} is not an absolute URL")
        return cls(
            method=method.upper(),
            scheme=parts.scheme.lower(),
            authority=parts.netloc.rpartition("@")[2],
            path=parts.path or "/",
            query=f"?{parts.query}" if parts.query else "",
            headers=header_map(headers),
        )

    @classmethod
    def for_response(
        cls,
        status: int,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        request: MessageView | None = None,
    ) -> MessageView:
        return cls(status=status, headers=header_map(headers), request=request)

    @property
    def has_query(self) -> bool:
        return self.query not in ("", "?")

    def resolve(self, component: Component) -> str:
        """The value of `component` in this message, per RFC 9421 sections 2.1 and 2.2."""
        for key, _ in component.params:
            if key != "req":
                raise ComponentUnsupported(
                    f"component parameter {key!r} on {component.identifier} is not supported; "
                    "cover the plain field instead"
                )
        if component.req:
            if self.request is None:
                raise ComponentMissing(
                    f"{component.identifier} refers to a request, but this message has none"
                )
            return self.request.resolve(Component(component.name))
        name = component.name
        if name.startswith("@"):
            return self._derived(name)
        lines = self.headers.get(name)
        if lines is None:
            raise ComponentMissing(
                f"covered field {name!r} is not in the message; send it or stop covering it"
            )
        # RFC 9421 section 2.1: trim each field line, join them with ", ".
        return ", ".join(line.strip(" \t") for line in lines)

    def _derived(self, name: str) -> str:
        if name in RESPONSE_DERIVED:
            if self.status is None:
                raise ComponentMissing("@status is only defined for responses")
            return f"{self.status:03d}"
        if name not in REQUEST_DERIVED:
            raise ComponentUnsupported(f"derived component {name!r} is not supported")
        if not self.method:
            raise ComponentMissing(f"{name} needs a request; use {name!r};req in a response")
        if name == "@method":
            return self.method
        if name == "@scheme":
            return self.scheme.lower()
        authority = normalise_authority(self.authority, self.scheme)
        if name == "@authority":
            return authority
        if name == "@path":
            return self.path or "/"
        # RFC 9421 section 2.2.7: an absent query is the single character "?".
        query = self.query or "?"
        if name == "@query":
            return query
        return f"{self.scheme.lower()}://{authority}{self.path or '/'}{self.query}"
