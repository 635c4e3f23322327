"""Signed requests verified per second on one core, beside raw Ed25519 verifications.

    python bench/verify.py [--seconds 3]

The request path is what the hub does for every /v1 request before the database: parse
Signature-Input and Signature (RFC 9421), check the profile, build the signature base, verify
the Ed25519 signature and the body's Content-Digest. The baseline verifies the same signature
base directly, in the same run, so the ratio is the cost of everything around Ed25519.

A second figure compares the two Ed25519 verifiers on the same bases: libsodium (PyNaCl, what
the hub uses) against OpenSSL (`cryptography`, what signs).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nacl.bindings

from bench._report import emit
from hub.crypto.httpsig import (
    MessageView,
    build_signature_base,
    parse_signatures,
    sign_request,
    verify_request,
)
from hub.crypto.keys import generate_private_key

URL = "https://hub.example.test/v1/events"
BODY = (Path(__file__).resolve().parents[1] / "schemas/examples/complaint.filed.json").read_bytes()


def rate(work: Callable[[], None], seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(100):
            work()
        done += 100
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--requests", type=int, default=2000, help="distinct signed requests")
    args = parser.parse_args()
    key = generate_private_key()
    public_key = key.public_key()
    requests = []
    for _ in range(args.requests):
        headers = {"Content-Type": "application/json"}
        headers |= sign_request("POST", URL, headers, BODY, private_key=key, kid="bench-k1")
        requests.append(headers)
    now = int(time.time())
    index = 0

    def verify_signed_request() -> None:
        nonlocal index
        headers = requests[index % len(requests)]
        index += 1
        parsed = parse_signatures(headers["Signature-Input"], headers["Signature"])[0]
        view = MessageView.for_request("POST", URL, list(headers.items()))
        verify_request(parsed, view, BODY, public_key, now=now)

    bases = []
    for headers in requests:
        parsed = parse_signatures(headers["Signature-Input"], headers["Signature"])[0]
        view = MessageView.for_request("POST", URL, list(headers.items()))
        bases.append((parsed.signature, build_signature_base(parsed, view.resolve).base))

    raw_key = public_key.public_bytes_raw()

    def verify_raw() -> None:
        nonlocal index
        signature, base = bases[index % len(bases)]
        index += 1
        nacl.bindings.crypto_sign_open(signature + base, raw_key)

    def verify_raw_openssl() -> None:
        nonlocal index
        signature, base = bases[index % len(bases)]
        index += 1
        public_key.verify(signature, base)

    # Interleave them a few times so a noisy neighbour affects all alike.
    raw_rates, request_rates, openssl_rates = [], [], []
    for _ in range(3):
        raw_rates.append(rate(verify_raw, args.seconds / 3))
        request_rates.append(rate(verify_signed_request, args.seconds / 3))
        openssl_rates.append(rate(verify_raw_openssl, args.seconds / 3))
    raw, signed, openssl = max(raw_rates), max(request_rates), max(openssl_rates)
    print(f"body={len(BODY)} bytes, one core, best of 3 interleaved rounds")
    print(f"raw Ed25519 verify (libsodium): {raw:8.0f} /s")
    print(f"raw Ed25519 verify (OpenSSL):   {openssl:8.0f} /s")
    print(f"signed request verified:        {signed:8.0f} /s")
    print(f"ratio:                          {signed / raw:8.0%}")
    emit("signed requests verified per core (vs raw Ed25519 verify)", signed, "/s", raw)
    emit("Ed25519 verify per core: libsodium (vs OpenSSL)", raw, "/s", openssl)


if __name__ == "__main__":
    main()
