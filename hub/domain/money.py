"""Money as integer fen. Yuan strings go through Decimal, never through float.

Signed JSON carries integers only (JCS of integers is unambiguous, floats are not), so every amount
is converted exactly once, at the boundary, and refused when it cannot be represented exactly.
"""

from __future__ import annotations

import re
from decimal import Decimal

from hub.domain.errors import InvalidAmount

MAX_FEN = 2**53 - 1  # the largest integer every JSON reader keeps exact (RFC 8785, I-JSON)

# Plain decimal notation only: no sign, no exponent, no grouping, at most two decimals.
_YUAN = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]{1,2})?")


def yuan_to_fen(yuan: str) -> int:
    """`"12.30"` -> 1230. Refuses floats, negatives, exponents and more than two decimals."""
    if not isinstance(yuan, str):
        # A float has already lost the exact amount; an int is ambiguous (yuan or fen?).
        raise InvalidAmount(f"a yuan amount must be a decimal string, not {type(yuan).__name__}")
    if _YUAN.fullmatch(yuan) is None:
        raise InvalidAmount(f"not a non-negative yuan amount with at most 2 decimals: {yuan!r}")
    fen = int(Decimal(yuan).scaleb(2))
    if fen > MAX_FEN:
        raise InvalidAmount(f"amount exceeds {MAX_FEN} fen: {yuan!r}")
    return fen


def fen_to_yuan(fen: int) -> str:
    """1230 -> `"12.30"`."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise InvalidAmount(f"fen must be an integer, not {type(fen).__name__}")
    if not 0 <= fen <= MAX_FEN:
        raise InvalidAmount(f"fen out of range 0..{MAX_FEN}: {fen}")
    return f"{fen // 100}.{fen % 100:02d}"
