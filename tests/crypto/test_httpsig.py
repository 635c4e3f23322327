from __future__ import annotations

import base64
import datetime
import time
from dataclasses import dataclass, field, replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
    algorithms,
)

from hub.crypto.errors import (
    AlgorithmNotSupported,
    AuthorityMismatch,
    BadSignature,
    ClockSkew,
    ComponentMissing,
    ComponentNotCovered,
    ComponentUnsupported,
    DigestMalformed,
    DigestMismatch,
    NonceMissing,
    ParameterMissing,
    SignatureError,
    SignatureExpired,
    SignatureInputMalformed,
    SignatureMissing,
)
from hub.crypto.httpsig import (
    Component,
    MessageView,
    ParsedSignature,
    VerifiedSignature,
    build_signature_base,
    check_authority,
    check_request_profile,
    check_response_profile,
    parse_signatures,
    sign_request,
    sign_response,
    signature_base,
    verify_ed25519,
    verify_request,
    verify_response,
)

# RFC 9421 appendix B.1.4: test-key-ed25519 (private "d" and public "x" of its JWK).
RFC_KEY = Ed25519PrivateKey.from_private_bytes(
    base64.urlsafe_b64decode("n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU=")
)
RFC_BODY = b'{"hello": "world"}'
# RFC 9421 appendix B.2: the test request.
RFC_REQUEST = MessageView.for_request(
    "POST",
    "https://example.com/foo?param=Value&Pet=dog",
    [
        ("Host", "example.com"),
        ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("Content-Type", "application/json"),
        (
            "Content-Digest",
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        ),
        ("Content-Length", "18"),
    ],
)
# RFC 9421 appendix B.2.6: signing a request using ed25519.
RFC_B26_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
RFC_B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9E"
    "DgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
)
RFC_B26_BASE = (
    b'"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    b'"@method": POST\n'
    b'"@path": /foo\n'
    b'"@authority": example.com\n'
    b'"content-type": application/json\n'
    b'"content-length": 18\n'
    b'"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length")'
    b';created=1618884473;keyid="test-key-ed25519"'
)

KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
URL = "https://hub.example.org/v1/complaints/C-1/events?after=10&limit=%2050"
BODY = b'{"type":"accepted","data":{"amount_fen":1999}}'
NONCE = "cGxhdGZvcm0tbm9uY2UtMDE"


def _now() -> int:
    return int(time.time())


def _signed(
    body: bytes = BODY, url: str = URL, method: str = "POST", **kwargs: object
) -> tuple[ParsedSignature, MessageView]:
    headers = {"Content-Type": "application/json"}
    added = sign_request(method, url, headers, body, private_key=KEY, kid="platform-1", **kwargs)  # type: ignore[arg-type]
    view = MessageView.for_request(method, url, {**headers, **added})
    [parsed] = parse_signatures(added["Signature-Input"], added["Signature"])
    return parsed, view


def _with_input(signature_input: str) -> ParsedSignature:
    [parsed] = parse_signatures(signature_input, "sig1=:AAAA:")
    return parsed


def _q(text: str) -> str:
    return f'"{text}"'


def _params(**params: str) -> str:
    values = {"created": str(_now()), "keyid": '"k"', "nonce": f'"{NONCE}"', **params}
    return "".join(f";{name}={value}" for name, value in values.items() if value)


COVERED = '"@method" "@authority" "@path" "@query" "content-digest"'


# --- RFC 9421 test vector ---------------------------------------------------------------------


def test_rfc9421_b26_base_is_built_byte_for_byte() -> None:
    [parsed] = parse_signatures(RFC_B26_INPUT, RFC_B26_SIGNATURE)
    assert signature_base(parsed, RFC_REQUEST.resolve) == RFC_B26_BASE


def test_rfc9421_b26_signature_verifies() -> None:
    [parsed] = parse_signatures(RFC_B26_INPUT, RFC_B26_SIGNATURE)
    verify_ed25519(
        RFC_KEY.public_key(), signature_base(parsed, RFC_REQUEST.resolve), parsed.signature
    )


