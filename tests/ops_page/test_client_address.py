"""The client address a login is counted against: X-Forwarded-For is believed only from a trusted
proxy, and then only up to the right-most address that is not itself a trusted proxy."""

from __future__ import annotations

import pytest

from hub.ops.page.auth import client_address
from hub.settings import Settings, SettingsError

TRUSTED = Settings.from_environ(
    {"COMPLAINT_HUB_TRUSTED_PROXIES": "127.0.0.1, 10.20.0.0/16, fd00::/8"}
).trusted_proxies


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("192.0.2.7", [], "192.0.2.7"),  # no proxy
        ("192.0.2.7", ["203.0.113.5"], "192.0.2.7"),  # an untrusted peer's header is ignored
        ("127.0.0.1", [], "127.0.0.1"),  # a trusted peer that forwarded nothing
        ("127.0.0.1", ["203.0.113.5"], "203.0.113.5"),
        ("127.0.0.1", ["198.51.100.1, 203.0.113.5"], "203.0.113.5"),  # the left is the client's
        ("127.0.0.1", ["198.51.100.1", "203.0.113.5"], "203.0.113.5"),  # two header lines
        ("127.0.0.1", ["198.51.100.1, 203.0.113.5, 10.20.3.4"], "203.0.113.5"),  # two proxies
        ("127.0.0.1", ["10.20.0.9, 10.20.3.4"], "10.20.0.9"),  # every hop a proxy: the first
        ("127.0.0.1", [" 203.0.113.5 "], "203.0.113.5"),
        ("127.0.0.1", ["2001:db8::1"], "2001:db8::1"),
        ("127.0.0.1", ["2001:DB8:0::1"], "2001:db8::1"),  # one spelling per address
        ("::ffff:127.0.0.1", ["203.0.113.5"], "203.0.113.5"),  # IPv4 on an IPv6 socket
        ("fd00::5", ["203.0.113.5"], "203.0.113.5"),
        ("127.0.0.1", ["not-an-address"], "127.0.0.1"),  # garbage: the hop that passed it
        ("127.0.0.1", ["203.0.113.5, garbage, 10.20.3.4"], "10.20.3.4"),
        ("127.0.0.1", [""], "127.0.0.1"),
        (None, ["203.0.113.5"], "unknown"),  # not over IP at all
    ],
)
def test_client_address(peer: str | None, forwarded: list[str], expected: str) -> None:
    assert client_address(peer, forwarded, TRUSTED) == expected


def test_without_trusted_proxies_every_header_is_ignored() -> None:
    assert client_address("127.0.0.1", ["203.0.113.5"], ()) == "127.0.0.1"
    assert Settings().trusted_proxies == ()


@pytest.mark.parametrize("text", ["10.0.0.0/33", "10.0.0.1/8", "proxy.internal", "10.0.0.1,,x"])
def test_trusted_proxies_setting_refuses_what_is_not_an_address_or_network(text: str) -> None:
    with pytest.raises(SettingsError, match="COMPLAINT_HUB_TRUSTED_PROXIES"):
        Settings.from_environ({"COMPLAINT_HUB_TRUSTED_PROXIES": text})


@pytest.mark.parametrize(
    ("variable", "text"),
    [
        ("OPS_LOGIN_FREE_FAILURES", "0"),
        ("OPS_LOGIN_NAME_FREE_FAILURES", "-1"),
        ("OPS_LOGIN_BACKOFF_S", "0"),
        ("OPS_LOGIN_BACKOFF_MAX_S", "nan"),
        ("OPS_LOGIN_FORGET_S", "0"),
    ],
)
def test_login_backoff_settings_refuse_nonsense(variable: str, text: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_environ({"COMPLAINT_HUB_" + variable: text})
