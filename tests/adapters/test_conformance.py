"""Every installed adapter, the built-in ones included, passes the conformance kit."""

from __future__ import annotations

import pytest

from adapters.base import canonical, conformance
from adapters.base.contract import Adapter
from adapters.base.registry import load_adapters

ADAPTERS: dict[str, Adapter] = load_adapters()
CASES = [
    (code, name) for code, adapter in ADAPTERS.items() for name in conformance.case_names(adapter)
]
MALFORMED = [
    (code, name)
    for code, adapter in ADAPTERS.items()
    for name in conformance.malformed_names(adapter)
]


@pytest.mark.parametrize("code", sorted(ADAPTERS))
def test_adapter_metadata_and_native_schema_are_valid(code: str) -> None:
    conformance.check_info(ADAPTERS[code])


@pytest.mark.parametrize("code", sorted(ADAPTERS))
def test_adapter_ships_fixtures_for_parse_render_and_malformed_input(code: str) -> None:
    adapter = ADAPTERS[code]
    cases = [conformance.load_case(adapter, name) for name in conformance.case_names(adapter)]
    assert any(case.native is not None for case in cases)
    assert any(case.event is not None for case in cases)
    assert conformance.malformed_names(adapter)


@pytest.mark.parametrize("check", conformance.CASE_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize(
    ("code", "case_name"), CASES, ids=[f"{code}/{name}" for code, name in CASES]
)
def test_fixture_case(code: str, case_name: str, check: conformance.CaseCheck) -> None:
    adapter = ADAPTERS[code]
    check(adapter, conformance.load_case(adapter, case_name))


@pytest.mark.parametrize(
    ("code", "case_name"), MALFORMED, ids=[f"{code}/{name}" for code, name in MALFORMED]
)
def test_malformed_input_is_refused_naming_the_field(code: str, case_name: str) -> None:
    conformance.check_malformed(ADAPTERS[code], case_name)


def test_every_builtin_adapter_is_in_the_kit() -> None:
    # Two adapters of one code cannot both be installed: load_adapters refuses them.
    assert {
        "taobao",
        "jd",
        "pinduoduo",
        "douyin",
        "kuaishou",
        "vipshop",
        "suning",
        "meituan",
        "dangdang",
        "xianyu",
    } <= set(ADAPTERS)


@pytest.mark.parametrize("note_kind", sorted(canonical.ADAPTER_NOTE_KINDS))
def test_hub_schema_knows_the_adapter_note_kinds(note_kind: str) -> None:
    validate = conformance.hub_validator()
    validate(
        {
            "event_id": "9b2f4c1e-0d3a-5e6f-8a7b-1c2d3e4f5a6b",
            "complaint_id": "SH-310115-2026-000123",
            "version": 2,
            "type": "case.note_added",
            "occurred_at": "2026-11-11T10:00:00+08:00",
            "data": {"note_kind": note_kind, "reference": "taobao:refund:100234567890123456"},
        }
    )