def test_rfc9421_b26_signature_is_reproduced_by_our_key_handling() -> None:
    # Ed25519 is deterministic (RFC 8032 section 5.1.6), so the RFC's signature is reproducible.
    [parsed] = parse_signatures(RFC_B26_INPUT, RFC_B26_SIGNATURE)
    assert RFC_KEY.sign(RFC_B26_BASE) == parsed.signature


def test_rfc9421_b26_fails_the_hub_profile() -> None:
    # The RFC example has no nonce and does not cover content-digest: the hub refuses it.
    [parsed] = parse_signatures(RFC_B26_INPUT, RFC_B26_SIGNATURE)
    with pytest.raises(NonceMissing):
        check_request_profile(parsed, has_body=True, has_query=True, now=1618884473)


# --- our own round trip -----------------------------------------------------------------------


def test_signed_request_verifies_and_keeps_evidence() -> None:
    parsed, view = _signed()
    verified = verify_request(parsed, view, BODY, KEY.public_key(), now=_now())
    assert isinstance(verified, VerifiedSignature)
    assert verified.keyid == "platform-1"
    assert verified.covered_values['"@path"'] == "/v1/complaints/C-1/events"
    assert verified.covered_values['"@query"'] == "?after=10&limit=%2050"
    assert verified.covered_values['"@authority"'] == "hub.example.org"
    assert verified.covered_values['"content-digest"'].startswith("sha-256=:")
    assert verified.signature_input == parsed.signature_input
    # Anyone with the public key can re-verify the evidence later.
    verify_ed25519(KEY.public_key(), verified.signature_base, verified.signature)


def test_split_flow_builds_the_base_once() -> None:
    parsed, view = _signed()
    check_request_profile(parsed, has_body=True, has_query=True, now=_now())
    built = build_signature_base(parsed, view.resolve)
    verify_ed25519(KEY.public_key(), built.base, parsed.signature)
    assert built.base.endswith(f'"@signature-params": {parsed.signature_params_value}'.encode())


def test_bodyless_get_without_query_needs_neither_digest_nor_query() -> None:
    parsed, view = _signed(body=b"", url="https://hub.example.org/v1/feed", method="GET")
    assert [c.name for c in parsed.components] == ["@method", "@authority", "@path"]
    verify_request(parsed, view, b"", KEY.public_key(), now=_now())


def test_extra_components_are_covered() -> None:
    parsed, view = _signed(extra_components=["Content-Type", Component("@target-uri")])
    verified = verify_request(parsed, view, BODY, KEY.public_key(), now=_now())
    assert verified.covered_values['"content-type"'] == "application/json"
    assert verified.covered_values['"@target-uri"'] == URL


def test_given_nonce_and_created_are_signed() -> None:
    parsed, _ = _signed(nonce=NONCE, created=1_700_000_000)
    assert parsed.params.nonce == NONCE
    assert parsed.params.created == 1_700_000_000


def test_any_label_is_accepted() -> None:
    parsed, view = _signed(label="platform-sig")
    assert parsed.label == "platform-sig"
    verify_request(parsed, view, BODY, KEY.public_key(), now=_now())


def test_multiple_signatures_are_all_parsed() -> None:
    first = sign_request("GET", URL, {}, None, private_key=KEY, kid="a", label="a")
    second = sign_request("GET", URL, {}, None, private_key=OTHER_KEY, kid="b", label="b")
    parsed = parse_signatures(
        f"{first['Signature-Input']}, {second['Signature-Input']}",
        f"{first['Signature']}, {second['Signature']}",
    )
    assert [p.params.keyid for p in parsed] == ["a", "b"]
    view = MessageView.for_request("GET", URL)
    verify_request(parsed[1], view, b"", OTHER_KEY.public_key(), now=_now())


