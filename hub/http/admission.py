"""Which connections the listener takes, and for how long a connection may say nothing.

aiohttp accepts every connection the kernel hands it and keeps each until its client lets go or
its keep-alive timeout ends, so a few thousand connections that never send a request would hold
every slot. Here, before any byte of a connection is read:

- the open connections of every worker of one port are counted together (a slot per worker in a
  shared file, `OpenConnections`); beyond `max_connections`, the connection of this worker that
  has waited longest without completing a request is closed to make room (as nginx reuses idle
  connections when it runs out), and only when every one of them is busy with a request is the
  new one told 503 with `Retry-After`. A worker always has room for its share of the cap
  (`max_connections` / workers), so the total can pass the cap by less than that much while
  another worker's silent connections wait for their timeout;
- one client address holds at most `max_connections_per_address` of them (each of N workers
  holding up to 1.25/N of it, as the kernel's spread is even only on the whole); beyond, that
  address's own oldest silent connection makes room, else the new one is told 503: a flood from
  one address hurts only itself;
- a connection that has not completed its request line and headers within `header_timeout_s` of
  connecting is closed (slowloris); between requests aiohttp's keep-alive timeout applies.

A refusal is written before the request is read, then the connection is half-closed and drained
briefly, so the client reads the 503 rather than a reset.
"""

from __future__ import annotations

import asyncio
import math
import mmap
import os
import struct
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import cast

import structlog
from aiohttp.web_protocol import RequestHandler

log = structlog.get_logger("hub.http.admission")

# The variable naming this worker's slot among the workers of one port, "number/count" (set by
# hub/http/workers.py; a process serving alone has none). Not a setting: operators never set it.
SLOT_VARIABLE = "HUB_WORKER_SLOT"
SLOTS_FILE = "open-connections"
_SLOT = struct.Struct("<q")
# A silent connection is closed to make room only once it has been silent this long.
EVICTABLE_AFTER_S = 0.25
# A refused client has this long to take its 503 before the connection is closed outright.
_REFUSAL_DRAIN_S = 1.0
_HEADERS_END = b"\r\n\r\n"

_BUSY_BODY = (
    b'{"type":"https://complaint-hub.org/problems/service-unavailable",'
    b'"title":"Service unavailable","status":503,'
    b'"detail":"the hub holds its maximum of open connections; retry shortly"}'
)
_ADDRESS_BODY = (
    b'{"type":"https://complaint-hub.org/problems/service-unavailable",'
    b'"title":"Service unavailable","status":503,'
    b'"detail":"this address holds its maximum of open connections to the hub;'
    b' reuse one or retry shortly"}'
)


def _refusal(body: bytes) -> bytes:
    return (
        b"HTTP/1.1 503 Service Unavailable\r\n"
        b"Content-Type: application/problem+json\r\n"
        b"Retry-After: 1\r\n"
        b"Connection: close\r\n"
        b"Content-Length: %d\r\n"
        b"\r\n%s" % (len(body), body)
    )


OVER_CAPACITY = _refusal(_BUSY_BODY)
OVER_ADDRESS_LIMIT = _refusal(_ADDRESS_BODY)


class OpenConnections:
    """The open connections of every worker serving one port: each worker writes its own 8-byte
    slot of a shared file and reads them all (aligned 8-byte stores and loads are whole on every
    platform we run on, so no lock is needed; a total read mid-change is off by one at most)."""

    def __init__(self, path: Path | None = None, slot: int = 0, slots: int = 1) -> None:
        self.workers = slots
        self._slot = slot * _SLOT.size
        self._local = 0
        self._map: mmap.mmap | None = None
        if path is not None:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < slots * _SLOT.size:
                    os.ftruncate(fd, slots * _SLOT.size)
                self._map = mmap.mmap(fd, slots * _SLOT.size)
            finally:
                os.close(fd)
            _SLOT.pack_into(self._map, self._slot, 0)  # a restarted worker starts from nothing

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str], directory: Path | None
    ) -> OpenConnections:
        """This worker's slot when it is one of several on a port, else a count of its own."""
        slot = environ.get(SLOT_VARIABLE)
        if not slot or directory is None:
            return cls()
        number, _, count = slot.partition("/")
        return cls(directory / SLOTS_FILE, int(number), int(count))

    def add(self, delta: int) -> None:
        self._local += delta
        if self._map is not None:
            _SLOT.pack_into(self._map, self._slot, self._local)

    @property
    def local(self) -> int:
        return self._local

    def total(self) -> int:
        if self._map is None:
            return self._local
        return sum(value for (value,) in _SLOT.iter_unpack(self._map))


class _Refused(asyncio.Protocol):
    """A connection told 503 before its request is read: half-closed, drained a moment, closed."""

    def __init__(self, answer: bytes) -> None:
        self._answer = answer
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's are not its subclasses
        self._transport = transport
        transport.write(self._answer)
        # Closing with the client's request unread would send a reset, which the client may
        # read before the answer: end our side and let it finish sending first.
        if transport.can_write_eof():
            transport.write_eof()
        self._timer = asyncio.get_running_loop().call_later(_REFUSAL_DRAIN_S, transport.close)

    def data_received(self, data: bytes) -> None:
        pass  # the request is never read

    def eof_received(self) -> bool:
        if self._transport is not None:
            self._transport.close()
        return False

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._timer is not None:
            self._timer.cancel()


