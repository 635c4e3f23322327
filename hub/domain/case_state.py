"""A lossless JSON form of CaseView (and ReportView), so a snapshot kept in the store folds on
exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from hub.domain.case import CaseView
from hub.domain.deadlines import Deadline, DeadlineName
from hub.domain.report import ReportView


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Deadline):
        return {
            "name": value.name.value,
            "due_on": value.due_on.isoformat(),
            "provisional": value.provisional,
        }
    if isinstance(value, frozenset):
        return sorted(_encode(v) for v in value)
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def to_state(case: CaseView | ReportView) -> dict[str, Any]:
    # Once per event: the field names are read once per class, and plain values pass untouched.
    view: type = type(case)
    return {
        name: value if type(value) in _PLAIN else _encode(value)
        for name in _field_names(view)
        for value in (getattr(case, name),)
    }


_PLAIN = frozenset({str, int, bool, type(None)})


@functools.cache
def _field_names(view: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(view))


@functools.cache
def _field_types(view: type = CaseView) -> dict[str, Any]:
    return typing.get_type_hints(view)


def _decode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(kind) if a is not type(None)]
        return _decode(inner, value)
    if origin is tuple:
        inner = typing.get_args(kind)[0]
        return tuple(_decode(inner, v) for v in value)
    if origin is frozenset:
        inner = typing.get_args(kind)[0]
        return frozenset(_decode(inner, v) for v in value)
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if kind is Deadline:
        return Deadline(
            DeadlineName(value["name"]),
            dt.date.fromisoformat(value["due_on"]),
            bool(value["provisional"]),
        )
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    return value


def _fields(view: type, state: Mapping[str, Any]) -> dict[str, Any]:
    decoders = _decoders(view)
    return {
        name: decoder(value)
        for name, value in state.items()
        if (decoder := decoders.get(name)) is not None
    }


@functools.cache
def _decoders(view: type) -> dict[str, Callable[[Any], Any]]:
    """Per field, `_decode` with its type already taken apart: the type hints are read once per
    class rather than once per field of every snapshot."""
    return {name: _decoder(kind) for name, kind in _field_types(view).items()}


def _decoder(kind: Any) -> Callable[[Any], Any]:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(kind) if a is not type(None)]
        return _decoder(inner)  # every decoder passes None through
    if origin is tuple or origin is frozenset:
        item = _decoder(typing.get_args(kind)[0])
        collect = tuple if origin is tuple else frozenset
        return lambda value: None if value is None else collect(item(v) for v in value)
    if kind is dt.datetime:
        return _datetime_or_none
    if kind is dt.date:
        return _date_or_none
    if kind is Deadline or (isinstance(kind, type) and issubclass(kind, enum.Enum)):
        return functools.partial(_decode, kind)
    return _unchanged  # what _decode returns as it is: str, int, bool, and the rest


def _unchanged(value: Any) -> Any:
    return value


def _datetime_or_none(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _date_or_none(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def from_state(state: Mapping[str, Any]) -> CaseView:
    return CaseView(**_fields(CaseView, state))


def report_from_state(state: Mapping[str, Any]) -> ReportView:
    return ReportView(**_fields(ReportView, state))


def is_report_state(state: Mapping[str, Any]) -> bool:
    """A report's lossless state is the only one with a report_id (the store's `kind` column
    follows the same rule)."""
    return "report_id" in state


def chain_from_state(state: Mapping[str, Any]) -> CaseView | ReportView:
    """The snapshot of a chain, a complaint's or a report's."""
    return report_from_state(state) if is_report_state(state) else from_state(state)