# --- derived components -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "component", "expected"),
    [
        ("https://Hub.Example.org:443/a", "@authority", "hub.example.org"),
        ("http://hub.example.org:80/a", "@authority", "hub.example.org"),
        ("https://hub.example.org:8443/a", "@authority", "hub.example.org:8443"),
        ("http://[::1]:8080/a", "@authority", "[::1]:8080"),
        ("HTTPS://hub.example.org/a", "@scheme", "https"),
        ("https://hub.example.org/a%2Fb/%E6%8A%95", "@path", "/a%2Fb/%E6%8A%95"),
        ("https://hub.example.org", "@path", "/"),
        ("https://hub.example.org/a?x=%20&y", "@query", "?x=%20&y"),
        ("https://hub.example.org/a", "@query", "?"),
        ("https://hub.example.org:443/a?q=1", "@target-uri", "https://hub.example.org/a?q=1"),
        ("https://hub.example.org/a", "@method", "POST"),
    ],
)
def test_derived_components_follow_rfc9421_section_2_2(
    url: str, component: str, expected: str
) -> None:
    view = MessageView.for_request("post", url)
    assert view.resolve(Component(component)) == expected


def test_repeated_header_lines_are_trimmed_and_joined() -> None:
    view = MessageView.for_request("GET", URL, [("X-Tag", " a "), ("x-tag", "b\t"), ("X-TAG", "")])
    assert view.resolve(Component("x-tag")) == "a, b, "


def test_status_is_three_digits() -> None:
    assert MessageView.for_response(200).resolve(Component("@status")) == "200"


# --- response signatures with ;req ------------------------------------------------------------


def _hub_request() -> MessageView:
    added = sign_request("GET", URL, {}, None, private_key=OTHER_KEY, kid="hub-1")
    return MessageView.for_request("GET", URL, added)


def test_response_signature_with_req_round_trip() -> None:
    request = _hub_request()
    body = b'{"items":[]}'
    added = sign_response(
        200,
        {"Content-Type": "application/json"},
        body,
        request=request,
        private_key=KEY,
        kid="platform-1",
    )
    view = MessageView.for_response(200, {"Content-Type": "application/json", **added}, request)
    [parsed] = parse_signatures(added["Signature-Input"], added["Signature"])
    assert parsed.covers("@method", req=True)
    assert parsed.covers("signature", req=True)
    verified = verify_response(parsed, view, body, KEY.public_key(), now=_now())
    assert verified.covered_values['"@path";req'] == "/v1/complaints/C-1/events"
    assert verified.covered_values['"@status"'] == "200"


def test_response_replayed_for_another_request_fails() -> None:
    body = b"{}"
    added = sign_response(200, {}, body, request=_hub_request(), private_key=KEY, kid="p")
    [parsed] = parse_signatures(added["Signature-Input"], added["Signature"])
    other_request = _hub_request()  # a fresh nonce, so a different Signature field
    view = MessageView.for_response(200, added, other_request)
    with pytest.raises(BadSignature):
        verify_response(parsed, view, body, KEY.public_key(), now=_now())


def test_response_without_request_binding_is_refused() -> None:
    parsed = _with_input(f'sig1=("@status" "content-digest"){_params()}')
    with pytest.raises(ComponentNotCovered, match=";req"):
        check_response_profile(parsed, _now())


def test_response_without_status_is_refused() -> None:
    parsed = _with_input(f'sig1=("content-digest" "@path";req){_params()}')
    with pytest.raises(ComponentNotCovered, match="@status"):
        check_response_profile(parsed, _now())


def test_req_component_without_request_is_missing() -> None:
    with pytest.raises(ComponentMissing):
        MessageView.for_response(200).resolve(Component.of("@path", req=True))


# --- interoperability with the http_message_signatures package --------------------------------


@dataclass
class _Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


def _their_signer() -> HTTPMessageSigner:
    resolver = MappingKeyResolver(public_keys={}, private_keys={"platform-1": KEY})
    return HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver)


