"""Parse the RFC 9421 `Signature-Input` and `Signature` fields (section 4) into values."""

from __future__ import annotations

from dataclasses import dataclass

import http_sfv

from hub.crypto.errors import SignatureInputMalformed, SignatureMissing
from hub.crypto.message import Component, ParamValue

# RFC 9421 section 2.3: the parameter types; anything else is kept in the base but not read.
_INTEGER_PARAMS = ("created", "expires")
_STRING_PARAMS = ("keyid", "nonce", "alg", "tag")


@dataclass(frozen=True, slots=True)
class SignatureParams:
    created: int | None = None
    expires: int | None = None
    keyid: str | None = None
    nonce: str | None = None
    alg: str | None = None
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """One labelled signature; `signature_params_value` is its `@signature-params` value."""

    label: str
    components: tuple[Component, ...]
    params: SignatureParams
    signature: bytes
    signature_params_value: str

    @property
    def signature_input(self) -> str:
        """This signature alone as a `Signature-Input` field value, for evidence."""
        return f"{self.label}={self.signature_params_value}"

    def covers(self, name: str, *, req: bool = False) -> bool:
        return any(c.name == name and c.req == req for c in self.components)


def _parse_dictionary(value: str, field_name: str) -> http_sfv.Dictionary:
    parsed = http_sfv.Dictionary()
    try:
        parsed.parse(value.encode("ascii"))
    except (ValueError, IndexError) as err:
        raise SignatureInputMalformed(
            f"{field_name} is not a structured-field dictionary (RFC 8941 section 3.2)"
        ) from err
    return parsed


def _parse_params(label: str, params: http_sfv.item.Parameters) -> SignatureParams:
    values: dict[str, int | str] = {}
    for name in _INTEGER_PARAMS:
        if name in params:
            value = params[name]
            # bool is an int subclass in Python, but ?1 is not an sf-integer.
            if type(value) is not int:
                raise SignatureInputMalformed(f"{label}: parameter {name} must be an integer")
            values[name] = value
    for name in _STRING_PARAMS:
        if name in params:
            value = params[name]
            # A Token (alg=ed25519, unquoted) is not the sf-string of RFC 9421 section 2.3.
            if type(value) is not str:
                raise SignatureInputMalformed(
                    f'{label}: parameter {name} must be a quoted string like {name}="..."'
                )
            values[name] = value
    return SignatureParams(**values)  # type: ignore[arg-type]


def _parse_components(label: str, inner: http_sfv.InnerList) -> tuple[Component, ...]:
    components: list[Component] = []
    seen: set[str] = set()
    for item in inner:
        name = item.value
        if type(name) is not str:
            raise SignatureInputMalformed(f"{label}: component identifiers must be quoted strings")
        # RFC 9421 section 2.1: field names are lowercased in component identifiers.
        if name != name.lower() or not name:
            raise SignatureInputMalformed(f"{label}: component {name!r} must be lowercase")
        if name == "@signature-params":
            raise SignatureInputMalformed(
                f"{label}: @signature-params cannot be covered explicitly"
            )
        params: list[tuple[str, ParamValue]] = []
        for key, value in item.params.items():
            if not isinstance(value, (str, int, bool, bytes)):
                raise SignatureInputMalformed(
                    f"{label}: component parameter {key} has an unusable value"
                )
            params.append((key, value))
        component = Component(name, tuple(params))
        # RFC 9421 section 2.5: an identifier must not be covered twice.
        if component.identifier in seen:
            raise SignatureInputMalformed(f"{label}: {component.identifier} is covered twice")
        seen.add(component.identifier)
        components.append(component)
    return tuple(components)


def parse_signatures(signature_input: str | None, signature: str | None) -> list[ParsedSignature]:
    """Every signature with both a `Signature-Input` and a `Signature` member, in input order."""
    if not signature_input or not signature:
        raise SignatureMissing(
            "sign the request: Signature-Input and Signature fields are required (RFC 9421)"
        )
    inputs = _parse_dictionary(signature_input, "Signature-Input")
    values = _parse_dictionary(signature, "Signature")
    parsed: list[ParsedSignature] = []
    for label, member in inputs.items():
        if label not in values:
            raise SignatureInputMalformed(
                f"Signature has no member {label!r} matching Signature-Input"
            )
        if not isinstance(member, http_sfv.InnerList):
            raise SignatureInputMalformed(f"Signature-Input member {label!r} must be an inner list")
        value = values[label]
        if not isinstance(value, http_sfv.Item) or not isinstance(value.value, bytes):
            raise SignatureInputMalformed(
                f"Signature member {label!r} must be a byte sequence like :<base64>:"
            )
        parsed.append(
            ParsedSignature(
                label=label,
                components=_parse_components(label, member),
                params=_parse_params(label, member.params),
                signature=value.value,
                # RFC 9421 section 2.3: the base line is the member's sf serialisation.
                signature_params_value=str(member),
            )
        )
    if not parsed:
        raise SignatureMissing("Signature-Input has no signatures")
    return parsed
