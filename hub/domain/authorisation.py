"""Who may say what: the role matrix, then the rules that tie an actor to a case.

The actor is the authenticated participant, never a field of the body. A role emits only its own
event types; a platform acts only where it is the respondent; a bureau within its regions or on the
cases it handles; an association only on mediation delegated to it; a court only on what was
referred to it. Consumer-voice events come only through the complaint's recorded filing channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from hub.domain.errors import (
    BureauHandlesCase,
    ConsumerMessageRequired,
    NotConsumerChannel,
    NotMediator,
    NotReferredCourt,
    NotRespondent,
    OutsideJurisdiction,
    WrongFilingChannel,
    WrongRole,
)
from hub.domain.lifecycle import EventType
from hub.domain.roles import Actor, Role, covers


class CaseView(Protocol):
    """What authorisation reads of a case (hub.domain.case.CaseView has it); a protocol, so this
    module does not import the case module that imports it."""

    @property
    def filer(self) -> str: ...
    @property
    def respondent_platform(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def handling_bureau(self) -> str | None: ...
    @property
    def former_bureaus(self) -> tuple[str, ...]: ...
    @property
    def mediator(self) -> str | None: ...
    @property
    def court(self) -> str | None: ...
    @property
    def odr(self) -> bool: ...


E = EventType
R = Role

CHANNEL_BUREAU = "bureau"
CHANNEL_PLATFORM_ODR = "platform_odr"

# The role matrix: which role may emit which event type. Case-level rules narrow it further.
ROLE_MATRIX: Mapping[EventType, frozenset[Role]] = MappingProxyType(
    {
        E.FILED: frozenset({R.BUREAU, R.PLATFORM}),  # a platform files only its own ODR cases
        # acceptance is the bureau's decision: Order 20 art. 14, Order 121 art. 16
        E.ACCEPTED: frozenset({R.BUREAU}),
        E.REJECTED: frozenset({R.BUREAU}),
        E.ROUTED: frozenset({R.BUREAU}),
        E.ACKNOWLEDGED: frozenset({R.PLATFORM}),
        E.OFFER_MADE: frozenset({R.PLATFORM}),
        E.OFFER_ANSWERED: frozenset({R.BUREAU, R.PLATFORM}),  # consumer voice, by channel
        E.RESOLVED: frozenset({R.PLATFORM}),
        E.CONFIRMED: frozenset({R.BUREAU, R.PLATFORM}),  # consumer voice
        E.DISPUTED: frozenset({R.BUREAU, R.PLATFORM}),  # consumer voice
        E.ESCALATED: frozenset({R.BUREAU}),  # the bureau takes the case into its mediation
        E.WITHDRAWN: frozenset({R.BUREAU, R.PLATFORM}),  # consumer voice
        E.CLOSED: frozenset({R.BUREAU, R.PLATFORM}),  # a platform closes only its own ODR cases
        E.MEDIATION_STARTED: frozenset({R.BUREAU}),
        E.MEDIATION_CONCLUDED: frozenset({R.BUREAU, R.ASSOCIATION}),
        E.REFERRED: frozenset({R.BUREAU}),
        E.NOTE_ADDED: frozenset({R.BUREAU, R.PLATFORM, R.ASSOCIATION, R.COURT}),
        E.DEADLINE_BREACHED: frozenset({R.HUB}),  # the hub observes its own clocks
        # the seller received the returned goods: the platform's record starts the refund clock
        E.RETURN_RECEIVED: frozenset({R.PLATFORM}),
        E.TRANSFERRED: frozenset({R.BUREAU}),  # 移送: only a bureau hands a case to another
        # testing, inspection or appraisal is arranged by the bureau handling the complaint
        E.PAUSED: frozenset({R.BUREAU}),
        E.RESUMED: frozenset({R.BUREAU}),
        E.FOLLOW_UP: frozenset({R.BUREAU}),  # 回访
    }
)

CONSUMER_VOICE: frozenset[EventType] = frozenset(
    {E.OFFER_ANSWERED, E.CONFIRMED, E.DISPUTED, E.WITHDRAWN}
)


@dataclass(frozen=True, slots=True)
class Flags:
    # Consumer voice reported by the respondent itself (its own ODR service): counted apart.
    self_reported: bool = False
    # A bureau's dispute overriding what the respondent reported for the consumer.
    overrides_self_reported: bool = False


def may_emit(role: Role, event_type: str) -> bool:
    try:
        return role in ROLE_MATRIX[EventType(event_type)]
    except ValueError:
        return False


def authorise(
    actor: Actor, event_type: str, data: Mapping[str, Any], case: CaseView | None
) -> Flags:
    """Raise a NotAuthorised subclass unless `actor` may emit `event_type` here; else the flags."""
    if not may_emit(actor.role, event_type):
        raise WrongRole(actor.role.value, event_type)
    kind = EventType(event_type)
    if case is None:
        _authorise_filing(actor, data)
        return Flags()
    _authorise_on_case(actor, kind, case)
    if kind in CONSUMER_VOICE:
        return _authorise_voice(actor, kind, data, case)
    return Flags()


def _authorise_filing(actor: Actor, data: Mapping[str, Any]) -> None:
    channel = data.get("channel")
    if actor.role is R.PLATFORM:
        # A platform reports complaints filed on its own ODR service, about itself only.
        if channel != CHANNEL_PLATFORM_ODR:
            raise WrongFilingChannel("a platform files only complaints from its own ODR service")
        if data.get("respondent", {}).get("platform") != actor.platform:
            raise NotRespondent("a platform files only complaints naming itself as respondent")
        return
    if channel != CHANNEL_BUREAU:
        raise WrongFilingChannel("a bureau files complaints on the bureau channel")
    region = str(data.get("region", ""))
    if not any(covers(own, region) for own in actor.regions):
        raise OutsideJurisdiction(f"region {region} is outside the bureau's jurisdiction")


def _authorise_on_case(actor: Actor, kind: EventType, case: CaseView) -> None:
    if actor.role is R.PLATFORM:
        if actor.platform != case.respondent_platform:
            raise NotRespondent("a platform acts only on complaints where it is the respondent")
        if kind is E.CLOSED and (not case.odr or case.handling_bureau is not None):
            raise BureauHandlesCase(
                "a platform closes only complaints from its own ODR service that no bureau handles"
            )
    elif actor.role is R.BUREAU:
        if not is_competent_bureau(actor, case):
            raise OutsideJurisdiction(f"region {case.region} is outside the bureau's jurisdiction")
    elif actor.role is R.ASSOCIATION and case.mediator != actor.participant_id:
        # An association acts only where a bureau delegated mediation to it (Order 20 allows it).
        raise NotMediator("mediation of this complaint was not delegated to this association")
    elif actor.role is R.COURT and case.court != actor.participant_id:
        raise NotReferredCourt("this complaint was not referred to this court")


def is_competent_bureau(actor: Actor, case: CaseView) -> bool:
    if actor.role is not R.BUREAU:
        return False
    if case.handling_bureau == actor.participant_id:
        return True
    if actor.participant_id in case.former_bureaus:
        # it transferred the case for want of competence: it keeps a read view, nothing more
        return False
    return any(covers(own, case.region) for own in actor.regions)


def _authorise_voice(
    actor: Actor, kind: EventType, data: Mapping[str, Any], case: CaseView
) -> Flags:
    if actor.participant_id == case.filer:
        if not case.odr:
            return Flags()
        # The respondent speaking for the consumer: only by citing the consumer's own message.
        if not data.get("consumer_message"):
            raise ConsumerMessageRequired(
                f"{kind.value} reported by the respondent must cite the consumer's message"
            )
        return Flags(self_reported=True)
    if kind is E.DISPUTED and case.odr and actor.role is R.BUREAU:
        # The consumer turned to a bureau: its dispute outranks what the respondent reported.
        return Flags(overrides_self_reported=True)
    if actor.role is R.PLATFORM:
        raise NotConsumerChannel(
            f"a respondent never speaks for the consumer on a bureau-filed complaint ({kind.value})"
        )
    raise NotConsumerChannel(f"{kind.value} is accepted only from the complaint's filing channel")
