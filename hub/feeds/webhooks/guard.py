"""Where the hub may send webhooks: the SSRF guard.

A subscriber names a URL; the hub then makes requests to it from inside its own network. So the
URL must be https, and every address its host resolves to must be a public one: never loopback,
RFC 1918, link-local (cloud metadata lives at 169.254.169.254), CGNAT, unique-local, multicast,
reserved, or the hub's own listen address. The delivery connects to exactly the addresses checked
here (see `PinnedResolver`), so a DNS answer that changes after the check cannot redirect it.

`refusal_reason` and `parse_target` are pure; `resolve_target` adds the resolver, injected.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses the host resolves to, as strings.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598: is_private misses it on some versions
_MAX_URL_CHARS = 2048
_UNSAFE_CHARACTER = re.compile(r"[\x00-\x20\x7f]")


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message names why."""


@dataclasses.dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str  # as written in the URL, without brackets: TLS checks the certificate against it
    port: int
    addresses: tuple[str, ...]  # the checked addresses the delivery connects to, and only them


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    found: list[tuple[str, ipaddress.IPv4Address]] = []
    if address.sixtofour is not None:
        found.append(("a 6to4", address.sixtofour))
    if address.teredo is not None:
        server, client = address.teredo
        found += [("a Teredo", client), ("a Teredo", server)]
    if address in _NAT64:
        found.append(("a NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)))
    return found


def refusal_reason(address: IPAddress, own: frozenset[IPAddress] = frozenset()) -> str | None:
    """Why the hub must not connect to `address`, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return refusal_reason(address.ipv4_mapped, own)
        # Transition addresses carry an IPv4 address inside, and a relay or the host's own
        # tunnel delivers to it: 2002:c0a8:0101:: reaches 192.168.1.1 (6to4, RFC 3056), a
        # Teredo address its client (RFC 4380), 64:ff9b::a00:1 reaches 10.0.0.1 (NAT64,
        # RFC 6052). Each is refused when what it embeds would be.
        for kind, embedded in _embedded_ipv4(address):
            reason = refusal_reason(embedded, own)
            if reason is not None:
                return f"{kind} address embedding {embedded}, {reason}"
    checks: tuple[tuple[bool, str], ...] = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "a CGNAT address"),
        (
            isinstance(address, ipaddress.IPv6Address)
            and address in ipaddress.ip_network("fc00::/7"),
            "a unique-local address",
        ),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "a non-global address"),
        (address in own, "the hub's own address"),
    )
    for refused, reason in checks:
        if refused:
            return reason
    return None


def parse_target(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL; raises TargetRefused naming the reason."""
    if len(url) > _MAX_URL_CHARS:
        raise TargetRefused(f"the URL is longer than {_MAX_URL_CHARS} characters")
    if _UNSAFE_CHARACTER.search(url) is not None:
        # urlsplit quietly drops some of these and keeps others (NUL), which PostgreSQL refuses
        # and an HTTP client would send as a different URL than the one checked.
        raise TargetRefused("the URL must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise TargetRefused(f"the URL does not parse: {err}") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused(f"the scheme must be https, not {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise TargetRefused("the URL names no host")
    if parts.username is not None or parts.password is not None:
        # Credentials in the URL would be stored and shown back; the secret signs instead.
        raise TargetRefused("the URL must not carry credentials")
    if parts.fragment:
        raise TargetRefused("the URL must not carry a fragment")
    default_port = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port if port is not None else default_port


def own_addresses(
    host: str, public_urls: Iterable[str]
) -> tuple[frozenset[IPAddress], frozenset[str]]:
    """The hub's listen address (when it is a literal) and its public host names."""
    addresses: set[IPAddress] = set()
    with contextlib.suppress(ValueError):
        addresses.add(ipaddress.ip_address(host))
    names = {h for h in (urlsplit(u).hostname for u in public_urls) if h}
    return frozenset(addresses), frozenset(n.lower() for n in names)


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve_target(
    url: str,
    *,
    allow_private: bool,
    resolver: Resolver = system_resolver,
    own: frozenset[IPAddress] = frozenset(),
    own_names: frozenset[str] = frozenset(),
) -> Target:
    """Check the URL, resolve its host and check every address; any bad one refuses the URL."""
    scheme, host, port = parse_target(url, allow_private=allow_private)
    if not allow_private and host.lower().rstrip(".") in own_names:
        raise TargetRefused(f"{host} is the hub itself")
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = await resolver(host, port)
        except (OSError, UnicodeError) as err:
            raise TargetRefused(f"{host} does not resolve: {type(err).__name__}") from None
        if not addresses:
            raise TargetRefused(f"{host} does not resolve")
    if not allow_private:
        for text in addresses:
            reason = refusal_reason(ipaddress.ip_address(text.split("%", 1)[0]), own)
            if reason is not None:
                shown = host if literal is not None else f"{host} resolves to {text}, which"
                raise TargetRefused(f"{shown} is {reason}")
    return Target(url, scheme, host, port, tuple(addresses))


class PinnedResolver(AbstractResolver):
    """Answers every lookup with the addresses the guard checked: no second DNS query, so a
    rebinding answer cannot move the connection elsewhere."""

    def __init__(self, target: Target) -> None:
        self._target = target

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host.lower() != self._target.host.lower():
            raise OSError(f"lookup of {host} refused: only the checked target is reachable")
        results: list[ResolveResult] = []
        for text in self._target.addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            item: dict[str, Any] = {
                "hostname": host,
                "host": str(address),
                "port": port,
                "family": socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            results.append(item)  # type: ignore[arg-type]
        return results

    async def close(self) -> None:
        return None
