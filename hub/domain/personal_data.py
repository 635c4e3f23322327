"""Personal data where it does not belong: a consumer's mobile number, resident ID number or e-mail
address in a free-text field of a public event (a merchant's or a product's name). No I/O.

Events are served to every reader and kept for ever; a consumer's contact details belong in the
complaint's personal part. The detector is deliberately narrow, so the
numbers that do belong in public records (order numbers, USCC codes, dates, amounts) pass:

- mainland mobile numbers: 11 digits 1[3-9]xxxxxxxxx, optionally after +86 / 0086 / 86, with
  spaces or hyphens between digits; never a run of digits inside a longer number;
- resident identity numbers (GB 11643-1999): 17 digits, the first 6 a region, then a real birth
  date, then the check character (0-9 or X) the standard computes from the other 17;
- e-mail addresses.
"""

from __future__ import annotations

import datetime as dt
import enum
import re


class PersonalKind(enum.Enum):
    MOBILE = "a mobile phone number"
    RESIDENT_ID = "a resident identity card number"
    EMAIL = "an e-mail address"


# Not preceded by a digit (even across one hyphen), not followed by one: a phone number is never
# part of a longer number such as an order id. A space is a boundary (a date, then a number).
_MOBILE = re.compile(
    r"(?<!\d)(?<!\d-)"
    r"(?:(?:\+|00)?86[ -]?)?"
    r"1[3-9](?:[ -]?\d){9}"
    r"(?!-?\d)"
)
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3})([0-9Xx])(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# GB 11643-1999: weight of position i is 2^(17-i) mod 11; the check character follows the sum.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"


def resident_id_check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of a resident identity number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def is_resident_id(candidate: str) -> bool:
    """Whether `candidate` is a well-formed 18-character resident identity number."""
    match = _RESIDENT_ID.fullmatch(candidate)
    return match is not None and _valid_resident_id(match)


def _valid_resident_id(match: re.Match[str]) -> bool:
    region, birth, _sequence, check = match.groups()
    if region[0] not in "1234568":  # the first digit of a GB/T 2260 province code
        return False
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    return resident_id_check_character(region + birth + _sequence) == check.upper()


def find_personal_data(text: str) -> PersonalKind | None:
    """The first kind of a consumer's personal data found in `text`, or None."""
    if _MOBILE.search(text):
        return PersonalKind.MOBILE
    if any(_valid_resident_id(match) for match in _RESIDENT_ID.finditer(text)):
        return PersonalKind.RESIDENT_ID
    if _EMAIL.search(text):
        return PersonalKind.EMAIL
    return None
