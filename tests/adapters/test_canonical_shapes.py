"""The canonical shapes know every event a platform may read on its cases, and no report."""

from __future__ import annotations

import pytest

from adapters.base.canonical import check_event
from adapters.base.errors import AdapterError
from hub.domain.lifecycle import EventType
from hub.domain.report import REPORT_EVENT_TYPES
from tests.conftest import example


@pytest.mark.parametrize("event_type", [t.value for t in EventType])
def test_every_complaint_event_example_is_a_canonical_shape(event_type: str) -> None:
    check_event(example(event_type))


@pytest.mark.parametrize(
    "data",
    [
        {
            "agreement": True,
            "amount_fen": 59900,
            "agreement_document": {"document_id": "tjs-2026-0001", "sha256": "ab" * 32},
            "parties_consented": True,
        },
        {"agreement": False, "ground": "no_agreement_possible", "parties_consented": False},
    ],
)
def test_mediation_concluded_carries_its_ground_document_and_consent(
    data: dict[str, object],
) -> None:
    check_event(example("mediation.concluded", data=data))


@pytest.mark.parametrize("event_type", sorted(REPORT_EVENT_TYPES))
def test_no_adapter_renders_a_report(event_type: str) -> None:
    with pytest.raises(AdapterError) as refused:
        check_event(example(event_type))
    assert refused.value.field == "/type"
