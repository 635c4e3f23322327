from __future__ import annotations

import pytest
from aiohttp import web

from hub.clock import CLOCK
from tests.stats._year import Clock


@pytest.fixture
def clock(app: web.Application) -> Clock:
    """The injected clock, set before the app starts (request it before `client`)."""
    holder = Clock()
    app[CLOCK] = holder
    return holder
