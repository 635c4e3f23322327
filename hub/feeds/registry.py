"""The open feed streams of this process, by key id and by participant, so that revoking a key
or disabling a participant closes them at once."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import defaultdict
from collections.abc import Iterator

import structlog

from hub.problems import TooManyRequests

log = structlog.get_logger("hub.feeds.registry")

# Page reads all open streams may run at once. A head that moves wakes every stream, and each
# reads its page from the pool: unbounded, a few hundred streams would take every connection
# and every other request would queue behind them. Streams wait their turn here instead.
STREAM_READ_SLOTS = 2

KEY_REVOKED = "key-revoked"
PARTICIPANT_DISABLED = "participant-disabled"
SHUTDOWN = "shutdown"


@dataclasses.dataclass(eq=False)
class OpenStream:
    """One SSE stream or waiting long-poll; `closed` is set with the reason when it must end."""

    kid: str
    participant_id: str
    closed: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    reason: str | None = None

    def close(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        self.closed.set()


class StreamRegistry:
    def __init__(self, read_slots: int = STREAM_READ_SLOTS) -> None:
        self._by_kid: defaultdict[str, set[OpenStream]] = defaultdict(set)
        self._by_participant: defaultdict[str, set[OpenStream]] = defaultdict(set)
        self.opened_total = 0  # streams ever opened, for operators (and tests) to watch
        self.refused_total = 0  # streams refused by the per-participant cap
        self.read_slots = asyncio.Semaphore(read_slots)

    def open_for(self, participant_id: str) -> int:
        return len(self._by_participant.get(participant_id, ()))

    @contextlib.contextmanager
    def track(
        self, kid: str, participant_id: str, *, limit: int | None = None
    ) -> Iterator[OpenStream]:
        """Register a stream for its lifetime; beyond `limit` open ones for the participant,
        refuse it with 429: one participant's idle streams must not cost everyone else."""
        if limit is not None and self.open_for(participant_id) >= limit:
            self.refused_total += 1
            log.warning("feed_stream_refused_over_cap", participant=participant_id, limit=limit)
            refused = TooManyRequests(
                f"participant {participant_id} already holds {limit} open feed streams and "
                "long-polls here, the most allowed; close one first",
                limit=limit,
            )
            refused.headers["Retry-After"] = "5"
            raise refused
        stream = OpenStream(kid, participant_id)
        self._by_kid[kid].add(stream)
        self.opened_total += 1
        self._by_participant[participant_id].add(stream)
        try:
            yield stream
        finally:
            self._discard(self._by_kid, kid, stream)
            self._discard(self._by_participant, participant_id, stream)

    @staticmethod
    def _discard(index: defaultdict[str, set[OpenStream]], key: str, stream: OpenStream) -> None:
        streams = index.get(key)
        if streams is not None:
            streams.discard(stream)
            if not streams:
                del index[key]

    def open_kids(self) -> list[str]:
        return list(self._by_kid)

    def open_count(self) -> int:
        return sum(len(s) for s in self._by_kid.values())

    def close_kid(self, kid: str) -> int:
        return self._close(self._by_kid.get(kid, ()), KEY_REVOKED, kid=kid)

    def close_participant(self, participant_id: str) -> int:
        streams = self._by_participant.get(participant_id, ())
        return self._close(streams, PARTICIPANT_DISABLED, participant=participant_id)

    def close_all(self, reason: str = SHUTDOWN) -> int:
        return self._close([s for group in self._by_kid.values() for s in group], reason)

    def _close(self, streams: object, reason: str, **fields: str) -> int:
        victims = list(streams)  # type: ignore[call-overload]
        for stream in victims:
            stream.close(reason)
        if victims:
            log.info("feed_streams_closed", reason=reason, streams=len(victims), **fields)
        return len(victims)

    def on_trust_notice(self, payload: str) -> None:
        """`kid:<kid>` or `participant:<id>`, as hub/store/participants.py announces them."""
        kind, _, value = payload.partition(":")
        if kind == "kid":
            self.close_kid(value)
        elif kind == "participant":
            self.close_participant(value)
        else:
            log.warning("trust_notice_unknown", kind=kind)
