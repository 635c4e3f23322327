"""Typed request keys: what the middlewares establish for the handlers after them."""

from __future__ import annotations

from aiohttp import web

from hub.http.ratelimit import RateLimiter
from hub.store.evidence import Evidence
from hub.store.participants import Participant

REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
RAW_BODY: web.RequestKey[bytes] = web.RequestKey("raw_body", bytes)
# The authenticated participant: the actor of whatever this request says.
ACTOR: web.RequestKey[Participant] = web.RequestKey("actor", Participant)
EVIDENCE: web.RequestKey[Evidence] = web.RequestKey("evidence", Evidence)

# The per-participant rate limit: blocks leased from buckets every process shares (ratelimit.py).
RATE_LIMITER: web.AppKey[RateLimiter] = web.AppKey("rate_limiter", RateLimiter)
