"""The signing recipe's test vectors are what the hub's own signer produces, and verify."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType
from typing import Any

import pytest

from hub.crypto.httpsig import verify_request
from hub.crypto.keys import load_public_key
from hub.crypto.message import MessageView
from hub.crypto.signature_input import parse_signatures
from tests.hubproc import REPO

SIGNING = REPO / "examples" / "signing"


def _make_vectors() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_vectors", SIGNING / "make_vectors.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _committed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SIGNING / "vectors.json").read_text(encoding="utf-8"))
    return document


def test_committed_vectors_are_what_the_hub_signer_makes_now() -> None:
    make_vectors = _make_vectors()
    assert make_vectors.render(make_vectors.vectors()) == (SIGNING / "vectors.json").read_text(
        encoding="utf-8"
    ), "regenerate: .venv/bin/python examples/signing/make_vectors.py"


@pytest.mark.parametrize("index", [0, 1])
def test_each_vector_verifies_as_the_hub_checks_a_request(index: int) -> None:
    document = _committed()
    vector = document["vectors"][index]
    expected = vector["expected"]
    headers = {k.lower(): v for k, v in vector["headers"].items()}
    if expected["content_digest"] is not None:
        headers["content-digest"] = expected["content_digest"]
    body = vector["body"].encode("utf-8") if vector["body"] is not None else b""
    parsed = parse_signatures(expected["signature_input"], expected["signature"])[0]
    verified = verify_request(
        parsed,
        MessageView.for_request(vector["method"], vector["url"], headers),
        body,
        load_public_key(json.dumps(document["key"]["public_jwk"])),
        now=vector["created"],
    )
    assert verified.signature_base.decode("ascii") == expected["signature_base"]
    assert verified.nonce == vector["nonce"]


def test_the_signing_page_quotes_the_current_vectors() -> None:
    page = (REPO / "docs" / "signing.md").read_text(encoding="utf-8")
    document = _committed()
    assert document["key"]["private_seed_hex"] in page
    for vector in document["vectors"]:
        for name, value in vector["expected"].items():
            if value is not None:
                assert value in page, (vector["name"], name)