def _their_verifier() -> HTTPMessageVerifier:
    resolver = MappingKeyResolver(public_keys={"platform-1": KEY.public_key()}, private_keys={})
    return HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)


def test_their_signature_passes_our_verification() -> None:
    request = _Request("POST", URL, {"Content-Type": "application/json"})
    _their_signer().sign(
        request,
        key_id="platform-1",
        nonce=NONCE,
        label="theirs",
        covered_component_ids=("@method", "@authority", "@path", "@query"),
        body=BODY,
    )
    headers = request.headers
    [parsed] = parse_signatures(headers["Signature-Input"], headers["Signature"])
    view = MessageView.for_request("POST", URL, headers)
    verified = verify_request(parsed, view, BODY, KEY.public_key(), now=_now())
    assert verified.label == "theirs"


def test_our_signature_passes_their_verification() -> None:
    headers = {"Content-Type": "application/json"}
    headers |= sign_request("POST", URL, headers, BODY, private_key=KEY, kid="platform-1")
    [result] = _their_verifier().verify(
        _Request("POST", URL, headers), body=BODY, require_components=("@method", "@path", "@query")
    )
    assert result.parameters["keyid"] == "platform-1"


def test_their_verification_rejects_our_signature_over_another_body() -> None:
    headers = sign_request("POST", URL, {}, BODY, private_key=KEY, kid="platform-1")
    with pytest.raises(InvalidSignature):
        _their_verifier().verify(_Request("POST", URL, headers), body=BODY + b" ")


# --- every error, triggered -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signature_input", "signature"),
    [(None, "sig1=:AAAA:"), ("", "sig1=:AAAA:"), ("sig1=()", None)],
)
def test_absent_fields_are_signature_missing(
    signature_input: str | None, signature: str | None
) -> None:
    with pytest.raises(SignatureMissing) as caught:
        parse_signatures(signature_input, signature)
    assert caught.value.code == "signature-missing"


@pytest.mark.parametrize(
    ("signature_input", "signature"),
    [
        ("sig1=(", "sig1=:AAAA:"),
        ("sig1=()", "sig1=AAAA"),
        ("sig1=()", "other=:AAAA:"),
        ('sig1="@method"', "sig1=:AAAA:"),
        ("sig1=(@method)", "sig1=:AAAA:"),
        ('sig1=("@Method")', "sig1=:AAAA:"),
        ('sig1=("@method" "@method")', "sig1=:AAAA:"),
        ('sig1=("@signature-params")', "sig1=:AAAA:"),
        ('sig1=();created="1"', "sig1=:AAAA:"),
        ("sig1=();created=?1", "sig1=:AAAA:"),
        ("sig1=();alg=ed25519", "sig1=:AAAA:"),
        ("sig1=();keyid=1", "sig1=:AAAA:"),
        ('sig1=("ü")', "sig1=:AAAA:"),
    ],
)
def test_malformed_input_is_refused(signature_input: str, signature: str) -> None:
    with pytest.raises(SignatureInputMalformed) as caught:
        parse_signatures(signature_input, signature)
    assert caught.value.code == "signature-input-malformed"


@pytest.mark.parametrize(
    ("covered", "has_body", "has_query", "missing"),
    [
        ('"@authority" "@path"', False, False, "@method"),
        ('"@method" "@path"', False, False, "@authority"),
        ('"@method" "@authority"', False, False, "@path"),
        ('"@method" "@authority" "@path"', False, True, "@query"),
        ('"@method" "@authority" "@path" "@query"', True, True, "content-digest"),
        ('"@method";req "@authority" "@path"', False, False, "@method"),
    ],
)
def test_required_components_must_be_covered(
    covered: str, has_body: bool, has_query: bool, missing: str
) -> None:
    parsed = _with_input(f"sig1=({covered}){_params()}")
    with pytest.raises(ComponentNotCovered, match=missing) as caught:
        check_request_profile(parsed, has_body=has_body, has_query=has_query, now=_now())
    assert caught.value.code == "component-not-covered"


