"""Participants an event names in its body (a handling bureau, a mediator, a court, a receiving
bureau, enforcement staff): each must be registered, enabled, of the role the field requires and,
for a bureau, competent for the case. Who signs is checked elsewhere (authorisation); this is whom
the signer names, which the hub would otherwise take on trust: a case handed to another city's
bureau, to a platform, or to an id nobody holds.

Pure: the registry's answer for each named id is looked up by the store, in the transaction that
decides the event, and passed in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from hub.domain.authorisation import CaseView
from hub.domain.errors import InvalidData
from hub.domain.roles import Actor, Role, covers


class UnknownParticipant(InvalidData):
    code = "unknown_participant"


class WrongParticipant(InvalidData):
    code = "wrong_participant"


class UnknownBureau(UnknownParticipant):
    """A transfer's receiving bureau unknown, disabled or not a bureau: it could never act."""

    code = "unknown_bureau"


@dataclasses.dataclass(frozen=True, slots=True)
class Registered:
    """What the registry holds of a named participant."""

    participant_id: str
    role: Role
    regions: tuple[str, ...]
    enabled: bool


# A rule sees the case the event moves on (None on a report's chain, which no rule reads).
Rule = Callable[[str, Registered, Actor, CaseView | None], None]


def _bureau_for_itself_or_below(
    field: str, named: Registered, actor: Actor, case: CaseView | None
) -> None:
    # A bureau accepts a complaint for itself, or assigns it to a bureau within its own area
    # (交办: a city bureau to one of its districts); never sideways or upward.
    _role(field, named, (Role.BUREAU,))
    if named.participant_id == actor.participant_id:
        return
    within = named.regions and all(
        any(covers(own, region) for own in actor.regions) for region in named.regions
    )
    if not within:
        raise WrongParticipant(
            f"/data/{field}: {named.participant_id} is neither the accepting bureau nor a bureau"
            f" within its area ({', '.join(actor.regions)}); a bureau accepts a complaint for"
            " itself or assigns it to one of the bureaus below it"
        )


def _competent_mediator(field: str, named: Registered, actor: Actor, case: CaseView | None) -> None:
    # The bureau handling the case mediates, or a consumers association it delegates to.
    _role(field, named, (Role.BUREAU, Role.ASSOCIATION))
    if case is None:
        return
    in_region = any(covers(own, case.region) for own in named.regions)
    if named.role is Role.BUREAU and named.participant_id != case.handling_bureau and not in_region:
        raise WrongParticipant(
            f"/data/{field}: {named.participant_id} is not the bureau handling this case"
            f" ({case.handling_bureau}) and does not cover its region {case.region}"
        )
    if named.role is Role.ASSOCIATION and named.regions and not in_region:
        raise WrongParticipant(
            f"/data/{field}: {named.participant_id} is a consumers association that does not"
            f" cover the case's region {case.region}"
        )


def _court(field: str, named: Registered, actor: Actor, case: CaseView | None) -> None:
    _role(field, named, (Role.COURT,))


def _receiving_bureau(field: str, named: Registered, actor: Actor, case: CaseView | None) -> None:
    # Where a transfer may go (the competent bureau, wherever it is) is the transfer rule's;
    # here only that it is a bureau that can act on it.
    if named.role is not Role.BUREAU:
        raise _unknown_bureau(field, named.participant_id)


def _unknown_bureau(field: str, value: str) -> UnknownBureau:
    return UnknownBureau(
        f"/data/{field}: {value} is not a registered, enabled bureau; a complaint is"
        " transferred to the competent bureau's participant id"
    )


def _unknown_participant(field: str, value: str) -> UnknownParticipant:
    return UnknownParticipant(
        f"/data/{field}: {value} is not a registered, enabled participant; name the"
        " participant id the hub registered"
    )


def _enforcement_of_the_bureau(
    field: str, named: Registered, actor: Actor, case: CaseView | None
) -> None:
    # A report is handed to enforcement staff of the receiving bureau's own area.
    _role(field, named, (Role.ENFORCEMENT,))
    if not any(covers(own, region) for own in actor.regions for region in named.regions):
        raise WrongParticipant(
            f"/data/{field}: {named.participant_id} is not enforcement staff of"
            f" {actor.participant_id}'s area ({', '.join(actor.regions)})"
        )


def _role(field: str, named: Registered, roles: tuple[Role, ...]) -> None:
    if named.role not in roles:
        wanted = " or ".join(role.value for role in roles)
        raise WrongParticipant(
            f"/data/{field}: {named.participant_id} is a {named.role.value}, not a {wanted}"
        )


@dataclasses.dataclass(frozen=True, slots=True)
class NamedField:
    rule: Rule
    # What an id the registry does not hold, or holds disabled, is refused as.
    unknown: Callable[[str, str], InvalidData] = _unknown_participant


# Every field of every event type whose value is a participant id, with its rule. A field the
# schemas type as a participant id and this table does not name fails tests/domain/test_named.py.
NAMED_FIELDS: Mapping[str, Mapping[str, NamedField]] = {
    "complaint.accepted": {"handling_bureau": NamedField(_bureau_for_itself_or_below)},
    "mediation.started": {"mediator": NamedField(_competent_mediator)},
    "case.referred": {"court": NamedField(_court)},
    # a transfer's target keeps the problem type it had before every named field was checked
    "case.transferred": {"to_bureau": NamedField(_receiving_bureau, _unknown_bureau)},
    "report.handed_over": {"enforcement": NamedField(_enforcement_of_the_bureau)},
}
# Fields the hub alone fills (it signs the event itself, from the case it holds).
NAMED_BY_THE_HUB: Mapping[str, tuple[str, ...]] = {"deadline.breached": ("responsible",)}


def named_ids(event_type: str, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The participant ids an event of `event_type` names, for the store to look up."""
    fields = NAMED_FIELDS.get(event_type, {})
    return tuple(str(data[field]) for field in fields if isinstance(data.get(field), str))


def check_named(
    event_type: str,
    data: Mapping[str, Any],
    actor: Actor,
    case: CaseView | None,
    registry: Mapping[str, Registered],
) -> None:
    """Refuse the event if a participant it names is unknown, disabled, or wrong for its field."""
    for field, spec in NAMED_FIELDS.get(event_type, {}).items():
        value = data.get(field)
        if not isinstance(value, str):
            continue  # absent where optional; its type is the schema's
        named = registry.get(value)
        try:
            if named is None or not named.enabled:
                raise spec.unknown(field, value)
            spec.rule(field, named, actor, case)
        except InvalidData as refused:
            refused.pointer = f"/data/{field}"
            raise
