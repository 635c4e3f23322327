"""Operator authentication: password login into a server-side session, or HTTP Basic for the
terminal's JSON reads; the CSRF check of every action; a wait after failed logins.

The cookie holds a random token; the database holds only its SHA-256, so a leaked table opens no
session. A session ends when unused for `ops_session_idle_s` (judged by the injected clock).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import hmac
import ipaddress
import math
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from aiohttp import web

from hub.ops.operator_names import NAME_RULE, is_operator_name
from hub.ops.passwords import decoy_hash, verify_password
from hub.problems import BadRequest, Forbidden, TooManyRequests, Unauthorized
from hub.settings import IPNetwork, Settings
from hub.store.login_failures import EVERY_ADDRESS, LoginFailures, LoginFailureStore
from hub.store.operators import OperatorSession, OperatorStore

COOKIE = "ops_session"
COOKIE_PATH = "/ops"
# The client address of a request that came over no IP connection (a Unix socket).
UNKNOWN_ADDRESS = "unknown"
# Beyond 2**64 times the first wait every cap has long been reached; no float overflows.
_MAX_DOUBLINGS = 64


@dataclasses.dataclass(frozen=True)
class Authenticated:
    operator: str
    session: OperatorSession | None  # None: HTTP Basic, which may read but not act
    token_sha256: bytes | None = None


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d: one spelling per client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]
) -> str:
    """The address a request came from, as the login limit counts it.

    The connection's peer, unless the peer is a trusted proxy: then X-Forwarded-For (every line
    of it) is read from the right, each proxy having appended the address of whoever connected
    to it, and the first address that is not itself a trusted proxy is the client. What lies
    left of it was written by the client and is not believed. An entry that is no address ends
    the walk at the proxy that passed it on; a chain of proxies only gives its left-most one.
    """
    address = _ip(peer) if peer else None
    if address is None:
        return peer or UNKNOWN_ADDRESS
    if not any(address in network for network in trusted):
        return str(address)
    hops = [hop for line in forwarded_for for hop in line.split(",")]
    for hop in reversed(hops):
        forwarded = _ip(hop)
        if forwarded is None:
            break
        address = forwarded
        if not any(address in network for network in trusted):
            break
    return str(address)


@dataclasses.dataclass(frozen=True)
class LoginBackoff:
    """How long failed logins make the next attempt wait.

    Two counts hold each attempt: the operator name's failures from this client address, and the
    name's failures from every address. Each allows a few free failures (`free_failures`, and
    more, `name_free_failures`, for the name from everywhere); after them every further failure
    makes the next attempt wait, from the first wait doubling each time up to the cap. While a
    count waits, attempts are refused (429 with Retry-After) before the password is looked at,
    and are not counted: asking again does not lengthen the wait. Once it is over, the right
    password works, and a login clears both counts.

    There is deliberately no count per address alone. Operators share addresses (one office
    behind one proxy), and an address-wide count let one colleague's typos, or one guesser,
    hold off every operator there; here an address's failures slow only that address's guesses
    at the names it failed on. Nothing is lost by it: every guess is a guess at some name, and
    each name's count from every address bounds the guesses at it, however many addresses a
    guesser spreads them over (a name no operator has is counted just the same, so the answers
    say nothing of which names exist). The price is that guesses at one name from many
    addresses also make its operator wait; they wait only once the name's own free failures are
    spent, for no longer than the cap, and their colleagues not at all.
    """

    free_failures: int
    name_free_failures: int
    first_wait_s: float
    max_wait_s: float
    forget_s: int

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginBackoff:
        return cls(
            settings.ops_login_free_failures,
            settings.ops_login_name_free_failures,
            settings.ops_login_backoff_s,
            settings.ops_login_backoff_max_s,
            settings.ops_login_forget_s,
        )

    def wait_s(self, failures: int, free: int) -> float:
        """The wait after the last of `failures`, when `free` of them cost nothing."""
        if failures < free:
            return 0.0
        doublings = min(failures - free, _MAX_DOUBLINGS)
        return min(self.max_wait_s, self.first_wait_s * 2.0**doublings)

    def remaining_s(self, count: LoginFailures, now: datetime) -> float:
        free = self.name_free_failures if count.address == EVERY_ADDRESS else self.free_failures
        wait_s = self.wait_s(count.failures, free)
        if wait_s == 0.0:
            return 0.0
        return (count.last_failed_at + timedelta(seconds=wait_s) - now).total_seconds()


class LoginLimiter:
    """Failed logins counted in the database, so every worker and replica holds one count."""

    def __init__(
        self, failures: LoginFailureStore, backoff: LoginBackoff, clock: Callable[[], datetime]
    ) -> None:
        self.failures = failures
        self.backoff = backoff
        self._clock = clock

    async def attempt(self, name: str, address: str) -> None:
        """Count an attempt at `name` from `address` as a failure until `succeeded`; refuse it,
        counting nothing, while either of its counts waits."""
        now = self._clock()
        wait_s = await self.failures.claim_attempt(
            name,
            address,
            now,
            now - timedelta(seconds=self.backoff.forget_s),
            lambda count: self.backoff.remaining_s(count, now),
        )
        if wait_s > 0:
            retry_after_s = max(1, math.ceil(wait_s))
            problem = TooManyRequests(
                "too many failed logins; wait before trying again", retry_after_s=retry_after_s
            )
            problem.headers["Retry-After"] = str(retry_after_s)
            raise problem

    async def succeeded(self, name: str, address: str) -> None:
        await self.failures.clear(name, address)

    async def purge(self) -> int:
        """Forget the counts with no failure for the forgetting period."""
        return await self.failures.purge(self._clock() - timedelta(seconds=self.backoff.forget_s))


class OperatorAuth:
    def __init__(
        self,
        store: OperatorStore,
        failures: LoginFailureStore,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self._settings = settings
        self._clock = clock
        self.limiter = LoginLimiter(failures, LoginBackoff.from_settings(settings), clock)

    def client_address(self, request: web.Request) -> str:
        forwarded_for = request.headers.getall("X-Forwarded-For", [])
        return client_address(request.remote, forwarded_for, self._settings.trusted_proxies)

    async def check_password(self, request: web.Request, name: str, password: str) -> bool:
        """True when `name` is an operator and `password` theirs; failures are counted, and
        a client that must wait gets 429 before its password is even looked at. A name no
        operator can have is refused before the database sees it (a NUL would fail the query)."""
        if not is_operator_name(name):
            raise BadRequest(NAME_RULE, parameter="name")
        address = self.client_address(request)
        await self.limiter.attempt(name, address)
        operator = await self.store.get(name)
        stored = operator.password_hash if operator is not None else decoy_hash()
        # scrypt takes tens of milliseconds of CPU: off the event loop.
        matches = await asyncio.to_thread(verify_password, password, stored)
        if operator is None or not matches:
            return False
        await self.limiter.succeeded(name, address)
        return True

    async def open_session(self, name: str) -> tuple[str, str]:
        """A new session for `name`: the cookie's token and the session's CSRF token."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        await self.store.open_session(token_hash(token), name, csrf, self._clock())
        return token, csrf

    async def session_of(self, request: web.Request) -> Authenticated | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        digest = token_hash(token)
        now = self._clock()
        idle_since = now - timedelta(seconds=self._settings.ops_session_idle_s)
        session = await self.store.use_session(digest, now, idle_since)
        if session is None:
            return None
        return Authenticated(session.operator, session, digest)

    async def authenticate(self, request: web.Request) -> Authenticated | None:
        """The session's operator, else HTTP Basic credentials checked, else None."""
        found = await self.session_of(request)
        if found is not None:
            return found
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
        except ValueError as err:  # binascii.Error, non-ASCII text, UnicodeDecodeError
            raise Unauthorized("operator-login", "malformed Basic credentials") from err
        name, colon, password = decoded.partition(":")
        if not colon or not is_operator_name(name):
            raise Unauthorized("operator-login", f"malformed Basic credentials: {NAME_RULE}")
        if not await self.check_password(request, name, password):
            raise Unauthorized("operator-login", "wrong operator name or password")
        return Authenticated(name, None)

    def is_secure(self, request: web.Request) -> bool:
        """Whether the browser reached us over TLS, directly or through a trusted proxy."""
        if request.secure:
            return True
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return self._settings.ops_trust_forwarded_proto and forwarded == "https"


def check_csrf(found: Authenticated, offered: str | None) -> None:
    """Every action carries its session's token: another site's form cannot know it."""
    if found.session is None:
        raise Forbidden("csrf-token", "actions need a login session, not Basic credentials")
    if not offered:
        raise Forbidden("csrf-token", "the form carries no CSRF token")
    if not hmac.compare_digest(offered.encode(), found.session.csrf_token.encode()):
        raise Forbidden("csrf-token", "the form's CSRF token is not this session's")
