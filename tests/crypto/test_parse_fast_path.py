"""The canonical fast path reads Signature-Input, Signature and Content-Digest exactly as the
structured-field parser does; whatever it does not recognise goes to that parser."""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import dataclass, field

import pytest
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from hub.crypto.digest import DigestMismatch, verify_content_digest
from hub.crypto.httpsig import sign_request
from hub.crypto.keys import generate_private_key
from hub.crypto.signature_input import (
    _parse_canonical,
    parse_signatures,
    parse_signatures_fully,
)

KEY = generate_private_key()
BODY = b'{"complaint_id":"C1"}'


@dataclass
class _Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


def _corpus() -> list[tuple[str, str]]:
    rng = random.Random(9421)
    cases = []
    for _ in range(60):
        path = "/v1/" + rng.choice(["events", "feed", "complaints/HZ-1"])
        query = rng.choice(["", "?after=10&limit=5"])
        body = rng.choice([None, BODY])
        headers = sign_request(
            rng.choice(["GET", "POST", "PUT"]),
            "https://hub.example" + path + query,
            {"x-trace": "a"},
            body,
            private_key=KEY,
            kid=rng.choice(["k1", "platform.jd-2026"]),
            label=rng.choice(["sig1", "hub-request", "a*b"]),
            extra_components=rng.choice([(), ("x-trace",)]),
        )
        cases.append((headers["Signature-Input"], headers["Signature"]))
    for _ in range(20):
        request = _Request("POST", "https://hub.example/v1/events")
        signer = HTTPMessageSigner(
            signature_algorithm=algorithms.ED25519,
            key_resolver=MappingKeyResolver(public_keys={}, private_keys={"k": KEY}),
        )
        signer.sign(
            request,
            key_id="k",
            nonce=uuid.uuid4().hex,
            label="theirs",
            covered_component_ids=("@method", "@authority", "@path"),
            body=BODY,
        )
        cases.append((request.headers["Signature-Input"], request.headers["Signature"]))
    return cases


@pytest.mark.parametrize(("signature_input", "signature"), _corpus())
def test_fast_path_reads_what_the_full_parser_reads(signature_input: str, signature: str) -> None:
    fast = _parse_canonical(signature_input, signature)
    assert fast is not None, signature_input
    assert [fast] == parse_signatures_fully(signature_input, signature)


@pytest.mark.parametrize(
    "signature_input",
    [
        'sig1=("@method" "@path");created=1 ; keyid="k"',  # whitespace before a parameter
        'sig1=("@method"  "@path");created=1;keyid="k"',  # two spaces
        'sig1=("@method";sf "@path");created=1;keyid="k"',  # another component parameter
        'sig1=("@method");keyid="k\\"q";created=1',  # an escaped quote
        'sig1=("@method");created=1;keyid="k", sig2=("@path");created=2;keyid="k"',
        'sig1=("@method");alg=ed25519;created=1',  # a token, not a string
        'sig1=("@method");created=1;created=2;keyid="k"',  # a repeated parameter
    ],
)
def test_unusual_inputs_take_the_full_parser(signature_input: str) -> None:
    signature = "sig1=:" + "A" * 86 + "==:"
    assert _parse_canonical(signature_input, signature) is None
    try:
        expected = parse_signatures_fully(signature_input, signature)
    except Exception as err:
        with pytest.raises(type(err)):
            parse_signatures(signature_input, signature)
    else:
        assert parse_signatures(signature_input, signature) == expected


@pytest.mark.parametrize("algorithm", ["sha-256", "sha-512"])
def test_single_digest_fast_path_matches_and_refuses(algorithm: str) -> None:
    import base64

    digest = hashlib.new(algorithm.replace("-", ""), BODY).digest()
    header = f"{algorithm}=:{base64.b64encode(digest).decode()}:"
    verify_content_digest(header, BODY)
    with pytest.raises(DigestMismatch):
        verify_content_digest(header, BODY + b" ")


def test_fast_path_keeps_time_parameters_as_integers() -> None:
    created = int(time.time())
    headers = sign_request(
        "GET", "https://hub.example/v1/feed", {}, None, private_key=KEY, kid="k1", created=created
    )
    (parsed,) = parse_signatures(headers["Signature-Input"], headers["Signature"])
    assert parsed.params.created == created