@pytest.mark.parametrize(
    "nonce", ["", '"short"', '"00112233445566778899aabbccddeef"', '"AAECAwQFBgcICQoLDA0O"', '""']
)
def test_missing_or_weak_nonce_is_refused(nonce: str) -> None:
    parsed = _with_input(f"sig1=({COVERED}){_params(nonce=nonce)}")
    with pytest.raises(NonceMissing) as caught:
        check_request_profile(parsed, has_body=True, has_query=True, now=_now())
    assert caught.value.code == "nonce-missing"


@pytest.mark.parametrize(
    "nonce",
    [
        NONCE,  # 16 bytes of base64url
        "AAECAwQFBgcICQoLDA0ODw==",  # 16 bytes of padded base64
        "00112233445566778899aabbccddeeff",  # 16 bytes of hex
        "a-nonce-that-is-not-base64!",  # opaque, 27 characters
    ],
)
def test_strong_nonces_pass(nonce: str) -> None:
    parsed = _with_input(f"sig1=({COVERED}){_params(nonce=_q(nonce))}")
    check_request_profile(parsed, has_body=True, has_query=True, now=_now())


def test_overlong_nonce_is_malformed() -> None:
    parsed = _with_input(f"sig1=({COVERED}){_params(nonce=_q('A' * 300))}")
    with pytest.raises(SignatureInputMalformed):
        check_request_profile(parsed, has_body=True, has_query=True, now=_now())


@pytest.mark.parametrize("param", ["created", "keyid"])
def test_created_and_keyid_are_required(param: str) -> None:
    parsed = _with_input(f"sig1=({COVERED}){_params(**{param: ''})}")
    with pytest.raises(ParameterMissing, match=param) as caught:
        check_request_profile(parsed, has_body=True, has_query=True, now=_now())
    assert caught.value.code == "parameter-missing"


@pytest.mark.parametrize("offset_s", [-301, 301, -10_000])
def test_created_outside_the_window_is_clock_skew(offset_s: int) -> None:
    now = _now()
    parsed = _with_input(f"sig1=({COVERED}){_params(created=str(now + offset_s))}")
    with pytest.raises(ClockSkew) as caught:
        check_request_profile(parsed, has_body=True, has_query=True, now=now)
    assert caught.value.code == "clock-skew"


@pytest.mark.parametrize("offset_s", [-300, 0, 300])
def test_created_inside_the_window_passes(offset_s: int) -> None:
    now = _now()
    parsed = _with_input(f"sig1=({COVERED}){_params(created=str(now + offset_s))}")
    check_request_profile(parsed, has_body=True, has_query=True, now=now)


def test_passed_expiry_is_refused() -> None:
    now = _now()
    parsed = _with_input(f"sig1=({COVERED}){_params(expires=str(now - 1))}")
    with pytest.raises(SignatureExpired):
        check_request_profile(parsed, has_body=True, has_query=True, now=now)


def test_other_algorithms_are_refused() -> None:
    parsed = _with_input(f"sig1=({COVERED}){_params(alg=_q('rsa-pss-sha512'))}")
    with pytest.raises(AlgorithmNotSupported) as caught:
        check_request_profile(parsed, has_body=True, has_query=True, now=_now())
    assert caught.value.code == "algorithm-not-supported"


def test_tampered_path_is_a_bad_signature() -> None:
    parsed, view = _signed()
    with pytest.raises(BadSignature) as caught:
        verify_request(
            parsed,
            replace(view, path="/v1/complaints/C-2/events"),
            BODY,
            KEY.public_key(),
            now=_now(),
        )
    assert caught.value.code == "signature-invalid"


def test_wrong_key_is_a_bad_signature() -> None:
    parsed, view = _signed()
    with pytest.raises(BadSignature):
        verify_request(parsed, view, BODY, OTHER_KEY.public_key(), now=_now())


