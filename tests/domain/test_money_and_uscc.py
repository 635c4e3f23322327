from __future__ import annotations

import pytest

from hub.domain import uscc
from hub.domain.errors import InvalidAmount
from hub.domain.money import MAX_FEN, fen_to_yuan, yuan_to_fen


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [
        ("0", 0),
        ("0.01", 1),
        ("12.3", 1230),
        ("12.30", 1230),
        ("599", 59900),
        ("0.10", 10),
        ("90071992547409.91", MAX_FEN),
    ],
)
def test_yuan_to_fen(yuan: str, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize(
    "bad",
    [
        "12.345",
        "-1.00",
        "1e3",
        "",
        " 1.00",
        "1,000.00",
        "NaN",
        "Infinity",
        ".5",
        "01.00",
        "1.",
        "90071992547409.92",
        12.3,
        1230,
        None,
    ],
)
def test_yuan_to_fen_refuses(bad: object) -> None:
    with pytest.raises(InvalidAmount):
        yuan_to_fen(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fen", "yuan"), [(0, "0.00"), (1, "0.01"), (1230, "12.30"), (59900, "599.00")]
)
def test_fen_to_yuan(fen: int, yuan: str) -> None:
    assert fen_to_yuan(fen) == yuan
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize("bad", [-1, MAX_FEN + 1, 12.0, True, "100"])
def test_fen_to_yuan_refuses(bad: object) -> None:
    with pytest.raises(InvalidAmount):
        fen_to_yuan(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91330100716105852F", True),  # a published code (Alibaba (China) Co., Ltd.)
        ("91330106MA2CFT7E8D", True),
        ("91330100716105852G", False),  # wrong check character
        ("91330100716105853F", False),  # one digit changed
        ("91330100716105852", False),  # too short
        ("91330100716105852I", False),  # I is not in the alphabet
        ("9133010071610585 F", False),
    ],
)
def test_uscc_check_character(code: str, valid: bool) -> None:
    assert uscc.is_valid(code) is valid


def test_uscc_check_value_30_uses_the_last_letter() -> None:
    # find a stem whose check value is 30 ("Y"), which a 30-character alphabet could not express
    stem = next(
        f"9133010{n:010d}" for n in range(10_000) if uscc.check_character(f"9133010{n:010d}") == "Y"
    )
    assert uscc.is_valid(stem + "Y")
