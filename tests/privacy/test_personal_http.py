"""The personal part over HTTP: written by the filer, read by those entitled, erased for good."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from structlog.testing import capture_logs

from hub.privacy.commitment import personal_commitment
from hub.privacy.keyfile import MasterKeys, generate_master_keys, write_master_keys
from hub.sdk.client import HubClient
from hub.settings import Settings
from hub.vault.resources import MASTER_KEYS
from tests.conftest import EXAMPLES, example

PERSONAL: dict[str, Any] = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))
PHONE = PERSONAL["consumer"]["phone"]
NAME = PERSONAL["consumer"]["name"]
COMPLAINT = "bureau.hz:HZ12315-20261111-000123"
PATH = f"/v1/complaints/{COMPLAINT}/personal"
REPO = Path(__file__).resolve().parents[2]


def _salt(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def _file(bureau: HubClient, commitment: str, complaint_id: str = COMPLAINT) -> None:
    event = example("complaint.filed", complaint_id=complaint_id, event_id=str(uuid.uuid4()))
    event["data"] = {  # type: ignore[index]
        **event["data"],  # type: ignore[dict-item]
        "personal_ref": "personal-" + complaint_id,
        "personal_commitment": commitment,
    }
    await bureau.post_event(event)


async def _bureau(enrol: Any) -> HubClient:
    return await enrol("bureau.hz", "bureau", regions=("330100",))  # type: ignore[no-any-return]


async def _filed_with_personal(enrol: Any) -> HubClient:
    bureau = await _bureau(enrol)
    written = await bureau.call("PUT", PATH, json=PERSONAL)
    await _file(bureau, written["personal_commitment"])
    return bureau


async def test_filer_writes_the_part_before_filing_and_reads_it_back(enrol: Any) -> None:
    bureau = await _bureau(enrol)
    response = await bureau.request("PUT", PATH, json=PERSONAL)
    assert response.status == 201
    written = response.json()
    assert written["complaint_id"] == COMPLAINT
    assert written["personal_ref"] == "personal-" + COMPLAINT
    # The filer can compute the commitment itself, with the salt handed back.
    assert written["personal_commitment"] == personal_commitment(_salt(written["salt"]), PERSONAL)
    await _file(bureau, written["personal_commitment"])

    shown = await bureau.call("GET", PATH)
    assert shown["view"] == "full"
    assert shown["personal"] == PERSONAL
    assert shown["personal_commitment"] == written["personal_commitment"]
    assert shown["commitment_matches_filing"] is True


async def test_retry_by_the_filer_keeps_the_commitment(enrol: Any) -> None:
    bureau = await _bureau(enrol)
    first = await bureau.call("PUT", PATH, json=PERSONAL)
    again = await bureau.request("PUT", PATH, json=PERSONAL)
    assert again.status == 200
    assert again.json()["personal_commitment"] == first["personal_commitment"]


async def test_respondent_platform_reads_the_part_in_full(enrol: Any) -> None:
    await _filed_with_personal(enrol)
    taobao = await enrol("taobao", "platform", platform="taobao")
    shown = await taobao.call("GET", PATH)
    assert shown["view"] == "full"
    assert shown["personal"] == PERSONAL
    # The salt lets the platform check the filing event's commitment without trusting the hub.
    assert (
        personal_commitment(_salt(shown["salt"]), shown["personal"])
        == (shown["personal_commitment"])
    )


async def test_operator_sees_the_part_masked(enrol: Any) -> None:
    await _filed_with_personal(enrol)
    operator = await enrol("ops", "operator")
    shown = await operator.call("GET", PATH)
    assert shown["view"] == "masked"
    assert shown["personal"] == {
        "consumer": {"name": "张*", "phone": "138****0000", "address": "浙江省杭州市"}
    }
    assert "salt" not in shown


async def test_provincial_bureau_that_does_not_handle_the_case_sees_it_masked(
    enrol: Any,
) -> None:
    await _filed_with_personal(enrol)
    province = await enrol("bureau.zj", "bureau", regions=("330000",))
    shown = await province.call("GET", PATH)
    assert shown["view"] == "masked"
    assert NAME not in json.dumps(shown, ensure_ascii=False)


@pytest.mark.parametrize(
    ("participant_id", "role", "platform", "regions"),
    [
        ("bureau.sh", "bureau", None, ("310000",)),
        ("jd", "platform", "jd", ()),
        ("cca", "association", None, ()),
    ],
)
async def test_reader_outside_the_case_gets_404(
    enrol: Any, participant_id: str, role: str, platform: str | None, regions: tuple[str, ...]
) -> None:
    await _filed_with_personal(enrol)
    outsider = await enrol(participant_id, role, platform=platform, regions=regions)
    response = await outsider.request("GET", PATH)
    assert response.status == 404
    assert PHONE.encode() not in response.body


async def test_only_the_filer_writes_the_part_of_a_filed_case(enrol: Any) -> None:
    await _filed_with_personal(enrol)
    taobao = await enrol("taobao", "platform", platform="taobao")
    response = await taobao.request("PUT", PATH, json=PERSONAL)
    assert response.status == 403
    assert response.json()["type"].endswith("/personal-filer-only")
    outsider = await enrol("bureau.sh", "bureau", regions=("310000",))
    assert (await outsider.request("PUT", PATH, json=PERSONAL)).status == 404


async def test_operator_cannot_write_a_part(enrol: Any) -> None:
    operator = await enrol("ops", "operator")
    response = await operator.request("PUT", "/v1/complaints/NEW-1/personal", json=PERSONAL)
    assert response.status == 403


async def test_part_of_an_unfiled_complaint_is_written_only_in_its_filers_namespace(
    enrol: Any,
) -> None:
    other = await enrol("bureau.nb", "bureau", regions=("330200",))
    # another participant's id, before and after its owner wrote: as if it did not exist
    assert (await other.request("PUT", PATH, json=PERSONAL)).status == 404
    await (await _bureau(enrol)).call("PUT", PATH, json=PERSONAL)
    assert (await other.request("PUT", PATH, json=PERSONAL)).status == 404


async def test_part_is_written_by_the_filer_alone(enrol: Any) -> None:
    first = await enrol("bureau.nb", "bureau", regions=("330200",))
    assert (await first.request("PUT", PATH, json=PERSONAL)).status == 404
    bureau = await _bureau(enrol)
    await _file(bureau, "sha256:" + "0" * 64)
    assert (await bureau.request("GET", PATH)).status == 404
    assert (await first.request("PUT", PATH, json=PERSONAL)).status == 404
    assert (await bureau.request("PUT", PATH, json=PERSONAL)).status == 201
    assert (await bureau.call("GET", PATH))["personal"] == PERSONAL


async def test_invalid_part_is_refused_without_echoing_it(enrol: Any) -> None:
    bureau = await _bureau(enrol)
    document = {**PERSONAL, "consumer": {**PERSONAL["consumer"], "phone": "12345"}}
    response = await bureau.request("PUT", PATH, json=document)
    assert response.status == 422
    assert response.json()["pointer"] == "/consumer/phone"
    assert b"12345" not in response.body


async def test_commitment_that_differs_from_the_filing_is_flagged(enrol: Any) -> None:
    bureau = await _bureau(enrol)
    await bureau.call("PUT", PATH, json=PERSONAL)
    await _file(bureau, "sha256:" + "0" * 64)
    shown = await bureau.call("GET", PATH)
    assert shown["commitment_matches_filing"] is False


async def _verify_every_receipt(client: HubClient) -> int:
    chain = await client.call("GET", f"/v1/complaints/{COMPLAINT}/events")
    for item in chain["events"]:
        payload = await client.verify_receipt(item["receipt"])
        assert payload["event_id"] == item["event"]["event_id"]
    return len(chain["events"])


async def test_erasure_leaves_410_and_every_receipt_valid(
    enrol: Any, db: asyncpg.Connection
) -> None:
    bureau = await _filed_with_personal(enrol)
    operator = await enrol("ops", "operator")
    assert await _verify_every_receipt(bureau) == 1

    erased = await operator.call("DELETE", PATH)
    assert erased["complaint_id"] == COMPLAINT

    response = await bureau.request("GET", PATH)
    assert response.status == 410
    assert response.json()["type"].endswith("/personal-erased")
    assert await _verify_every_receipt(bureau) == 1
    row = await db.fetchrow("SELECT * FROM personal_parts WHERE complaint_id = $1", COMPLAINT)
    for column in ("wrapped_data_key", "nonce", "ciphertext", "evidence_ciphertext"):
        assert row[column] is None
    assert row["erased_at"] is not None
    # Erasure is final: the filer cannot write the part again; erasing again changes nothing.
    assert (await bureau.request("PUT", PATH, json=PERSONAL)).status == 410
    assert (await operator.call("DELETE", PATH))["erased_at"] == erased["erased_at"]


async def test_only_an_operator_erases(enrol: Any) -> None:
    bureau = await _filed_with_personal(enrol)
    response = await bureau.request("DELETE", PATH)
    assert response.status == 403
    assert (await bureau.call("GET", PATH))["view"] == "full"


async def test_database_holds_no_plaintext_of_the_part(enrol: Any, db: asyncpg.Connection) -> None:
    await _filed_with_personal(enrol)
    needles = [PHONE.encode(), NAME.encode(), PERSONAL["narrative"][:12].encode()]
    rows = 0
    for table in ("personal_parts", "evidence", "events", "complaints"):
        for record in await db.fetch(f"SELECT * FROM {table}"):
            rows += 1
            for value in record.values():
                blob = bytes(value) if isinstance(value, bytes) else str(value).encode()
                for needle in needles:
                    assert needle not in blob, (table, needle)
    assert rows >= 4


async def test_no_log_line_carries_the_part(enrol: Any) -> None:
    bureau = await _bureau(enrol)
    operator = await enrol("ops", "operator")
    with capture_logs() as logs:
        written = await bureau.call("PUT", PATH, json=PERSONAL)
        await _file(bureau, written["personal_commitment"])
        await bureau.call("GET", PATH)
        await operator.call("GET", PATH)
        await bureau.request("PUT", PATH, json={**PERSONAL, "extra": PHONE})
    text = json.dumps(logs, ensure_ascii=False, default=str)
    assert '"request"' in text  # the access log was captured
    for needle in (PHONE, NAME, PERSONAL["narrative"][:12], written["salt"]):
        assert needle not in text


@pytest.fixture
def master_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets" / "master-key.json"
    write_master_keys(path, generate_master_keys())
    return path


@pytest.fixture
def settings(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    # Tests that ask for a configured master key file get one; the rest use the dev default.
    configured = (
        request.getfixturevalue("master_key_file")
        if "master_key_file" in request.fixturenames
        else None
    )
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        log_format="console",
        max_body_bytes=64 * 1024,
        pool_size=5,
        webhook_allow_private=True,
        master_key_file=configured,
    )


async def test_part_under_version_1_reads_after_version_2_becomes_current(
    master_key_file: Path, app: web.Application, enrol: Any, db: asyncpg.Connection
) -> None:
    bureau = await _filed_with_personal(enrol)
    source = app[MASTER_KEYS]
    first: MasterKeys = source.keys
    write_master_keys(master_key_file, first.rotated())
    await source.reload()
    assert source.keys.current == 2

    second = "bureau.hz:HZ12315-20261111-000124"
    written = await bureau.call("PUT", f"/v1/complaints/{second}/personal", json=PERSONAL)
    await _file(bureau, written["personal_commitment"], complaint_id=second)
    versions = dict(await db.fetch("SELECT complaint_id, key_version FROM personal_parts"))
    assert versions == {COMPLAINT: 1, second: 2}
    assert (await bureau.call("GET", PATH))["personal"] == PERSONAL
    assert (await bureau.call("GET", f"/v1/complaints/{second}/personal"))["personal"] == PERSONAL


async def test_development_master_key_is_generated_owner_only(
    app: web.Application, client: Any, tmp_path: Path
) -> None:
    path = tmp_path / "master-key.json"
    assert path.stat().st_mode & 0o777 == 0o600


async def test_erase_from_the_command_line(
    enrol: Any, database_url: str, tmp_path: Path, client: Any
) -> None:
    bureau = await _filed_with_personal(enrol)
    env = {
        **os.environ,
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "hub.cli", "personal", "erase", COMPLAINT, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["complaint_id"] == COMPLAINT
    assert (await bureau.request("GET", PATH)).status == 410
