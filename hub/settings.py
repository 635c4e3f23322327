"""Settings: one frozen dataclass read from COMPLAINT_HUB_* variables, validated once.

No other module reads the environment. A bad value stops start-up with one line naming the
variable and the value.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

PREFIX = "COMPLAINT_HUB_"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and the value."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be zero or a positive integer")
    return value


def _retention_years(text: str) -> int:
    # E-Commerce Law art. 31: transaction records are kept for at least three years.
    value = int(text)
    if not 3 <= value <= 30:
        raise ValueError("must be a whole number of years, 3..30")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("must be a positive number")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError("must be a port number 0..65535")
    return value


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _pending_cases(text: str) -> str:
    if text not in ("by_received", "by_step"):
        raise ValueError("expected by_received or by_step")
    return text


def _rate_limits(text: str) -> tuple[tuple[str, float, int], ...]:
    """`role=rate/burst,...`: requests per second refilled, and the bucket's size, per role."""
    limits: list[tuple[str, float, int]] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        role, equals, value = part.partition("=")
        rate, slash, burst = value.partition("/")
        if not equals or not slash or not role.strip():
            raise ValueError(f"{part!r} is not role=rate/burst")
        limits.append((role.strip(), _positive_float(rate), _positive_int(burst)))
    return tuple(limits)


def _networks(text: str) -> tuple[IPNetwork, ...]:
    """Addresses and CIDR networks, comma-separated: `10.0.0.7, 10.20.0.0/16, fd00::/8`. A
    network with host bits set (`10.0.0.1/8`) is refused: it is more likely a typo than meant."""
    networks = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            networks.append(ipaddress.ip_network(part))
        except ValueError as err:
            raise ValueError(f"{part!r} is not an IP address or network: {err}") from None
    return tuple(networks)


def _log_format(text: str) -> str:
    if text not in ("json", "console"):
        raise ValueError("must be json or console")
    return text


def _log_level(text: str) -> str:
    upper = text.upper()
    if upper not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError("must be debug, info, warning or error")
    return upper


def _event_loop(text: str) -> str:
    if text not in ("uvloop", "asyncio"):
        raise ValueError("expected uvloop or asyncio")
    return text


def _database_url(text: str) -> str | None:
    if not text:
        return None
    if urlsplit(text).scheme not in ("postgres", "postgresql"):
        raise ValueError("must be a postgresql:// URL")
    return text


def _public_urls(text: str) -> tuple[str, ...]:
    urls = tuple(part.strip().rstrip("/") for part in text.split(",") if part.strip())
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http(s) URL")
    return urls


def _path(text: str) -> Path:
    return Path(text).expanduser()


