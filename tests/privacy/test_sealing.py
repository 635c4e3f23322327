"""The pure parts: envelope encryption, the commitment, the key file, masking."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from hub.crypto.jcs import canonical_json
from hub.privacy.commitment import SALT_BYTES, new_salt, personal_commitment, personal_ref
from hub.privacy.envelope import DecryptionFailed, WrappedKey
from hub.privacy.keyfile import (
    MasterKeyFileError,
    generate_master_keys,
    load_master_keys,
    parse_master_keys,
)
from hub.privacy.masking import mask_address, mask_name, mask_personal, mask_phone
from hub.privacy.sealed import open_evidence, open_personal, seal_personal
from tests.conftest import EXAMPLES

PERSONAL = json.loads((EXAMPLES / "personal.json").read_text(encoding="utf-8"))
COMPLAINT = "bureau.hz:HZ12315-20261111-000123"


def test_sealed_personal_part_opens_to_the_same_document_and_salt() -> None:
    keys = generate_master_keys()
    salt = new_salt()
    sealed = seal_personal(keys, COMPLAINT, PERSONAL, salt=salt, evidence=b"signed request")
    opened = open_personal(keys, COMPLAINT, sealed.key, sealed.personal)
    assert opened.personal == PERSONAL
    assert opened.salt == salt
    assert open_evidence(keys, COMPLAINT, sealed.key, sealed.evidence) == b"signed request"
    assert sealed.commitment == personal_commitment(salt, PERSONAL)


def test_ciphertext_holds_no_plaintext() -> None:
    sealed = seal_personal(
        generate_master_keys(), COMPLAINT, PERSONAL, salt=new_salt(), evidence=b"13800000000"
    )
    for blob in (sealed.personal.ciphertext, sealed.evidence.ciphertext, sealed.key.wrapped):
        assert b"13800000000" not in blob
        assert PERSONAL["consumer"]["name"].encode() not in blob


def test_ciphertext_moved_to_another_complaint_does_not_decrypt() -> None:
    keys = generate_master_keys()
    sealed = seal_personal(keys, COMPLAINT, PERSONAL, salt=new_salt(), evidence=b"")
    with pytest.raises(DecryptionFailed):
        open_personal(keys, "OTHER-1", sealed.key, sealed.personal)


def test_wrapped_key_relabelled_with_another_version_does_not_unwrap() -> None:
    keys = generate_master_keys().rotated()
    sealed = seal_personal(keys, COMPLAINT, PERSONAL, salt=new_salt(), evidence=b"")
    relabelled = WrappedKey(sealed.key.wrapped, 1)
    with pytest.raises(DecryptionFailed):
        open_personal(keys, COMPLAINT, relabelled, sealed.personal)


def test_part_sealed_under_version_1_opens_after_version_2_becomes_current() -> None:
    first = generate_master_keys()
    sealed = seal_personal(first, COMPLAINT, PERSONAL, salt=new_salt(), evidence=b"")
    second = first.rotated()
    assert second.current == 2
    assert sealed.key.key_version == 1
    assert open_personal(second, COMPLAINT, sealed.key, sealed.personal).personal == PERSONAL
    newer = seal_personal(second, COMPLAINT, PERSONAL, salt=new_salt(), evidence=b"")
    assert newer.key.key_version == 2


def test_commitment_is_sha256_of_salt_then_jcs() -> None:
    salt = bytes(range(SALT_BYTES))
    expected = hashlib.sha256(salt + canonical_json(PERSONAL)).hexdigest()
    assert personal_commitment(salt, PERSONAL) == "sha256:" + expected
    # JCS: the key order of the document sent does not matter.
    reordered = {"narrative": PERSONAL["narrative"], "consumer": PERSONAL["consumer"]}
    assert personal_commitment(salt, reordered) == "sha256:" + expected


def test_commitment_differs_per_salt() -> None:
    assert personal_commitment(new_salt(), PERSONAL) != personal_commitment(new_salt(), PERSONAL)


@pytest.mark.parametrize(
    ("complaint_id", "ref"),
    [
        ("bureau.hz:HZ12315-20261111-000123", "personal-bureau.hz:HZ12315-20261111-000123"),
        ("A" * 64, "personal-" + hashlib.sha256(b"A" * 64).hexdigest()[:40]),
    ],
)
def test_personal_ref_fits_a_local_id(complaint_id: str, ref: str) -> None:
    assert personal_ref(complaint_id) == ref
    assert len(ref) <= 64


def test_key_file_is_generated_owner_only_in_development(tmp_path: Path) -> None:
    path = tmp_path / "master-key.json"
    keys = load_master_keys(path, generate=True)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_master_keys(path, generate=False) == keys
    document = json.loads(path.read_text())
    assert document["current"] == 1
    assert len(base64.b64decode(document["keys"]["1"])) == 32


def test_configured_key_file_that_is_missing_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyFileError, match="does not exist"):
        load_master_keys(tmp_path / "absent.json", generate=False)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"keys": {}}',
        '{"current": 1, "keys": {"1": "c2hvcnQ="}}',
        '{"current": 2, "keys": {"1": "' + base64.b64encode(b"k" * 32).decode() + '"}}',
        '{"current": 1, "keys": {"1": "not base64!"}}',
    ],
)
def test_malformed_key_file_is_refused_without_echoing_it(text: str) -> None:
    with pytest.raises(MasterKeyFileError) as caught:
        parse_master_keys(text)
    assert base64.b64encode(b"k" * 32).decode() not in str(caught.value)


@pytest.mark.parametrize(
    ("masker", "value", "shown"),
    [
        (mask_name, "张示例", "张*"),
        (mask_name, "欧阳娜娜", "欧*"),
        (mask_phone, "13800000000", "138****0000"),
        (mask_phone, "+8613912345678", "139****5678"),
        (mask_phone, "0571-88886666", "057****6666"),
        (mask_address, "浙江省杭州市示例区测试路 1 号 101 室", "浙江省杭州市"),
        (mask_address, "北京市朝阳区某某超市 2 号", "北京市"),
        (mask_address, "广西壮族自治区南宁市青秀区", "广西壮族自治区南宁市"),
        (mask_address, "测试路 1 号", "***"),
    ],
)
def test_masking(masker: object, value: str, shown: str) -> None:
    assert masker(value) == shown  # type: ignore[operator]


def test_masked_part_leaves_out_narrative_and_id_number() -> None:
    document = {
        **PERSONAL,
        "consumer": {**PERSONAL["consumer"], "id_number": "11010519491231002X"},
    }
    masked = mask_personal(document)
    assert masked == {
        "consumer": {"name": "张*", "phone": "138****0000", "address": "浙江省杭州市"}
    }
