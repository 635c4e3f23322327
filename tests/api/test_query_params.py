"""Integer query parameters: the default when absent, the range enforced, the parameter named."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from hub.http.query import BIGINT_MAX, int_param
from hub.problems import BadRequest


def _limit(query: str) -> int:
    request = make_mocked_request("GET", f"/v1/feed{query}")
    return int_param(request, "limit", default=100, minimum=1, maximum=500)


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("", 100),
        ("?limit=", 100),
        ("?other=7", 100),
        ("?limit=1", 1),
        ("?limit=500", 500),
        ("?limit=042", 42),
    ],
)
def test_integer_parameter_read_or_defaulted(query: str, value: int) -> None:
    assert _limit(query) == value


@pytest.mark.parametrize(
    "query",
    [
        "?limit=0",
        "?limit=501",
        "?limit=-1",
        "?limit=ten",
        "?limit=1.5",
        "?limit=1_0",
        "?limit=%2010",
        "?limit=%D9%A5",  # an Arabic-Indic digit five, which int() would take
        "?limit=" + "9" * 40,
    ],
)
def test_integer_parameter_refused_naming_the_parameter(query: str) -> None:
    with pytest.raises(BadRequest) as caught:
        _limit(query)
    assert caught.value.detail == "limit must be an integer 1..500"
    assert caught.value.extensions == {"parameter": "limit"}


def test_feed_position_reaches_the_largest_bigint() -> None:
    request = make_mocked_request("GET", f"/v1/feed?after={BIGINT_MAX}")
    assert int_param(request, "after", default=0, minimum=0, maximum=BIGINT_MAX) == BIGINT_MAX
    beyond = make_mocked_request("GET", f"/v1/feed?after={BIGINT_MAX + 1}")
    with pytest.raises(BadRequest, match="after must be an integer"):
        int_param(beyond, "after", default=0, minimum=0, maximum=BIGINT_MAX)
