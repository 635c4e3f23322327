"""The one error type adapters raise for native input they cannot translate faithfully."""

from __future__ import annotations


class AdapterError(ValueError):
    """A native payload field is missing, malformed or carries a value the adapter does not know.

    `field` is a JSON pointer into the native payload (RFC 6901, e.g. "/content/refund_fee"), so the
    hub can report exactly which part of a platform's message it refused.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
