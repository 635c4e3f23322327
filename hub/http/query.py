"""Reading query parameters, each refused with a problem that names the parameter."""

from __future__ import annotations

import re

from aiohttp import web

from hub.problems import BadRequest

# Feed positions and other counters are PostgreSQL bigints.
BIGINT_MAX = 2**63 - 1

# Decimal digits only: int() would also take "1_000", " 7 " and non-ASCII digits. Nineteen digits
# hold every bigint, so no value sent can make the conversion itself expensive.
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def int_param(request: web.Request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """The integer `name` of the query, `default` when absent or empty, within minimum..maximum."""
    text = request.query.get(name, "")
    if text == "":
        return default
    if _INTEGER.fullmatch(text) is None or not minimum <= int(text) <= maximum:
        raise BadRequest(f"{name} must be an integer {minimum}..{maximum}", parameter=name)
    return int(text)
