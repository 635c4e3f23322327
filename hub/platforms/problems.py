"""Problems of the native path: each names the native field (a JSON pointer) it is about."""

from __future__ import annotations

from typing import Any

from hub.problems import Problem, Restated


class NativeFieldInvalid(Problem):
    """The adapter could not translate the native payload faithfully."""

    slug, title, status = "native-field-invalid", "Native field invalid", 422

    def __init__(self, detail: str, *, field: str, **extensions: Any) -> None:
        super().__init__(detail, field=field, **extensions)


class UnlinkedNativeRecord(Problem):
    """A native record the hub cannot tie to a complaint, and that does not file one."""

    slug, title, status = "unlinked-native-record", "Native record not linked", 409


class NativeRefLinkedElsewhere(Problem):
    slug, title, status = "native-ref-linked-elsewhere", "Native id linked elsewhere", 409


def refused_natively(refusal: Problem, *, field: str, native_ref: dict[str, str]) -> Problem:
    """The refusal of an adapter-produced event, keeping its type and status, naming the field.

    The platform never wrote the canonical event: what it can act on is its own field.
    """
    return Restated(
        refusal,
        f"{refusal.detail} (from the native field {field})",
        field=field,
        native_ref=native_ref,
    )
