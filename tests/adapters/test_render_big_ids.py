"""Native ids above 2^53 leave the hub exactly as they came in: as strings in the rendered text.

A JSON reader that turns numbers into doubles (JavaScript, many Java setups) would round
4705288465508532862 to 4705288465508532700; written as strings, the ids survive any reader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.base.registry import load_adapters

ADAPTERS = load_adapters()
ROOT = Path(__file__).resolve().parents[2] / "adapters"

# platform -> (kind, native id, order id), every id above 2^53 and shaped like the platform's own.
BIG_IDS: dict[str, tuple[str, str, str]] = {
    "taobao": ("refund", "181784773340365852", "2918463734761365258"),
    "jd": ("afs_service", "9007199254740993", "9007199254740995"),
    "pinduoduo": ("after_sales", "9007199254740993", "261111-434073824910838"),
    "douyin": ("aftersale", "7123456789012345679", "4705288465508532862"),
    "kuaishou": ("refund", "2123456789012345679", "2123456789012345681"),
}


def _event(code: str) -> Any:
    return json.loads((ROOT / code / "fixtures/render_offer_made/event.json").read_text())


def _texts(rendered: dict[str, Any]) -> list[str]:
    """The rendered message as sent, and any body it carries as JSON text (Douyin's `data`)."""
    texts = [json.dumps(rendered, ensure_ascii=False)]
    texts += [value for value in rendered.values() if isinstance(value, str)]
    return texts


@pytest.mark.parametrize("code", sorted(BIG_IDS))
def test_render_writes_native_ids_above_2_to_the_53_as_exact_strings(code: str) -> None:
    kind, native, order = BIG_IDS[code]
    assert int(native) > 2**53
    case = {
        "order": {"order_id": order},
        "native_refs": [{"platform": code, "kind": kind, "native_id": native}],
    }

    rendered = ADAPTERS[code].render(_event(code), case)

    text = "\n".join(_texts(rendered))
    for value in (native, order):
        # Quoted, digit for digit: never a bare number a double-based reader would round.
        assert f'"{value}"' in text
        assert f":{value}" not in text.replace(" ", "")
    if code == "douyin":  # the body travels as JSON text inside the message
        body = json.loads(rendered["data"])
        assert (body["aftersale_id"], body["p_id"]) == (native, order)
