"""The unified social credit code (GB 32100-2015) of a merchant: 18 characters, the last a check.

The check character is computed over the 17 preceding characters, each valued by its index in the
code alphabet (which leaves out I, O, S, V and Z to avoid misreading), weighted by 3^i mod 31.
"""

from __future__ import annotations

import re

# GB 32100-2015: 31 characters, the digits and the capitals without I, O, S, V, Z. M belongs to it
# (codes issued since 2015 often read "91330100MA..."); a 30-character alphabet without M cannot
# express the check value 30.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
_VALUE = {char: value for value, char in enumerate(ALPHABET)}

# Registration authority and kind (2 characters), region (6 digits), organisation code (9), check.
PATTERN = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(first17) != 17 or any(char not in _VALUE for char in first17):
        raise ValueError(f"not 17 characters of the USCC alphabet: {first17!r}")
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True when `code` has the USCC shape and its check character matches."""
    if len(code) != 18 or any(char not in _VALUE for char in code):
        return False
    return check_character(code[:17]) == code[17]
