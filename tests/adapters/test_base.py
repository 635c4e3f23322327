"""The shared conversions and event ids: exact or refused, never guessed."""

from __future__ import annotations

import pytest

from adapters.base import convert
from adapters.base.errors import AdapterError


@pytest.mark.parametrize(
    ("yuan", "expected_fen"),
    [
        ("0.01", 1),
        ("0.1", 10),
        ("1", 100),
        ("59.90", 5990),
        ("123456.78", 12345678),
        ("0", 0),
        ("99999999.99", 9999999999),
    ],
)
def test_yuan_strings_become_exact_fen(yuan: str, expected_fen: int) -> None:
    assert convert.yuan_to_fen(yuan, "/x") == expected_fen


@pytest.mark.parametrize(
    "bad",
    [
        "1.005",
        "0.001",
        "-1.00",
        "1e3",
        "1,000.00",
        " 1.00",
        "01.00",
        "",
        "1.",
        ".5",
        1.5,
        100,
        None,
        True,
    ],
)
def test_anything_but_a_two_decimal_yuan_string_is_refused(bad: object) -> None:
    with pytest.raises(AdapterError) as caught:
        convert.yuan_to_fen(bad, "/content/refund_fee")
    assert caught.value.field == "/content/refund_fee"


def test_fen_refuses_bool_float_and_negative() -> None:
    for bad in (True, 1.0, -1, "100"):
        with pytest.raises(AdapterError):
            convert.fen(bad, "/refundFee")


def test_fen_to_yuan_writes_two_decimals() -> None:
    assert [convert.fen_to_yuan(value) for value in (0, 1, 10, 5990, 12345678)] == [
        "0.00",
        "0.01",
        "0.10",
        "59.90",
        "123456.78",
    ]


@pytest.mark.parametrize(
    ("local", "rfc3339"),
    [
        ("2026-11-11 00:00:00", "2026-11-11T00:00:00+08:00"),  # UTC date is still 11-10
        ("2026-12-31 23:59:59", "2026-12-31T23:59:59+08:00"),
        ("2000-01-01 00:00:00", "2000-01-01T00:00:00+08:00"),
    ],
)
def test_naive_times_are_asia_shanghai(local: str, rfc3339: str) -> None:
    assert convert.local_time(local, "/modified") == rfc3339
    assert convert.to_local_text(rfc3339) == local


def test_epoch_seconds_and_millis_read_in_asia_shanghai() -> None:
    # 2025-11-10T16:00:00Z is already 11-11 in Shanghai.
    assert convert.epoch_seconds(1762790400, "/t") == "2025-11-11T00:00:00+08:00"
    assert convert.epoch_seconds("1762790400", "/t") == "2025-11-11T00:00:00+08:00"
    assert convert.epoch_millis(1762790400123, "/t") == "2025-11-11T00:00:00.123+08:00"
    assert convert.to_epoch_millis("2025-11-11T00:00:00.123+08:00") == 1762790400123
    assert convert.to_epoch_seconds("2025-11-11T00:00:00+08:00") == 1762790400


@pytest.mark.parametrize(
    "bad",
    ["1999-12-31 23:59:59", "2026-02-30 10:00:00", "2026-11-11T10:00:00", "2100-01-01 00:00:00"],
)
def test_implausible_or_malformed_local_times_are_refused(bad: str) -> None:
    with pytest.raises(AdapterError):
        convert.local_time(bad, "/modified")


def test_a_time_before_2000_is_refused_rather_than_guessed() -> None:
    with pytest.raises(AdapterError, match="before 2000"):
        convert.epoch_millis(1594000000, "/createTime")  # seconds sent where milliseconds belong
    with pytest.raises(AdapterError) as caught:
        convert.epoch_seconds(
            1762790400123, "/apply_time"
        )  # milliseconds sent where seconds belong
    assert caught.value.field == "/apply_time"


def test_native_ids_become_exact_strings_and_floats_are_refused() -> None:
    assert convert.native_id(6932458127345678901, "/tid") == "6932458127345678901"
    assert convert.native_id("230626-434073824910838", "/order_sn") == "230626-434073824910838"
    for bad in (6.932458127345679e18, -1, True, "", "a b", None):
        with pytest.raises(AdapterError):
            convert.native_id(bad, "/tid")


def test_event_id_is_deterministic_and_separates_every_part() -> None:
    args = ("taobao", "1", "2026-11-11T00:00:00+08:00", "SUCCESS", "complaint.resolved")
    assert convert.event_id(*args) == convert.event_id(*args)
    for index in range(len(args)):
        changed = list(args)
        changed[index] = changed[index] + "x"
        assert convert.event_id(*changed) != convert.event_id(*args)
