"""Exact conversions of native money, times and ids, refusing what they cannot read faithfully."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo

from adapters.base.errors import AdapterError

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Fixed for ever: changing it would give every past record new event ids, duplicating them on
# the next re-push.
EVENT_NAMESPACE = uuid.UUID("d1f9758b-b879-5cdb-ad0a-8b3aae466c0b")

# Canonical integers must survive any JSON reader, so nothing beyond what a double holds exactly.
MAX_SAFE_INTEGER = 2**53 - 1

# No platform record can predate the platforms; an earlier time is a unit mistake, so refuse it.
EARLIEST = datetime(2000, 1, 1, tzinfo=SHANGHAI)
# Likewise a time past 2100 is a unit mistake (seconds read as milliseconds), not a real date.
LATEST = datetime(2100, 1, 1, tzinfo=SHANGHAI)

_YUAN = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]{1,2})?")
_YUAN_ANY_DECIMALS = re.compile(r"(0|[1-9][0-9]*)\.[0-9]{3,}")
_DIGITS = re.compile(r"[0-9]+")
_NATIVE_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
_LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def pointer(*parts: str | int) -> str:
    """Build a JSON pointer (RFC 6901) from path parts, escaping `~` and `/`."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def require(payload: Mapping[str, Any], key: str, at: str) -> Any:
    """Return `payload[key]`, or refuse the payload naming the missing field."""
    if not isinstance(payload, Mapping):
        raise AdapterError(at or "/", "expected an object")
    if key not in payload or payload[key] is None:
        raise AdapterError(f"{at}/{key}", "required field is missing")
    return payload[key]


def is_int(value: Any) -> TypeGuard[int]:
    """True for a JSON integer: bool subclasses int in Python but is never a number on the wire."""
    return isinstance(value, int) and not isinstance(value, bool)


def native_id(value: Any, at: str) -> str:
    """Turn a native id into a string at once: ids exceed 2^53, where a float would round them."""
    if is_int(value):
        if value < 0:
            raise AdapterError(at, "an id cannot be negative")
        return str(value)
    if isinstance(value, str) and _NATIVE_ID.fullmatch(value):
        return value
    if isinstance(value, float):
        raise AdapterError(at, "an id arrived as a float and may have been rounded")
    raise AdapterError(at, "expected an id (integer or string of letters, digits, '-' and '_')")


def yuan_to_fen(value: Any, at: str) -> int:
    """Read a yuan string (at most 2 decimals) as integer fen, through Decimal and never float."""
    if not isinstance(value, str):
        raise AdapterError(at, 'expected a yuan amount as a string such as "12.30"')
    if _YUAN_ANY_DECIMALS.fullmatch(value):
        raise AdapterError(at, "a yuan amount has at most 2 decimals")
    if not _YUAN.fullmatch(value):
        raise AdapterError(at, "not a yuan amount")
    return _checked_fen(int(Decimal(value) * 100), at)


def fen(value: Any, at: str) -> int:
    """Read an integer fen amount."""
    if not is_int(value):
        raise AdapterError(at, "expected an integer amount in fen")
    if value < 0:
        raise AdapterError(at, "an amount cannot be negative")
    return _checked_fen(value, at)


def fen_to_yuan(amount_fen: int) -> str:
    """Write integer fen as a yuan string with exactly 2 decimals, the way platforms print money."""
    return f"{amount_fen // 100}.{amount_fen % 100:02d}"


def local_time(value: Any, at: str) -> str:
    """Read a naive `yyyy-MM-dd HH:mm:ss` Asia/Shanghai time as RFC 3339 with its +08:00 offset."""
    if not isinstance(value, str) or not _LOCAL_TIME.fullmatch(value):
        raise AdapterError(at, "expected a time as yyyy-MM-dd HH:mm:ss")
    try:
        moment = datetime.strptime(value, _LOCAL_TIME_FORMAT).replace(tzinfo=SHANGHAI)
    except ValueError as err:
        raise AdapterError(at, "not a valid calendar time") from err
    return _checked_time(moment, at)


def epoch_seconds(value: Any, at: str) -> str:
    """Read Unix seconds (an integer or a string of digits) as RFC 3339 in Asia/Shanghai."""
    seconds = _epoch_integer(value, at)
    return _checked_time(_from_epoch(seconds, at), at)


