"""Domain errors: each has a stable `code` slug, an HTTP `status` and a human message.

The domain raises these; the API layer translates them once into problem documents. The status is
part of the contract: 403 for authorisation (who may say this), 409 for the state of the case
(transitions), 422 for data that is well-formed but cannot be accepted. A stale version is the one
`hub.problems.StaleVersion` problem, whether the domain or the store finds it (`stale_version`).
"""

from __future__ import annotations

from typing import ClassVar

from hub.problems import StaleVersion


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 422

    def __init__(self, message: str, *, pointer: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer  # the JSON pointer of the member refused, where one is

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


# --- authorisation: 403 -------------------------------------------------------------------------


class NotAuthorised(DomainError):
    code = "not_authorised"
    status = 403


class WrongRole(NotAuthorised):
    code = "wrong_role"

    def __init__(self, role: str, event_type: str) -> None:
        super().__init__(f"a {role} may not emit {event_type}")
        self.role = role
        self.event_type = event_type


class NotRespondent(NotAuthorised):
    code = "not_respondent"


class OutsideJurisdiction(NotAuthorised):
    code = "outside_jurisdiction"


class NotMediator(NotAuthorised):
    code = "not_mediator"


class NotReferredCourt(NotAuthorised):
    code = "not_referred_court"


class NotConsumerChannel(NotAuthorised):
    code = "not_consumer_channel"


class ConsumerMessageRequired(NotAuthorised):
    code = "consumer_message_required"


class WrongFilingChannel(NotAuthorised):
    code = "wrong_filing_channel"


# --- state of the case: 409 ---------------------------------------------------------------------


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status = 409

    def __init__(self, status: object, event_type: str, reason: str = "") -> None:
        state = getattr(status, "value", status)
        detail = f"{event_type} is not allowed when the complaint is {state}"
        super().__init__(f"{detail}: {reason}" if reason else detail)
        self.from_status = status
        self.event_type = event_type


def stale_version(current_version: int, sent_version: int) -> StaleVersion:
    """The problem for an event whose version does not extend the chain; it names the current
    version so the sender can re-read and retry."""
    return StaleVersion(
        f"version {sent_version} does not extend the current version {current_version}; "
        f"send version {current_version + 1}",
        current_version=current_version,
    )


class ComplaintExists(DomainError):
    code = "complaint_exists"
    status = 409

    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"complaint {complaint_id} is already filed")
        self.complaint_id = complaint_id


class UnknownComplaint(DomainError):
    code = "unknown_complaint"
    status = 409

    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"complaint {complaint_id} has not been filed")
        self.complaint_id = complaint_id


# --- data that cannot be accepted: 422 ----------------------------------------------------------


class InvalidData(DomainError):
    code = "invalid_data"
    status = 422


class UnknownOffer(InvalidData):
    code = "unknown_offer"


class RoutedElsewhere(InvalidData):
    code = "routed_elsewhere"


class GroundNotInForce(InvalidData):
    code = "ground_not_in_force"


class InvalidAmount(InvalidData):
    code = "invalid_amount"


class HolidayTableInvalid(InvalidData):
    code = "holiday_table_invalid"


class BureauHandlesCase(NotAuthorised):
    code = "bureau_handles_case"


class DelegationNotConsented(InvalidData):
    code = "delegation_not_consented"


class TransferToSelf(InvalidData):
    code = "transfer_to_self"
