"""Reading path and query parameters, each refused with a problem that names the parameter.

Everything a request names reaches PostgreSQL or a serializer only through these helpers: a
value off its documented pattern is refused here, so a NUL byte, an out-of-range integer or a
time before year 1 never becomes a 500 further in. A refused value is never echoed: it may be
anything, personal data included.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime

from aiohttp import web

from hub.problems import BadRequest, NotFound

# Feed positions and other counters are PostgreSQL bigints.
BIGINT_MAX = 2**63 - 1

# Decimal digits only: int() would also take "1_000", " 7 " and non-ASCII digits. Nineteen digits
# hold every bigint, so no value sent can make the conversion itself expensive.
_INTEGER = re.compile(r"-?[0-9]{1,19}")

# The documented patterns (schemas/common-v1.json, hub/api/openapi.json); a test holds them equal.
COMPLAINT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
SUBSCRIPTION_ID = re.compile(r"^sub_[0-9a-f]{32}$")
PLATFORM = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
PARTICIPANT_ID = re.compile(r"^[a-z][a-z0-9_.:-]{1,63}$")
# RFC 3339 with offset, as schemas/common-v1.json#/$defs/datetime.
RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
# A free-text parameter: printable, no control characters (PostgreSQL refuses NUL outright).
_PLAIN = re.compile(r"^[^\x00-\x1f\x7f]*$")
_MAX_TEXT_CHARS = 256


def parse_int(text: str, name: str, *, minimum: int, maximum: int) -> int:
    """`text` as an integer within minimum..maximum; BadRequest naming `name` otherwise."""
    if _INTEGER.fullmatch(text) is None or not minimum <= int(text) <= maximum:
        raise BadRequest(f"{name} must be an integer {minimum}..{maximum}", parameter=name)
    return int(text)


def int_param(request: web.Request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """The integer `name` of the query, `default` when absent or empty, within minimum..maximum."""
    text = request.query.get(name, "")
    if text == "":
        return default
    return parse_int(text, name, minimum=minimum, maximum=maximum)


def path_param(request: web.Request, name: str, pattern: re.Pattern[str], what: str) -> str:
    """The path parameter `name`; 404 when it is off its pattern, for no such resource can exist.

    `what` names the resource in the problem ("complaint"); the value itself is not repeated.
    """
    value = request.match_info[name]
    if pattern.fullmatch(value) is None:
        raise NotFound(
            f"no {what} has such an identifier: {name} must match {pattern.pattern}",
            parameter=name,
        )
    return value


def str_param(
    request: web.Request,
    name: str,
    *,
    pattern: re.Pattern[str] | None = None,
    choices: Collection[str] | None = None,
    max_chars: int = _MAX_TEXT_CHARS,
) -> str | None:
    """The text parameter `name` of the query, None when absent or empty.

    Refused (400, naming the parameter) when it holds a control character, is longer than
    `max_chars`, is off `pattern` or is not one of `choices`.
    """
    text = request.query.get(name, "")
    if text == "":
        return None
    if len(text) > max_chars or _PLAIN.fullmatch(text) is None:
        raise BadRequest(
            f"{name} must be at most {max_chars} characters without control characters",
            parameter=name,
        )
    if pattern is not None and pattern.fullmatch(text) is None:
        raise BadRequest(f"{name} must match {pattern.pattern}", parameter=name)
    if choices is not None and text not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(sorted(choices))}", parameter=name)
    return text


def parse_datetime(text: str, name: str) -> datetime:
    """An RFC 3339 time with offset that PostgreSQL can store (its UTC instant within years
    1..9999); BadRequest naming `name` otherwise."""
    if RFC3339.fullmatch(text) is None:
        raise BadRequest(f"{name} must be an RFC 3339 time with offset", parameter=name)
    try:
        moment = datetime.fromisoformat(text)
        # The instant must exist in UTC too: 0001-01-01T00:00:00+14:00 is before year 1 there.
        moment.astimezone(UTC)
    except (ValueError, OverflowError) as err:
        raise BadRequest(
            f"{name} must be an RFC 3339 time with offset between years 1 and 9999 in UTC",
            parameter=name,
        ) from err
    return moment


def datetime_param(request: web.Request, name: str) -> datetime | None:
    """The RFC 3339 time `name` of the query, None when absent or empty."""
    text = request.query.get(name, "")
    return parse_datetime(text, name) if text else None
