"""Who may cosign tree heads: a table of roles and regions."""

from __future__ import annotations

import pytest

from hub.domain.witnessing import may_witness


@pytest.mark.parametrize(
    ("role", "regions", "allowed"),
    [
        ("court", (), True),
        ("association", ("330100",), True),
        ("bureau", ("330000",), True),
        ("bureau", ("330100", "110000"), True),
        ("bureau", ("330100",), False),
        ("bureau", ("330106",), False),
        ("bureau", ("000000",), False),
        ("bureau", (), False),
        ("platform", ("330000",), False),
        ("operator", (), False),
        ("enforcement", ("330000",), False),
    ],
)
def test_witness_right(role: str, regions: tuple[str, ...], allowed: bool) -> None:
    assert may_witness(role, regions) is allowed
