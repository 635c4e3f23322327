"""The case snapshot as a pure fold over its events, and the decision on one more event.

`decide` is what the write path calls for every incoming event: version check, authorisation,
transition, data checks, then the new snapshot. `apply` is the fold alone, for rebuilding a
snapshot from a stored chain whose events were decided already. Both run the steps every chain
shares (`hub.domain.chain`) with a complaint's rules: `COMPLAINT_CHAIN`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from hub.domain.authorisation import (
    CHANNEL_PLATFORM_ODR,
    CONSUMER_VOICE,
    Flags,
    authorise,
)
from hub.domain.calendar import WorkingCalendar
from hub.domain.chain import Chain, deadline_documents
from hub.domain.deadlines import (
    RULES,
    CaseFacts,
    Deadline,
    Pause,
    RuleSet,
    open_deadlines,
    rules_for,
)
from hub.domain.errors import (
    DelegationNotConsented,
    GroundNotInForce,
    IllegalTransition,
    RoutedElsewhere,
    TransferToSelf,
    UnknownOffer,
)
from hub.domain.lifecycle import EventType, Status, next_status
from hub.domain.roles import Actor, Role

E = EventType

# Mainland China keeps one offset all year (no daylight saving since 1991), so local dates of
# legal facts need no tz database.
CHINA = dt.timezone(dt.timedelta(hours=8))


def local_date(timestamp: str) -> dt.date:
    """The Asia/Shanghai calendar date of an RFC 3339 timestamp with offset."""
    moment = dt.datetime.fromisoformat(timestamp)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without offset: {timestamp!r}")
    return moment.astimezone(CHINA).date()


@dataclass(frozen=True, slots=True)
class CaseView:
    complaint_id: str
    version: int
    status: Status
    channel: str  # "bureau" or "platform_odr"
    filer: str  # participant id of the filing channel, the only voice of the consumer
    respondent_platform: str
    region: str
    received_at: str
    filed_at: dt.datetime
    updated_at: dt.datetime
    category_level1: str
    livestream: bool
    demand_kind: str
    amount_claimed_fen: int
    category_level2: str | None = None
    merchant_name: str | None = None
    merchant_uscc: str | None = None
    handling_bureau: str | None = None
    mediator: str | None = None
    court: str | None = None
    amount_recovered_fen: int = 0
    signed_for_on: dt.date | None = None
    accepted_on: dt.date | None = None
    routed_on: dt.date | None = None
    mediation_started_on: dt.date | None = None
    mediation_concluded_on: dt.date | None = None
    mediation_agreement: bool | None = None
    mediation_end_ground: str | None = None  # why mediation ended without agreement
    mediation_consented: bool | None = None  # whether the parties consented to mediation
    agreement_document: str | None = None  # the mediation agreement (调解书), by document id
    # when the bureau now handling the case received it (transfer, or escalation from ODR)
    bureau_received_on: dt.date | None = None
    former_bureaus: tuple[str, ...] = ()  # bureaus that transferred the case away; they read it
    pauses: tuple[Pause, ...] = ()  # testing, inspection or appraisal
    return_received_on: dt.date | None = None
    resolved_on: dt.date | None = None
    follow_up_result: str | None = None
    offers: tuple[str, ...] = ()
    resolution: str | None = None
    outcome: str | None = None
    rejection_ground: str | None = None
    publication_consent: bool = False
    delegated_mediation_consent: bool = False
    platform_intervened: bool = False
    self_reported: bool = False  # some consumer voice came from the respondent itself
    confirmation_self_reported: bool = False
    overridden_by_bureau: bool = False
    deadlines: tuple[Deadline, ...] = ()
    breached_deadlines: frozenset[str] = field(default_factory=frozenset)

    @property
    def chain_id(self) -> str:
        return self.complaint_id

    @property
    def odr(self) -> bool:
        return self.channel == CHANNEL_PLATFORM_ODR

    @property
    def received_on(self) -> dt.date:
        return local_date(self.received_at)

    @property
    def rules(self) -> str:
        """The rules in force on receipt (later steps may follow newer ones: `PendingCases`)."""
        return rules_for(self.received_on).name

    @property
    def paused(self) -> bool:
        return any(resumed is None for _, resumed in self.pauses)

    def facts(self) -> CaseFacts:
        return CaseFacts(
            status=self.status,
            odr=self.odr,
            received_on=self.received_on,
            accepted_on=self.accepted_on,
            routed_on=self.routed_on,
            mediation_started_on=self.mediation_started_on,
            mediation_concluded_on=self.mediation_concluded_on,
            mediation_agreement=self.mediation_agreement,
            bureau_received_on=self.bureau_received_on,
            pauses=self.pauses,
            return_received_on=self.return_received_on,
            resolved_on=self.resolved_on,
        )

    def with_deadlines(
        self, calendar: WorkingCalendar, rules: tuple[RuleSet, ...] = RULES
    ) -> CaseView:
        """The same case with its deadlines recomputed (e.g. after a holiday table arrived)."""
        return replace(self, deadlines=tuple(open_deadlines(self.facts(), calendar, rules)))

    def to_json(self) -> dict[str, Any]:
        """The snapshot document, valid against schemas/complaint-v1.json."""
        respondent: dict[str, Any] = {"platform": self.respondent_platform}
        if self.merchant_uscc is not None:
            respondent["merchant"] = {"name": self.merchant_name, "uscc": self.merchant_uscc}
        category: dict[str, Any] = {"level1": self.category_level1, "livestream": self.livestream}
        if self.category_level2 is not None:
            category["level2"] = self.category_level2
        document: dict[str, Any] = {
            "complaint_id": self.complaint_id,
            "version": self.version,
            "status": self.status.value,
            "channel": self.channel,
            "filer": self.filer,
            "respondent": respondent,
            "region": self.region,
            "category": category,
            "demand_kind": self.demand_kind,
            "amount_claimed_fen": self.amount_claimed_fen,
            "amount_recovered_fen": self.amount_recovered_fen,
            "received_at": self.received_at,
            "filed_at": _timestamp(self.filed_at),
            "updated_at": _timestamp(self.updated_at),
            "rules": self.rules,
            "deadlines": deadline_documents(self.deadlines, self.breached_deadlines),
            "flags": {
                "self_reported": self.self_reported,
                "confirmation_self_reported": self.confirmation_self_reported,
                "overridden_by_bureau": self.overridden_by_bureau,
                "platform_intervened": self.platform_intervened,
            },
            "consents": {
                "publication": self.publication_consent,
                "delegated_mediation": self.delegated_mediation_consent,
            },
        }
        optional = {
            "handling_bureau": self.handling_bureau,
            "mediator": self.mediator,
            "court": self.court,
            "resolution": self.resolution,
            "outcome": self.outcome,
            "rejection_ground": self.rejection_ground,
            "mediation_end_ground": self.mediation_end_ground,
            "follow_up_result": self.follow_up_result,
        }
        document.update({key: value for key, value in optional.items() if value is not None})
        if self.former_bureaus:
            document["former_bureaus"] = list(self.former_bureaus)
        if self.paused:
            document["paused"] = True
        return document


def _timestamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("the hub's timestamps carry an offset")
    return moment.isoformat()


@dataclass(frozen=True, slots=True)
class Decision:
    new_case: CaseView
    flags: Flags


def _authorise(
    actor: Actor, event_type: str, data: Mapping[str, Any], case: CaseView | None
) -> Flags:
    if event_type.startswith("report."):
        # a report (举报) is handled apart, on a chain of its own: hub.domain.report
        raise IllegalTransition(
            case.status if case else "not filed", event_type, "a report has a chain of its own"
        )
    return authorise(actor, event_type, data, case)


def _next_status(case: CaseView, event_type: str, data: Mapping[str, Any]) -> Status:
    return next_status(case.status, event_type, odr=case.odr)


def _check_data(
    case: CaseView,
    event: Mapping[str, Any],
    actor: Actor,
    flags: Flags,
    rule_sets: tuple[RuleSet, ...],
) -> None:
    kind = EventType(str(event["type"]))
    data: Mapping[str, Any] = event["data"]
    rules = rules_for(case.received_on, local_date(str(event["occurred_at"])), rule_sets)
    # A confirmation through the consumer's own channel is final; only a bureau may reopen one
    # that the respondent reported for the consumer.
    reopens = kind is E.DISPUTED and case.status is Status.CONFIRMED
    if reopens and not (case.confirmation_self_reported and flags.overrides_self_reported):
        raise IllegalTransition(
            case.status, kind.value, "only a bureau overrides a self-reported confirmation"
        )
    if kind is E.ROUTED and data["platform"] != case.respondent_platform:
        raise RoutedElsewhere("a complaint is routed to its respondent platform")
    if kind is E.OFFER_ANSWERED and data["offer_id"] not in case.offers:
        raise UnknownOffer(f"no offer {data['offer_id']} was made on this complaint")
    if kind is E.REJECTED and data["ground"] not in rules.rejection_grounds:
        raise GroundNotInForce(f"{data['ground']} is not a ground under {rules.name}")
    ground = data.get("ground")
    ending = kind is E.MEDIATION_CONCLUDED and ground is not None
    if ending and ground not in rules.mediation_end_grounds:
        raise GroundNotInForce(f"{ground} is not a ground for ending mediation under {rules.name}")
    if kind is E.PAUSED and case.paused:
        raise IllegalTransition(case.status, kind.value, "the case is paused already")
    if kind is E.RESUMED and not case.paused:
        raise IllegalTransition(case.status, kind.value, "the case is not paused")
    if kind is E.TRANSFERRED and data["to_bureau"] in {actor.participant_id, case.handling_bureau}:
        raise TransferToSelf("a case is transferred to another bureau")
    if kind is E.MEDIATION_STARTED:
        mediator = data["mediator"]
        delegated = mediator not in {actor.participant_id, case.handling_bureau}
        # Passing the consumer's data to another independent handler needs separate consent:
        # PIPL art. 23; the complaint form asks for it as "delegated mediation".
        if delegated and not case.delegated_mediation_consent:
            raise DelegationNotConsented("the consumer did not consent to delegated mediation")


def _changes(
    case: CaseView,
    event: Mapping[str, Any],
    actor: Actor,
    accepted_at: dt.datetime,
    status: Status,
) -> dict[str, Any]:
    kind = EventType(str(event["type"]))
    data: Mapping[str, Any] = event["data"]
    on = local_date(str(event["occurred_at"]))
    changes: dict[str, Any] = {}
    if kind in CONSUMER_VOICE:
        self_reported = case.odr and actor.participant_id == case.filer
        if self_reported:
            changes["self_reported"] = True
        if kind is E.CONFIRMED:
            changes["confirmation_self_reported"] = self_reported
        if kind is E.DISPUTED and case.odr and actor.role is Role.BUREAU:
            changes["overridden_by_bureau"] = True
    if kind is E.ACCEPTED:
        changes["accepted_on"] = on
        changes["handling_bureau"] = data.get("handling_bureau", actor.participant_id)
    elif kind is E.REJECTED:
        changes["rejection_ground"] = data["ground"]
    elif kind is E.ROUTED:
        changes["routed_on"] = on
    elif kind is E.OFFER_MADE:
        changes["offers"] = (*case.offers, str(data["offer_id"]))
    elif kind is E.RESOLVED:
        changes["resolved_on"] = on
        changes["resolution"] = data["resolution"]
        changes["amount_recovered_fen"] = int(data["amount_fen"])
        changes["platform_intervened"] = case.platform_intervened or bool(
            data["platform_intervened"]
        )
    elif kind is E.ESCALATED and status is Status.ESCALATED and case.accepted_on is not None:
        # An ODR complaint a bureau accepted already goes back to its mediation, not to acceptance.
        changes["status"] = Status.MEDIATING
        changes["mediation_started_on"] = case.mediation_started_on or on
    elif kind is E.ESCALATED and status is Status.ESCALATED:
        # A failed ODR negotiation reaches a bureau, which decides acceptance from receipt.
        changes["handling_bureau"] = actor.participant_id
        changes["bureau_received_on"] = local_date(accepted_at.isoformat())
    elif kind is E.ESCALATED:
        changes["mediation_started_on"] = case.mediation_started_on or on
        if case.handling_bureau is None:
            changes["handling_bureau"] = actor.participant_id
    elif kind is E.MEDIATION_STARTED:
        changes["mediator"] = data["mediator"]
        changes["mediation_started_on"] = case.mediation_started_on or on
    elif kind is E.MEDIATION_CONCLUDED:
        changes["mediation_concluded_on"] = on
        changes["mediation_agreement"] = bool(data["agreement"])
        changes["mediation_end_ground"] = data.get("ground")
        changes["mediation_consented"] = data.get("parties_consented")
        changes["agreement_document"] = (data.get("agreement_document") or {}).get("document_id")
        if data["agreement"] and "amount_fen" in data:
            # the agreed total replaces what the platform had reported as recovered
            changes["amount_recovered_fen"] = int(data["amount_fen"])
    elif kind is E.REFERRED:
        changes["court"] = data["court"]
    elif kind is E.CLOSED:
        changes["outcome"] = data["outcome"]
    elif kind is E.TRANSFERRED:
        # The receiving bureau's clocks start when the hub hands it the case (its receipt).
        former = case.handling_bureau or actor.participant_id
        changes["former_bureaus"] = (*case.former_bureaus, former)
        changes["handling_bureau"] = str(data["to_bureau"])
        changes["bureau_received_on"] = local_date(accepted_at.isoformat())
    elif kind is E.PAUSED:
        changes["pauses"] = (*case.pauses, (on, None))
    elif kind is E.RESUMED:
        *earlier, (paused_on, _) = case.pauses
        changes["pauses"] = (*earlier, (paused_on, max(on, paused_on)))
    elif kind is E.RETURN_RECEIVED:
        changes["return_received_on"] = on
    elif kind is E.FOLLOW_UP:
        changes["follow_up_result"] = data["result"]
    return changes


def _filed(event: Mapping[str, Any], actor: Actor, accepted_at: dt.datetime) -> CaseView:
    data: Mapping[str, Any] = event["data"]
    respondent: Mapping[str, Any] = data["respondent"]
    merchant: Mapping[str, Any] = respondent.get("merchant") or {}
    category: Mapping[str, Any] = data["category"]
    order: Mapping[str, Any] = data.get("order") or {}
    consents: Mapping[str, Any] = data["consents"]
    signed_for_on = order.get("signed_for_on")
    return CaseView(
        complaint_id=str(event["complaint_id"]),
        version=1,
        status=Status.FILED,
        channel=str(data["channel"]),
        filer=actor.participant_id,
        respondent_platform=str(respondent["platform"]),
        merchant_name=merchant.get("name"),
        merchant_uscc=merchant.get("uscc"),
        region=str(data["region"]),
        # "the first competent bureau that receives a complaint handles it"
        handling_bureau=actor.participant_id if actor.role is Role.BUREAU else None,
        received_at=str(data["received_at"]),
        filed_at=accepted_at,
        updated_at=accepted_at,
        category_level1=str(category["level1"]),
        category_level2=category.get("level2"),
        livestream=bool(category["livestream"]),
        demand_kind=str(data["demand"]["kind"]),
        amount_claimed_fen=int(data["demand"]["amount_fen"]),
        signed_for_on=dt.date.fromisoformat(signed_for_on) if signed_for_on else None,
        publication_consent=bool(consents["publication"]),
        delegated_mediation_consent=bool(consents["delegated_mediation"]),
    )


COMPLAINT_CHAIN: Chain[CaseView, Status, Flags, tuple[RuleSet, ...], Decision] = Chain(
    opener=E.FILED,
    rules=RULES,
    authorise=_authorise,
    transition=_next_status,
    opened=_filed,
    changes=_changes,
    decision=Decision,
    check=_check_data,
)
# What the write path calls for every event, and the fold alone (see the module's doc).
decide = COMPLAINT_CHAIN.decide
apply = COMPLAINT_CHAIN.apply
