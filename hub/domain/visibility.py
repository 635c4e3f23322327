"""Who may read a case, and who may read its personal part. No I/O."""

from __future__ import annotations

from hub.domain.authorisation import is_competent_bureau
from hub.domain.case import CaseView
from hub.domain.report import ReportView, may_read_report
from hub.domain.roles import Actor, Role


def may_read_case(actor: Actor, case: CaseView) -> bool:
    """Each party sees the cases it has a part in; operators see all, for sync health."""
    if actor.role is Role.OPERATOR or actor.participant_id == case.filer:
        return True
    if actor.role is Role.PLATFORM:
        return actor.platform == case.respondent_platform
    if actor.role is Role.BUREAU:
        # a bureau that transferred the case away keeps a read view of its whole history
        return is_competent_bureau(actor, case) or actor.participant_id in case.former_bureaus
    if actor.role is Role.ASSOCIATION:
        return case.mediator == actor.participant_id
    if actor.role is Role.COURT:
        return case.court == actor.participant_id
    return False


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