def test_tampered_body_is_a_digest_mismatch() -> None:
    parsed, view = _signed()
    with pytest.raises(DigestMismatch) as caught:
        verify_request(parsed, view, BODY.replace(b"1999", b"1"), KEY.public_key(), now=_now())
    assert caught.value.code == "digest-mismatch"


def test_unusable_signed_digest_is_malformed() -> None:
    headers = {"Content-Digest": "md5=:AAAA:"}
    added = sign_request(
        "POST", URL, headers, None, private_key=KEY, kid="k", extra_components=["content-digest"]
    )
    [parsed] = parse_signatures(added["Signature-Input"], added["Signature"])
    view = MessageView.for_request("POST", URL, {**headers, **added})
    with pytest.raises(DigestMalformed):
        verify_request(parsed, view, BODY, KEY.public_key(), now=_now())


def test_covered_header_absent_from_message_is_missing() -> None:
    parsed, view = _signed(extra_components=["content-type"])
    headers = {name: lines for name, lines in view.headers.items() if name != "content-type"}
    with pytest.raises(ComponentMissing) as caught:
        verify_request(parsed, replace(view, headers=headers), BODY, KEY.public_key(), now=_now())
    assert caught.value.code == "component-missing"


@pytest.mark.parametrize(
    "component",
    [
        Component("@request-target"),
        Component("@query-param", (("name", "x"),)),
        Component("content-type", (("sf", True),)),
    ],
)
def test_unsupported_components_are_named(component: Component) -> None:
    view = MessageView.for_request("GET", URL, {"Content-Type": "text/plain"})
    with pytest.raises(ComponentUnsupported) as caught:
        view.resolve(component)
    assert caught.value.code == "component-unsupported"


def test_newline_in_covered_value_is_refused() -> None:
    view = MessageView.for_request("GET", URL, {"X-Evil": 'a\n"@method": GET'})
    parsed = _with_input(f'sig1=("x-evil"){_params()}')
    with pytest.raises(ComponentUnsupported):
        build_signature_base(parsed, view.resolve)


def test_every_error_has_a_distinct_code() -> None:
    classes = SignatureError.__subclasses__()
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes) == 14


# --- authority ------------------------------------------------------------------------------


ALLOWED = ("https://hub.example.org", "http://localhost:8080/")


@pytest.mark.parametrize(
    ("authority", "scheme"),
    [("hub.example.org", "https"), ("HUB.example.org:443", "https"), ("localhost:8080", "http")],
)
def test_configured_authority_passes(authority: str, scheme: str) -> None:
    check_authority(authority, scheme, ALLOWED)


@pytest.mark.parametrize(
    ("authority", "scheme"),
    [
        ("hub.example.org", "http"),
        ("evil.example", "https"),
        ("hub.example.org:8443", "https"),
        ("localhost", "http"),
    ],
)
def test_other_authority_is_refused(authority: str, scheme: str) -> None:
    with pytest.raises(AuthorityMismatch) as caught:
        check_authority(authority, scheme, ALLOWED)
    assert caught.value.code == "authority-mismatch"


def test_no_configured_url_accepts_the_host_header() -> None:
    check_authority("anything.local:9000", "http", ())


def test_their_default_created_is_within_our_window() -> None:
    # Their signer reads a naive local datetime; ours compares Unix seconds.
    created = datetime.datetime.now()
    request = _Request("GET", URL)
    _their_signer().sign(
        request,
        key_id="platform-1",
        nonce=NONCE,
        created=created,
        covered_component_ids=("@method", "@authority", "@path", "@query"),
    )
    [parsed] = parse_signatures(request.headers["Signature-Input"], request.headers["Signature"])
    check_request_profile(parsed, has_body=False, has_query=True, now=_now())


def test_boolean_and_integer_parameters_keep_distinct_identifiers() -> None:
    assert Component("@path", (("req", True),)).identifier == '"@path";req'
    assert Component("@path", (("req", 1),)).identifier == '"@path";req=1'
    assert not Component("@path", (("req", 1),)).req