def epoch_millis(value: Any, at: str) -> str:
    """Read Unix milliseconds as RFC 3339 in Asia/Shanghai, keeping any milliseconds."""
    millis = _epoch_integer(value, at)
    seconds, remainder = divmod(millis, 1000)
    moment = _from_epoch(seconds, at)
    if remainder:
        return _checked_time(
            moment.replace(microsecond=remainder * 1000), at, timespec="milliseconds"
        )
    return _checked_time(moment, at)


def parse_rfc3339(value: Any, at: str) -> datetime:
    """Read a canonical RFC 3339 time, which must carry an offset."""
    if not isinstance(value, str) or "T" not in value:
        raise AdapterError(at, "expected an RFC 3339 time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise AdapterError(at, "expected an RFC 3339 time") from err
    if moment.tzinfo is None:
        raise AdapterError(at, "an RFC 3339 time needs an offset")
    return moment


def to_local_text(rfc3339: str, at: str = "/occurred_at") -> str:
    """Write a canonical time as a naive Asia/Shanghai `yyyy-MM-dd HH:mm:ss`."""
    return parse_rfc3339(rfc3339, at).astimezone(SHANGHAI).strftime(_LOCAL_TIME_FORMAT)


def to_epoch_seconds(rfc3339: str, at: str = "/occurred_at") -> int:
    """Write a canonical time as Unix seconds."""
    return int(parse_rfc3339(rfc3339, at).timestamp())


def to_epoch_millis(rfc3339: str, at: str = "/occurred_at") -> int:
    """Write a canonical time as Unix milliseconds, computed from integers so nothing is rounded."""
    moment = parse_rfc3339(rfc3339, at)
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


def event_id(platform: str, native_id_: str, updated_at: str, status: str, event_type: str) -> str:
    """A deterministic event id, so a re-push or an overlapping poll yields the same event.

    The name is `platform:native_id:update_time:status` as the design fixes it, plus the event type,
    because one change can imply more than one event (a first sighting that is already refunded is
    both an acknowledgement and a resolution).
    """
    name = f"{platform}:{native_id_}:{updated_at}:{status}:{event_type}"
    return str(uuid.uuid5(EVENT_NAMESPACE, name))


def _checked_fen(amount_fen: int, at: str) -> int:
    if amount_fen > MAX_SAFE_INTEGER:
        raise AdapterError(at, "amount is too large to carry exactly")
    return amount_fen


def _epoch_integer(value: Any, at: str) -> int:
    if is_int(value):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    raise AdapterError(at, "expected an epoch time as an integer or a string of digits")


def _from_epoch(seconds: int, at: str) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, tz=SHANGHAI)
    except (OverflowError, OSError, ValueError) as err:
        raise AdapterError(at, "epoch time out of range") from err


def _checked_time(moment: datetime, at: str, timespec: str = "seconds") -> str:
    if moment < EARLIEST:
        raise AdapterError(at, "time before 2000-01-01: refused rather than guessed (wrong unit?)")
    if moment >= LATEST:
        raise AdapterError(at, "time after 2100-01-01: refused rather than guessed (wrong unit?)")
    return moment.isoformat(timespec=timespec)


def int_code(value: Any, at: str) -> int:
    """Read a numeric status code, sent as an integer or a digit string depending on the call."""
    if is_int(value):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    raise AdapterError(at, "expected a numeric code")


def lookup(table: Mapping[Any, Any], value: Any, at: str) -> Any:
    """Look a native code up in its table; an unknown code is refused, never guessed."""
    try:
        return table[value]
    except (KeyError, TypeError):
        raise AdapterError(at, f"unknown code {value!r}") from None


def decode_json_object(value: Any, at: str) -> Mapping[str, Any]:
    """Accept an object, or an object encoded as a JSON string (as message services send it).

    `json` reads big integers exactly, which is why a float never stands in for an id here.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            raise AdapterError(at, "not a JSON object string") from err
    if not isinstance(value, Mapping):
        raise AdapterError(at, "expected an object or a JSON object string")
    return value


def optional_bool(payload: Mapping[str, Any], key: str, at: str) -> bool | None:
    """Read an optional JSON boolean."""
    value = payload.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise AdapterError(f"{at}/{key}", "expected true or false")
