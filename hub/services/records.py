"""A record the hub refuses as sent: schema and signing-profile errors, as one problem type."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hub.crypto.jcs import UnsignableValue
from hub.problems import InvalidRecord
from hub.records.validate import RecordInvalid


@contextlib.contextmanager
def invalid_record_problems() -> Iterator[None]:
    """Raise InvalidRecord, with the JSON pointer of the member, for what the block refuses."""
    try:
        yield
    except RecordInvalid as err:
        # RecordInvalid names the member and the rule, never the value sent.
        raise InvalidRecord(str(err), pointer=err.pointer, rule=err.rule) from err
    except UnsignableValue as err:
        raise InvalidRecord(
            f"{err.pointer or '/'}: {err.reason}", pointer=err.pointer, rule="signable-json"
        ) from err
