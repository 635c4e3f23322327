"""Parse the RFC 9421 `Signature-Input` and `Signature` fields (section 4) into values."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass
from typing import Any, cast

import http_sf
from http_sf.innerlist import ser_innerlist

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


def _parse_dictionary(value: str, field_name: str) -> dict[str, Any]:
    try:
        # A dictionary parse yields a dict; its members' shapes are checked where they are read.
        parsed = cast("dict[str, Any]", http_sf.parse(value.encode("ascii"), tltype="dictionary"))
    except (http_sf.StructuredFieldError, ValueError, IndexError, UnicodeEncodeError) as err:
        raise SignatureInputMalformed(
            f"{field_name} is not a structured-field dictionary (RFC 8941 section 3.2)"
        ) from err
    return parsed


def _parse_params(label: str, params: dict[str, Any]) -> SignatureParams:
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


def _parse_components(label: str, inner: list[Any]) -> tuple[Component, ...]:
    components: list[Component] = []
    seen: set[str] = set()
    for item in inner:
        name, item_params = item
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
        for key, value in item_params.items():
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


# The fast path: one signature serialised canonically, as every signer we know sends it. It reads
# the same values the structured-field parser would (a corpus test proves it), at a fraction of
# the cost; anything else, or anything unusual, takes the full parser below. Measured with
# bench/verify.py: parsing was more than half of a request's verification cost besides Ed25519.
_LABEL = r"[a-z*][a-z0-9_.*-]{0,63}"
_COMPONENT = r'"[a-z0-9@_.-]+"(?:;req)?'
_PARAM = r';[a-z][a-z0-9_.*-]*=(?:"[ !#-\[\]-~]*"|0|[1-9][0-9]{0,14})'
_CANONICAL_INPUT = re.compile(
    rf"(?P<label>{_LABEL})=(?P<inner>\((?P<components>(?:{_COMPONENT}(?: {_COMPONENT})*)?)\)"
    rf"(?P<params>(?:{_PARAM})*))"
)
_CANONICAL_SIGNATURE = re.compile(rf"(?P<label>{_LABEL})=:(?P<value>[A-Za-z0-9+/]*={{0,2}}):")
_ONE_PARAM = re.compile(r';([a-z][a-z0-9_.*-]*)=(?:"([^"]*)"|([0-9]+))')


@functools.lru_cache(maxsize=256)
def _components_of(label: str, text: str) -> tuple[Component, ...]:
    """A sender repeats the same component list on every request: parse it once."""
    member = _parse_dictionary(f"{label}=({text})", "Signature-Input")[label]
    return _parse_components(label, member[0])


def _parse_canonical(signature_input: str, signature: str) -> ParsedSignature | None:
    matched = _CANONICAL_INPUT.fullmatch(signature_input)
    value = _CANONICAL_SIGNATURE.fullmatch(signature)
    if matched is None or value is None or matched["label"] != value["label"]:
        return None
    params: dict[str, Any] = {}
    for name, text, number in _ONE_PARAM.findall(matched["params"]):
        if name in params:
            return None  # a repeated parameter: let the full parser apply its rule
        params[name] = int(number) if number else text
    label = matched["label"]
    try:
        raw_signature = base64.b64decode(value["value"], validate=True)
    except binascii.Error:
        return None
    return ParsedSignature(
        label=label,
        components=_components_of(label, matched["components"]),
        params=_parse_params(label, params),
        signature=raw_signature,
        # Canonical by construction: the text received is the member's sf serialisation.
        signature_params_value=matched["inner"],
    )


def parse_signatures(signature_input: str | None, signature: str | None) -> list[ParsedSignature]:
    """Every signature with both a `Signature-Input` and a `Signature` member, in input order."""
    if not signature_input or not signature:
        raise SignatureMissing(
            "sign the request: Signature-Input and Signature fields are required (RFC 9421)"
        )
    fast = _parse_canonical(signature_input, signature)
    if fast is not None:
        return [fast]
    return parse_signatures_fully(signature_input, signature)


def parse_signatures_fully(signature_input: str, signature: str) -> list[ParsedSignature]:
    """The structured-field parser's reading of both fields (RFC 8941), for any input."""
    inputs = _parse_dictionary(signature_input, "Signature-Input")
    values = _parse_dictionary(signature, "Signature")
    parsed: list[ParsedSignature] = []
    for label, member in inputs.items():
        if label not in values:
            raise SignatureInputMalformed(
                f"Signature has no member {label!r} matching Signature-Input"
            )
        if not isinstance(member[0], list):
            raise SignatureInputMalformed(f"Signature-Input member {label!r} must be an inner list")
        value = values[label][0]
        if not isinstance(value, bytes):
            raise SignatureInputMalformed(
                f"Signature member {label!r} must be a byte sequence like :<base64>:"
            )
        parsed.append(
            ParsedSignature(
                label=label,
                components=_parse_components(label, member[0]),
                params=_parse_params(label, member[1]),
                signature=value,
                # RFC 9421 section 2.3: the base line is the member's sf serialisation.
                signature_params_value=ser_innerlist(member),
            )
        )
    if not parsed:
        raise SignatureMissing("Signature-Input has no signatures")
    return parsed
