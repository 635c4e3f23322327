"""Operator authentication: password login into a server-side session, or HTTP Basic for the
terminal's JSON reads; the CSRF check of every action; a limit on failed logins.

The cookie holds a random token; the database holds only its SHA-256, so a leaked table opens no
session. A session ends when unused for `ops_session_idle_s` (judged by the injected clock).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import hmac
import secrets
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from aiohttp import web

from hub.ops.operator_names import NAME_RULE, is_operator_name
from hub.ops.passwords import decoy_hash, verify_password
from hub.problems import BadRequest, Forbidden, TooManyRequests, Unauthorized
from hub.settings import Settings
from hub.store.operators import OperatorSession, OperatorStore

COOKIE = "ops_session"
COOKIE_PATH = "/ops"
# Failed logins allowed per client address and per operator name in the window; then 429.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=5)


@dataclasses.dataclass(frozen=True)
class Authenticated:
    operator: str
    session: OperatorSession | None  # None: HTTP Basic, which may read but not act
    token_sha256: bytes | None = None


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class LoginLimiter:
    """Recent failed logins per key (client address, operator name), in this process."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, key: str) -> deque[datetime]:
        cutoff = self._clock() - FAILURE_WINDOW
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def check(self, *keys: str) -> None:
        for key in keys:
            failures = self._recent(key)
            if len(failures) >= MAX_FAILURES:
                wait_s = (failures[0] + FAILURE_WINDOW - self._clock()).total_seconds()
                problem = TooManyRequests(
                    "too many failed logins; wait before trying again",
                    retry_after_s=max(1, int(wait_s) + 1),
                )
                problem.headers["Retry-After"] = str(max(1, int(wait_s) + 1))
                raise problem

    def failed(self, *keys: str) -> None:
        now = self._clock()
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name_key: str) -> None:
        self._failures.pop(name_key, None)


class OperatorAuth:
    def __init__(
        self, store: OperatorStore, settings: Settings, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self._settings = settings
        self._clock = clock
        self.limiter = LoginLimiter(clock)

    async def check_password(self, request: web.Request, name: str, password: str) -> bool:
        """True when `name` is an operator and `password` theirs; failures are counted, and
        a client over the limit gets 429 before its password is even looked at. A name no
        operator can have is refused before the database sees it (a NUL would fail the query)."""
        if not is_operator_name(name):
            raise BadRequest(NAME_RULE, parameter="name")
        keys = (f"addr:{request.remote}", f"name:{name}")
        self.limiter.check(*keys)
        operator = await self.store.get(name)
        stored = operator.password_hash if operator is not None else decoy_hash()
        # scrypt takes tens of milliseconds of CPU: off the event loop.
        matches = await asyncio.to_thread(verify_password, password, stored)
        if operator is None or not matches:
            self.limiter.failed(*keys)
            return False
        self.limiter.succeeded(keys[1])
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
