"""Who may read a case, and who may read its personal part. No I/O.

Who may read which complaints (`readable_cases`) and which reports (`readable_reports`) is said
once, as plain values: the store lists the rows they match, and `may_read_case` and
`may_read_report` judge one snapshot by the same values.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from hub.domain.case import CaseView
from hub.domain.report import ReadableReports, ReportView, may_read_report, readable_reports
from hub.domain.roles import Actor, Role, region_prefix


@dataclass(frozen=True, slots=True)
class ReadableCases:
    """Which complaints one reader may read, as plain values (see `ReadableReports`)."""

    everything: bool = False
    filed_by: str | None = None  # the complaints it filed
    respondent: str | None = None  # a platform code: the complaints about that platform
    bureau: str | None = None  # the complaints this bureau handles or transferred away
    region_prefixes: tuple[str, ...] = ()  # the complaints of these regions (GB/T 2260 prefixes)
    mediator: str | None = None  # the complaints whose mediation was delegated to it
    court: str | None = None  # the complaints referred to it

    def includes(self, case: CaseView) -> bool:
        return (
            self.everything
            or case.filer == self.filed_by
            or (self.respondent is not None and case.respondent_platform == self.respondent)
            or (
                self.bureau is not None
                and (case.handling_bureau == self.bureau or self.bureau in case.former_bureaus)
            )
            or case.region.startswith(self.region_prefixes)
            or (self.mediator is not None and case.mediator == self.mediator)
            or (self.court is not None and case.court == self.court)
        )


# Once per actor: the check runs for every event decided and every feed item handed out.
@functools.lru_cache(maxsize=4096)
def readable_cases(actor: Actor) -> ReadableCases:
    """Each party reads the cases it has a part in; operators read all, for sync health."""
    own = actor.participant_id
    if actor.role is Role.OPERATOR:
        return ReadableCases(everything=True)
    if actor.role is Role.PLATFORM:
        return ReadableCases(filed_by=own, respondent=actor.platform)
    if actor.role is Role.BUREAU:
        # those it is competent for (`is_competent_bureau`: it handles them, or they are of its
        # regions), and those it transferred away: it keeps a read view of their whole history
        return ReadableCases(
            filed_by=own,
            bureau=own,
            region_prefixes=tuple(region_prefix(region) for region in actor.regions),
        )
    if actor.role is Role.ASSOCIATION:
        return ReadableCases(filed_by=own, mediator=own)
    if actor.role is Role.COURT:
        return ReadableCases(filed_by=own, court=own)
    return ReadableCases(filed_by=own)


@dataclass(frozen=True, slots=True)
class Readable:
    """Both kinds of chain one reader may read: what a list of complaints and reports filters by."""

    cases: ReadableCases
    reports: ReadableReports


def readable_by(actor: Actor) -> Readable:
    return Readable(readable_cases(actor), readable_reports(actor))


def may_read_case(actor: Actor, case: CaseView) -> bool:
    return readable_cases(actor).includes(case)


def may_read_chain(actor: Actor, chain: CaseView | ReportView) -> bool:
    """A complaint's readers, or a report's: the bureau that received it, enforcement staff and
    operators (never a platform, so no platform learns who reported it)."""
    if isinstance(chain, ReportView):
        return may_read_report(actor, chain)
    return may_read_case(actor, chain)


def may_read_personal(actor: Actor, case: CaseView) -> bool:
    """The filer, the respondent platform, the handling bureau and, once referred, the court."""
    if actor.participant_id == case.filer:
        return True
    if actor.role is Role.PLATFORM:
        return actor.platform == case.respondent_platform
    if actor.role is Role.BUREAU:
        return actor.participant_id == case.handling_bureau
    if actor.role is Role.COURT:
        # `court` is set by the referral itself, so this is "once referred".
        return case.court == actor.participant_id
    return False
