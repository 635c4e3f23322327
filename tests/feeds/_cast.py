"""Filing complaints and notes for the feed tests."""

from __future__ import annotations

import uuid
from typing import Any

from hub.sdk.client import HubClient
from tests.conftest import example


def filed(complaint_id: str, *, platform: str = "taobao", region: str = "330106") -> dict[str, Any]:
    document = example("complaint.filed", event_id=str(uuid.uuid4()), complaint_id=complaint_id)
    data = dict(document["data"])  # type: ignore[arg-type]
    data["respondent"] = {**data["respondent"], "platform": platform}
    data["region"] = region
    document["data"] = data
    return document


def note(complaint_id: str, version: int) -> dict[str, Any]:
    return example(
        "case.note_added", event_id=str(uuid.uuid4()), complaint_id=complaint_id, version=version
    )


async def file_with_notes(
    bureau: HubClient, complaint_id: str, notes: int, *, platform: str = "taobao"
) -> list[int]:
    """Files a complaint and appends `notes` notes; returns the positions, in order."""
    positions = [(await bureau.post_event(filed(complaint_id, platform=platform)))["position"]]
    for version in range(2, notes + 2):
        positions.append((await bureau.post_event(note(complaint_id, version)))["position"])
    return positions
