"""Why a signed HTTP message was refused.

Each error carries a stable `code` slug (the API layer maps it to a problem type) and a message
telling the sender what to fix. Nothing here knows about HTTP responses.
"""

from __future__ import annotations

from typing import ClassVar


class SignatureError(Exception):
    code: ClassVar[str] = "signature-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignatureMissing(SignatureError):
    code = "signature-missing"


class SignatureInputMalformed(SignatureError):
    code = "signature-input-malformed"


class ComponentNotCovered(SignatureError):
    code = "component-not-covered"


class ComponentMissing(SignatureError):
    """A covered component has no value in the message (RFC 9421 section 2.5: fail)."""

    code = "component-missing"


class ComponentUnsupported(SignatureError):
    code = "component-unsupported"


class ParameterMissing(SignatureError):
    code = "parameter-missing"


class NonceMissing(SignatureError):
    code = "nonce-missing"


class AlgorithmNotSupported(SignatureError):
    code = "algorithm-not-supported"


class ClockSkew(SignatureError):
    code = "clock-skew"


class SignatureExpired(SignatureError):
    code = "signature-expired"


class DigestMismatch(SignatureError):
    code = "digest-mismatch"


class DigestMalformed(SignatureError):
    code = "digest-malformed"


class BadSignature(SignatureError):
    code = "signature-invalid"


class AuthorityMismatch(SignatureError):
    code = "authority-mismatch"
