"""The batch tests run with the production body limit (1 MiB): a batch of 1,000 filings fits."""

from __future__ import annotations

import dataclasses

import pytest

from hub.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, max_body_bytes=Settings.max_body_bytes)
