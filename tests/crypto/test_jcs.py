from __future__ import annotations

import random
from typing import Any

import pytest
import rfc8785

from hub.crypto.jcs import (
    MAX_SAFE_INTEGER,
    UnsignableValue,
    canonical_json,
    check_signable,
    sha256_b64url,
    sha256_hex,
)

# Strings that exercise every JSON escaping rule: RFC 8785 section 3.2.2.2.
_SPECIAL_STRINGS = [
    "",
    "plain",
    '"quoted"',
    "back\\slash",
    "/slash/",
    "\b\f\n\r\t",
    "".join(chr(c) for c in range(0x20)),
    "\x7f del",
    "\u2028\u2029 separators",
    "投诉 消费者 平台",
    "emoji 😀🧾👩‍👩‍👧",
    "\U0001f600\U0010ffff",
    "\ufeff bom \ufffd \uffff",
    "e\u0301 combining",
    "<script>&amp;</script>",
]
_EDGE_INTEGERS = [0, 1, -1, 9, 10, 2**31, -(2**31), 2**53 - 2, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]
_KEY_ALPHABET = 'abcXYZ019_-~/ .:"\\\x01\x1f'


def _key(rng: random.Random) -> str:
    return "".join(rng.choice(_KEY_ALPHABET) for _ in range(rng.randint(0, 6)))


def _string(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(_SPECIAL_STRINGS)
    # Random code points from every plane, surrogates excluded (they are not Unicode scalars).
    points = [
        rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0xD7FF), rng.randint(0xE000, 0x10FFFF)])
        for _ in range(rng.randint(0, 12))
    ]
    return "".join(map(chr, points))


def _value(rng: random.Random, depth: int) -> Any:
    kind = rng.randint(0, 7 if depth < 4 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([*_EDGE_INTEGERS, rng.randint(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)])
    if kind in (3, 4):
        return _string(rng)
    if kind == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {_key(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 6))}


def _corpus() -> list[Any]:
    rng = random.Random(8785)
    values: list[Any] = [*_SPECIAL_STRINGS, *_EDGE_INTEGERS, {}, [], None, True]
    values += [{"data": {"amount_fen": n, "order_id": str(2**64 + n)}} for n in _EDGE_INTEGERS]
    values += [_value(rng, 0) for _ in range(300)]
    values += [{_key(rng): _value(rng, 1) for _ in range(8)} for _ in range(100)]
    return values


CORPUS = _corpus()


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 200


@pytest.mark.parametrize("value", CORPUS, ids=range(len(CORPUS)))
def test_canonical_json_matches_rfc8785(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


def test_keys_sort_by_code_unit_not_insertion_order() -> None:
    assert canonical_json({"b": 1, "a": {"d": [], "c": None}}) == b'{"a":{"c":null,"d":[]},"b":1}'


@pytest.mark.parametrize(
    ("value", "pointer", "reason_part"),
    [
        ({"data": {"amount_fen": 1.5}}, "/data/amount_fen", "float"),
        ({"data": {"amount_fen": 1.0}}, "/data/amount_fen", "float"),
        ({"data": {"order_id": MAX_SAFE_INTEGER + 1}}, "/data/order_id", "2^53"),
        ([0, -MAX_SAFE_INTEGER - 1], "/1", "2^53"),
        ({"a/b": {"m~n": [2**64]}}, "/a~1b/m~0n/0", "2^53"),
        ({"名": 1}, "", "not ASCII"),
        ({"k": {1: "x"}}, "/k", "not a string"),
        ({"s": "\ud800"}, "/s", "surrogate"),
        ({"t": {1, 2}}, "/t", "not a JSON value"),
        (b"bytes", "", "not a JSON value"),
    ],
)
def test_unsignable_values_are_refused_with_a_pointer(
    value: Any, pointer: str, reason_part: str
) -> None:
    with pytest.raises(UnsignableValue) as caught:
        check_signable(value)
    assert caught.value.pointer == pointer
    assert reason_part in caught.value.reason
    with pytest.raises(UnsignableValue):
        canonical_json(value)


def test_unsignable_value_is_a_value_error() -> None:
    assert issubclass(UnsignableValue, ValueError)


def test_booleans_and_edge_integers_are_signable() -> None:
    check_signable({"ok": True, "no": False, "max": MAX_SAFE_INTEGER, "min": -MAX_SAFE_INTEGER})


def test_digest_helpers() -> None:
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_b64url(b"abc") == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
