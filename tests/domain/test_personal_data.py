"""The personal-data detector: what it flags in a public free-text field, and what it leaves."""

from __future__ import annotations

import pytest

from hub.domain.personal_data import (
    PersonalKind,
    find_personal_data,
    is_resident_id,
    resident_id_check_character,
)

M, ID, E = PersonalKind.MOBILE, PersonalKind.RESIDENT_ID, PersonalKind.EMAIL


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("杭州示例数码专营店 13800138000", M),
        ("联系13912345678", M),
        ("店主电话:138 0013 8000", M),
        ("138-0013-8000", M),
        ("+86 13800138000", M),
        ("+86-138-0013-8000", M),
        ("8613800138000", M),
        ("008613800138000", M),
        ("19912345678", M),
        ("2026-11-12 13800138000", M),
        ("耳机 身份证11010519491231002X", ID),
        ("11010519491231002x", ID),
        ("320102199001011232", ID),
        ("zhang.san@example.com", E),
        ("客服 kefu+shop@mail.example.cn 回复", E),
    ],
)
def test_personal_data_is_found(text: str, kind: PersonalKind) -> None:
    assert find_personal_data(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "杭州示例数码专营店有限公司",
        "无线降噪耳机 黑色",
        "订单4012345678901234567",  # a Taobao order number (19 digits)
        "4012345678901234",  # 16 digits
        "12345678901",  # 11 digits, but no mobile prefix (12)
        "10012345678",
        "23800138000",  # 11 digits not starting with 1
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "4012-1380-0138-000",  # an order number with hyphens holds no phone
        "91330106MA2CFT7E8D",  # a USCC code
        "913301001234567891",  # an all-digit USCC-like code: no birth date in it
        "110105194912310021",  # a resident id with a wrong check digit
        "110105194913310028",  # month 13
        "440524188001010014",  # a valid check digit, but born before 1900
        "型号 ABC-13800 规格 138",
        "价格 599.00 元, 数量 1",
        "user@localhost",
        "@taobao 旗舰店",
    ],
)
def test_public_values_are_not_flagged(text: str) -> None:
    assert find_personal_data(text) is None


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("32010219900101123", "2"),
    ],
)
def test_check_character_follows_gb_11643(first17: str, check: str) -> None:
    assert resident_id_check_character(first17) == check
    assert is_resident_id(first17 + check) is (first17[6:10] >= "1900")
    wrong = "0" if check != "0" else "1"
    assert not is_resident_id(first17 + wrong)
