"""`complaint-hub adapters parse CODE FILE`, run as integrators run it, over every copied fixture.

Each copied payload's values are the ones its source shows (SOURCES.md beside the fixture names
the source): ids exact as text, money in fen, times with their +08:00 offset.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.hubproc import REPO

ADAPTERS = REPO / "adapters"
_CONSOLE = Path(sys.executable).parent / "complaint-hub"


def parse(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script when there is one, the module otherwise."""
    command = [str(_CONSOLE)] if _CONSOLE.exists() else [sys.executable, "-m", "hub.cli"]
    return subprocess.run(
        [*command, "adapters", "parse", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


DOUYIN_PUSH = {
    "native_id": "xxxxxx",  # the sample's own redaction
    "order_id": "4705288465508532862",
    "updated_at": "2021-04-21T15:36:27+08:00",
}
REASON_78 = [{"field": "reason_code", "pointer": "/data/reason_code", "code": "78"}]

# fixture (platform/fixtures/...) -> the records it holds, in order, as its source shows them.
COPIED: dict[str, list[dict[str, Any]]] = {
    "douyin/fixtures/real_refund_created/native.json": [
        {**DOUYIN_PUSH, "status": "13", "amount_fen": 0, "unmapped": REASON_78}
    ],
    "douyin/fixtures/real_refund_created_data_as_string/native.json": [
        {**DOUYIN_PUSH, "status": "13", "amount_fen": 0, "unmapped": REASON_78}
    ],
    "douyin/fixtures/real_refund_buyer_return_goods/native.json": [
        {**DOUYIN_PUSH, "status": "13", "amount_fen": 0, "unmapped": REASON_78}
    ],
    "douyin/fixtures/real_refund_closed/native.json": [
        {**DOUYIN_PUSH, "status": "13", "amount_fen": 0, "unmapped": REASON_78}
    ],
    "douyin/fixtures/real_refund_refused/native.json": [
        {**DOUYIN_PUSH, "status": "13", "amount_fen": 0, "unmapped": []}
    ],
    "douyin/fixtures/real_refund_return_agreed/native.json": [
        {**DOUYIN_PUSH, "status": "13", "amount_fen": 0}
    ],
    "douyin/fixtures/real_refund_return_apply_agreed/native.json": [
        {**DOUYIN_PUSH, "status": "13", "amount_fen": 0}
    ],
    "douyin/fixtures/real_refund_return_apply_refused/native.json": [
        {**DOUYIN_PUSH, "status": "13", "amount_fen": 0}
    ],
    "douyin/fixtures/real_refund_exchange_comfirmed/native.json": [
        {**DOUYIN_PUSH, "status": "13", "updated_at": "2021-04-21T15:59:52+08:00"}
    ],
    "douyin/fixtures/real_refund_expiration_change/native.json": [
        {**DOUYIN_PUSH, "status": "11", "amount_fen": None}
    ],
    "douyin/fixtures/real_refund_modified/native.json": [
        {
            **DOUYIN_PUSH,
            "status": "6",
            "phase": "requested",
            "amount_fen": 13200,
            "updated_at": "2021-04-21T15:59:19+08:00",
        }
    ],
    "douyin/fixtures/real_refund_success/native.json": [
        {
            **DOUYIN_PUSH,
            "status": "6",
            "amount_fen": 13200,
            "updated_at": "2021-04-21T15:59:19+08:00",
        }
    ],
    "douyin/fixtures/real_refund_arbitrate_applied/native.json": [
        {**DOUYIN_PUSH, "status": "27", "phase": "refused", "amount_fen": None}
    ],
    "douyin/fixtures/real_refund_arbitrate_audited/native.json": [
        {**DOUYIN_PUSH, "status": "27", "phase": "refused"}
    ],
    "douyin/fixtures/real_refund_arbitrate_service_intervene/native.json": [
        {**DOUYIN_PUSH, "status": "27", "phase": "refused"}
    ],
    "douyin/fixtures/real_refund_arbitrate_discuss_upload/native.json": [
        {**DOUYIN_PUSH, "status": "13", "phase": "offered"}
    ],
    "douyin/fixtures/_pages/older_list.json": [
        {
            "native_id": "6898662840928862468",
            "order_id": "4733587476763186359",
            "status": "12",
            "phase": "resolved",
            "updated_at": "2020-11-24T20:16:07+08:00",
        }
    ],
    "taobao/fixtures/real_tmc_refund_created/native.json": [
        {
            "native_id": "3290848379609938",
            "order_id": "54973839805603899",
            "phase": "requested",
            "amount_fen": 5978,
            "updated_at": "2017-09-13T16:00:07+08:00",
        }
    ],
    "taobao/fixtures/real_tmc_refund_big_ids/native.json": [
        {
            "native_id": "181784773340365852",
            "order_id": "2918463734761365258",
            "amount_fen": 100,
            "updated_at": "2022-09-29T14:17:15+08:00",
        }
    ],
    "jd/fixtures/_pages/service_list_page.json": [
        {
            "native_id": "381766106",
            "order_id": "70908914949",
            "status": "10",
            "phase": "requested",
            "amount_fen": None,
            "updated_at": "2018-01-09T16:37:28+08:00",
            "unmapped": [],
        }
    ],
    "pinduoduo/fixtures/real_pmc_refund_created/native.json": [
        {
            "native_id": "7381745730",
            "order_id": "210707-339507978993455",
            "status": "pdd_refund_RefundCreated",
            "phase": "requested",
            "amount_fen": 1990,
            "updated_at": "2021-07-07T13:57:05+08:00",
        }
    ],
}

# Pages written by hand where no public page exists (their SOURCES.md says so): read the same way.
INVENTED_PAGES: dict[str, list[dict[str, Any]]] = {
    "taobao/fixtures/_pages/receive_get_invented.json": [
        {"native_id": "181784773340365852", "status": "WAIT_SELLER_AGREE", "amount_fen": 100},
        {"native_id": "181784773340365853", "phase": "offered", "amount_fen": None},
    ],
    "jd/fixtures/_pages/jos_wrapped_invented.json": [
        {"native_id": "9381766106", "status": "31", "phase": "offered", "amount_fen": 59900},
        {
            "native_id": "9381766107",
            "phase": "unknown",
            "unmapped": [
                {
                    "field": "afsServiceStep",
                    "pointer": "/jingdong_afsservice_servicelistpage_query_responce/result"
                    "/serviceInfoList/1/afsServiceStep",
                    "code": "70",
                }
            ],
        },
    ],
    "kuaishou/fixtures/_pages/refund_pcursor_list_invented.json": [
        {"native_id": "2123456789012345", "order_id": "2123456789012346", "amount_fen": 8900},
        {
            "native_id": "2123456789012347",
            "phase": "resolved",
            "amount_fen": 59900,
            "updated_at": "2026-11-13T13:00:00.123+08:00",
        },
    ],
    "pinduoduo/fixtures/_pages/increment_get_invented.json": [
        {"native_id": "7381745730", "amount_fen": 1990},
        {"native_id": "7381745731", "status": "33", "phase": "offered", "amount_fen": 500},
    ],
}


def _copied_on_disk() -> set[str]:
    found = {str(p.relative_to(ADAPTERS)) for p in ADAPTERS.glob("*/fixtures/real_*/native.json")}
    found |= {str(p.relative_to(ADAPTERS)) for p in ADAPTERS.glob("*/fixtures/_pages/*.json")}
    return found


def test_every_copied_fixture_and_page_is_checked_here() -> None:
    assert _copied_on_disk() == set(COPIED) | set(INVENTED_PAGES)


@pytest.mark.parametrize("fixture", sorted({**COPIED, **INVENTED_PAGES}))
def test_parse_prints_each_record_as_its_source_shows_it(fixture: str) -> None:
    expected = {**COPIED, **INVENTED_PAGES}[fixture]
    platform = fixture.split("/")[0]
    path = ADAPTERS / fixture

    records = lines(parse(platform, str(path)))

    assert len(records) == len(expected)
    text = path.read_text(encoding="utf-8")
    for record, wanted in zip(records, expected, strict=True):
        assert set(record) == {
            "platform",
            "kind",
            "native_id",
            "status",
            "phase",
            "amount_fen",
            "updated_at",
            "order_id",
            "unmapped",
        }
        assert record["platform"] == platform
        assert {key: record[key] for key in wanted} == wanted
        # Ids are copied digit for digit from the payload, never through a double.
        assert record["native_id"] in text
        assert record["order_id"] is None or record["order_id"] in text
        assert record["updated_at"].endswith("+08:00")


def test_parse_reads_standard_input() -> None:
    text = (ADAPTERS / "taobao/fixtures/real_tmc_refund_big_ids/native.json").read_text()
    [record] = lines(parse("taobao", "-", stdin=text))
    assert record["native_id"] == "181784773340365852"
    assert record["order_id"] == "2918463734761365258"


def test_parse_keeps_ids_above_2_to_the_53_exact() -> None:
    page = {
        "data": {
            "aftersale_list": [
                {
                    "aftersale_id": 7123456789012345679,
                    "order_id": 4733587476763186359,
                    "aftersale_status": 12,
                    "update_time": "2020-11-24 20:16:07",
                }
            ],
            "total": 1,
            "size": 10,
            "page": 0,
        }
    }
    result = parse("douyin", "-", stdin=json.dumps(page))
    assert '"native_id": "7123456789012345679"' in result.stdout
    assert '"order_id": "4733587476763186359"' in result.stdout


def test_parse_reads_a_batch_of_messages() -> None:
    batch = [
        json.loads((ADAPTERS / f"douyin/fixtures/real_refund_{name}/native.json").read_text())
        for name in ("created", "success")
    ]
    records = lines(parse("douyin", "-", stdin=json.dumps(batch)))
    assert [r["status"] for r in records] == ["13", "6"]


def test_a_bad_record_is_one_problem_line_naming_its_pointer() -> None:
    page = json.loads(
        (ADAPTERS / "pinduoduo/fixtures/_pages/increment_get_invented.json").read_text()
    )
    page["refund_increment_get_response"]["refund_list"][1]["refund_amount"] = "5.001"

    result = parse("pinduoduo", "-", stdin=json.dumps(page))

    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    problem = json.loads(line)
    assert problem["field"] == "/refund_increment_get_response/refund_list/1/refund_amount"


def test_text_that_is_not_json_is_a_problem_at_the_root() -> None:
    result = parse("taobao", "-", stdin="{not json")
    assert result.returncode == 1
    assert json.loads(result.stderr)["field"] == "/"


def test_an_unknown_platform_code_lists_the_installed_ones() -> None:
    result = parse("acme", "-", stdin="{}")
    assert result.returncode == 2
    assert "acme" in result.stderr
    for code in ("taobao", "jd", "pinduoduo", "douyin", "kuaishou"):
        assert code in result.stderr