class Gate(asyncio.Protocol):
    """One admitted connection, in front of aiohttp's handler: it watches for the end of the
    first request's headers and closes the connection if they do not come in time."""

    __slots__ = (
        "_admission",
        "_handler",
        "_tail",
        "_timer",
        "_transport",
        "address",
        "counted",
        "opened_at",
        "silent",
    )

    def __init__(self, admission: Admission, handler: RequestHandler, address: str) -> None:
        self._admission = admission
        self._handler = handler
        self._transport: asyncio.Transport | None = None
        self.address = address
        self._tail = b""
        self._timer: asyncio.TimerHandle | None = None
        self.silent = True  # no complete request line and headers yet
        self.counted = True  # among the open connections; False once closed or evicted
        self.opened_at = asyncio.get_running_loop().time()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's are not its subclasses
        self._transport = transport
        self._timer = asyncio.get_running_loop().call_later(
            self._admission.header_timeout_s, self._header_timeout
        )
        self._handler.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.silent:
            seen = self._tail + data
            if _HEADERS_END in seen:
                self._spoke()
            else:
                self._tail = seen[-3:]
        self._handler.data_received(data)

    def _spoke(self) -> None:
        self.silent = False
        self._tail = b""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._admission.spoke(self)

    def _header_timeout(self) -> None:
        self._timer = None  # cancelled once the headers came: still silent, then
        self.close()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def eof_received(self) -> None:
        self._handler.eof_received()

    def pause_writing(self) -> None:
        self._handler.pause_writing()

    def resume_writing(self) -> None:
        self._handler.resume_writing()

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._admission.forget(self)
        self._handler.connection_lost(exc)


class Admission:
    """The protocol factory of the listening socket: a `Gate` in front of aiohttp's handler for
    each connection it admits, a refusal for the others."""

    def __init__(
        self,
        new_handler: Callable[[], RequestHandler],
        counts: OpenConnections,
        *,
        limit: int,
        per_address: int,
        header_timeout_s: float,
    ) -> None:
        self._new_handler = new_handler
        self._counts = counts
        self._limit = limit
        # A worker always has room for its share of the cap, whatever the others hold: it cannot
        # close their silent connections, and one that started late would otherwise find the
        # cap filled by another and refuse everyone (until those time out).
        self._share = max(1, math.ceil(limit / counts.workers))
        # The kernel spreads one address's connections over the workers of a port by a hash of
        # each connection's ports: evenly on the whole, not exactly. Each worker takes a quarter
        # more than its even share, so a client within the limit is never refused by the spread.
        share = per_address / counts.workers
        self._per_address = max(1, math.ceil(share * (1.25 if counts.workers > 1 else 1)))
        self.header_timeout_s = header_timeout_s
        # Silent connections, oldest first: the first to go when room is needed.
        self._silent: OrderedDict[Gate, None] = OrderedDict()
        self._by_address: dict[str, int] = {}
        self.refused_total = 0
        self.evicted_total = 0

    def __call__(self) -> asyncio.Protocol:
        return _Admitting(self)

    def admit(self, address: str) -> asyncio.Protocol:
        """The protocol for a new connection from `address`, decided before it is read."""
        if self._by_address.get(address, 0) >= self._per_address and not self._evict(address):
            return self._refuse(OVER_ADDRESS_LIMIT, "connections_refused_over_address_limit")
        if (
            self._counts.local >= self._share
            and self._counts.total() >= self._limit
            and not self._evict(None)
        ):
            return self._refuse(OVER_CAPACITY, "connections_refused_over_cap")
        gate = Gate(self, self._new_handler(), address)
        self._silent[gate] = None
        self._by_address[address] = self._by_address.get(address, 0) + 1
        self._counts.add(1)
        return gate

    def _evict(self, address: str | None) -> bool:
        """Close the oldest silent connection (of `address`, when given) to make room, if it has
        been silent for at least EVICTABLE_AFTER_S: a client's request reaches us a moment
        after its connection, and one that just connected is not silent yet but on its way."""
        old_enough = asyncio.get_running_loop().time() - EVICTABLE_AFTER_S
        for gate in self._silent:
            if gate.opened_at > old_enough:
                return False  # oldest first: every one after it is younger still
            if address is None or gate.address == address:
                self.forget(gate)
                gate.close()
                self.evicted_total += 1
                return True
        return False

    def _refuse(self, answer: bytes, event: str) -> asyncio.Protocol:
        self.refused_total += 1
        # Counted, and logged once per power of two: a flood must not become a log flood.
        if self.refused_total & (self.refused_total - 1) == 0:
            log.warning(event, limit=self._limit, refused_total=self.refused_total)
        return _Refused(answer)

    def spoke(self, gate: Gate) -> None:
        self._silent.pop(gate, None)

    def forget(self, gate: Gate) -> None:
        """`gate` no longer counts: closed, or about to be."""
        if not gate.counted:
            return
        gate.counted = False
        self._silent.pop(gate, None)
        left = self._by_address[gate.address] - 1
        if left:
            self._by_address[gate.address] = left
        else:
            del self._by_address[gate.address]
        self._counts.add(-1)

    @property
    def open_here(self) -> int:
        return self._counts.local


class _Admitting(asyncio.Protocol):
    """The first moment of a connection: its peer is known only once it is made."""

    def __init__(self, admission: Admission) -> None:
        self._admission = admission

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's are not its subclasses
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else ""
        protocol = self._admission.admit(address)
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