def _optional_path(text: str) -> Path | None:
    return Path(text).expanduser() if text else None


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the hub is configured with. Defaults suit development on one machine."""

    database_url: str | None = None  # absent: an embedded PostgreSQL under data_dir
    # a streaming replica for feeds, complaint lists and statistics; absent: they read the primary
    read_database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("var")
    log_format: str = "json"
    log_level: str = "INFO"
    max_body_bytes: int = 1024 * 1024
    pool_size: int = 10
    public_urls: tuple[str, ...] = ()
    hub_key_file: Path | None = None
    master_key_file: Path | None = None
    webhook_allow_private: bool = False
    group_commit_max_items: int = 500
    group_commit_wait_ms: int = 2
    shutdown_timeout_s: int = 30
    sweep_interval_s: int = 60  # how often each hub looks for missed deadlines
    sse_heartbeat_s: float = 15.0  # a comment on an idle SSE stream keeps proxies from closing it
    sse_write_timeout_s: float = 5.0  # a write that cannot drain in this time drops the client
    sse_buffer_bytes: int = 1024 * 1024  # bytes queued for one SSE client before it is dropped
    sse_max_streams_per_participant: int = 16  # open SSE streams and long-polls per participant
    body_read_timeout_s: float = 30.0  # a request body not received in this time is refused, 408
    # open client connections of all the workers of one port; beyond, the oldest connection that
    # has sent no complete request makes room, else the new one gets 503 (hub/http/admission.py)
    max_connections: int = 1000
    max_connections_per_address: int = 512  # open connections from one client address
    header_timeout_s: float = 10.0  # a new connection's request line and headers, or it closes
    keepalive_timeout_s: float = 75.0  # an idle keep-alive connection (proxies keep 60-75 s)
    # Requests per second and burst per role, at the edge after authentication (429 beyond);
    # generous, so only a runaway client meets them. Roles not named use the "default" entry.
    rate_limits: tuple[tuple[str, float, int], ...] = (
        ("default", 200.0, 2000),
        ("platform", 1000.0, 10000),
        ("bureau", 1000.0, 10000),
    )
    # which rules a complaint pending when Order 121 came in follows (docs/bureau-clocks.md)
    pending_cases: str = "by_received"
    # statistics: cells holding fewer records than this are suppressed (docs in README)
    stats_suppression_threshold: int = 5
    # participant ids of village stations (they file through a bureau), counted as their channel
    stats_village_stations: tuple[str, ...] = ()
    # the /reports page is served only with this token (query `token` or a Bearer header)
    reports_token: str | None = None
    # /ops: an operator session ends after this long unused; rejects are kept this many days;
    # each process reports its tasks this often; X-Forwarded-Proto is believed only when set.
    ops_session_idle_s: int = 8 * 3600
    ops_reject_retention_days: int = 7
    ops_heartbeat_s: float = 10.0
    ops_trust_forwarded_proto: bool = False
    # /ops login: failed attempts per client address and operator name, and per name from every
    # address, free before the next must wait; the first wait, doubled by each further failure
    # up to the cap; a count with no failure for ops_login_forget_s is forgotten.
    ops_login_free_failures: int = 3
    ops_login_name_free_failures: int = 10
    ops_login_backoff_s: float = 2.0
    ops_login_backoff_max_s: float = 900.0
    ops_login_forget_s: int = 3600
    # proxies whose X-Forwarded-For names the client (addresses or networks); none by default
    trusted_proxies: tuple[IPNetwork, ...] = ()
    # Benchmarks only, never production: the slower reference paths (bench/push.py's baseline)
    baseline_mode: bool = False
    # /metrics is served only to a Bearer of this token; without it, there is no /metrics
    metrics_token: str | None = None
    # personal parts are erased this many years after the complaint last changed (docs/retention.md)
    retention_years: int = 3
    # the event loop of `serve`: uvloop (libuv) when installed, else asyncio's own
    event_loop: str = "uvloop"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        values: dict[str, Any] = {}
        for suffix, (field_name, cast) in _VARIABLES.items():
            variable = PREFIX + suffix
            raw = environ.get(variable)
            if raw is None:
                continue
            try:
                values[field_name] = cast(raw)
            except ValueError as err:
                raise SettingsError(f"{variable}={raw!r}: {err}") from None
        return cls(**values)

    @property
    def embedded(self) -> bool:
        return self.database_url is None


# Variable suffix -> (field, how to read it). PUBLIC_URL may list several URLs, comma-separated.
_VARIABLES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "DATABASE_URL": ("database_url", _database_url),
    "READ_DATABASE_URL": ("read_database_url", _database_url),
    "HOST": ("host", str),
    "PORT": ("port", _port),
    "DATA_DIR": ("data_dir", _path),
    "LOG_FORMAT": ("log_format", _log_format),
    "LOG_LEVEL": ("log_level", _log_level),
    "MAX_BODY_BYTES": ("max_body_bytes", _positive_int),
    "POOL_SIZE": ("pool_size", _positive_int),
    "PUBLIC_URL": ("public_urls", _public_urls),
    "HUB_KEY_FILE": ("hub_key_file", _optional_path),
    "MASTER_KEY_FILE": ("master_key_file", _optional_path),
    "WEBHOOK_ALLOW_PRIVATE": ("webhook_allow_private", _bool),
    "GROUP_COMMIT_MAX_ITEMS": ("group_commit_max_items", _positive_int),
    "GROUP_COMMIT_WAIT_MS": ("group_commit_wait_ms", _non_negative_int),
    "SHUTDOWN_TIMEOUT_S": ("shutdown_timeout_s", _positive_int),
    "SWEEP_INTERVAL_S": ("sweep_interval_s", _positive_int),
    "SSE_HEARTBEAT_S": ("sse_heartbeat_s", _positive_float),
    "SSE_WRITE_TIMEOUT_S": ("sse_write_timeout_s", _positive_float),
    "SSE_BUFFER_BYTES": ("sse_buffer_bytes", _positive_int),
    "SSE_MAX_STREAMS_PER_PARTICIPANT": ("sse_max_streams_per_participant", _positive_int),
    "BODY_READ_TIMEOUT_S": ("body_read_timeout_s", _positive_float),
    "MAX_CONNECTIONS": ("max_connections", _positive_int),
    "MAX_CONNECTIONS_PER_ADDRESS": ("max_connections_per_address", _positive_int),
    "HEADER_TIMEOUT_S": ("header_timeout_s", _positive_float),
    "KEEPALIVE_TIMEOUT_S": ("keepalive_timeout_s", _positive_float),
    "RATE_LIMITS": ("rate_limits", _rate_limits),
    "PENDING_CASES": ("pending_cases", _pending_cases),
    "STATS_SUPPRESSION_THRESHOLD": ("stats_suppression_threshold", _positive_int),
    "STATS_VILLAGE_STATIONS": (
        "stats_village_stations",
        lambda text: tuple(p.strip() for p in text.split(",") if p.strip()),
    ),
    "REPORTS_TOKEN": ("reports_token", lambda text: text or None),
    "OPS_SESSION_IDLE_S": ("ops_session_idle_s", _positive_int),
    "OPS_REJECT_RETENTION_DAYS": ("ops_reject_retention_days", _positive_int),
    "OPS_HEARTBEAT_S": ("ops_heartbeat_s", _positive_float),
    "OPS_TRUST_FORWARDED_PROTO": ("ops_trust_forwarded_proto", _bool),
    "OPS_LOGIN_FREE_FAILURES": ("ops_login_free_failures", _positive_int),
    "OPS_LOGIN_NAME_FREE_FAILURES": ("ops_login_name_free_failures", _positive_int),
    "OPS_LOGIN_BACKOFF_S": ("ops_login_backoff_s", _positive_float),
    "OPS_LOGIN_BACKOFF_MAX_S": ("ops_login_backoff_max_s", _positive_float),
    "OPS_LOGIN_FORGET_S": ("ops_login_forget_s", _positive_int),
    "TRUSTED_PROXIES": ("trusted_proxies", _networks),
    "BASELINE_MODE": ("baseline_mode", _bool),
    "METRICS_TOKEN": ("metrics_token", lambda text: text or None),
    "RETENTION_YEARS": ("retention_years", _retention_years),
    "EVENT_LOOP": ("event_loop", _event_loop),
}


def unknown_variables(
    environ: Mapping[str, str], read_elsewhere: Collection[str] = ()
) -> list[str]:
    """The COMPLAINT_HUB_* variables set that nothing reads, most often a typo, sorted.

    Derived from the table above, so a setting added there is known here at once;
    `read_elsewhere` names the suffixes another reader owns (the command line's own)."""
    known = set(_VARIABLES) | set(read_elsewhere)
    return sorted(
        name for name in environ if name.startswith(PREFIX) and name[len(PREFIX) :] not in known
    )


def closest_variable(name: str, read_elsewhere: Collection[str] = ()) -> str | None:
    """The known variable `name` was most likely meant to be, or None."""
    import difflib

    known = [PREFIX + suffix for suffix in (*_VARIABLES, *read_elsewhere)]
    matches = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
    return matches[0] if matches else None


SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
