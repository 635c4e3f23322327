"""The audit log inside the hub: publishing signed tree heads, serving proofs, taking witnesses'
cosignatures; its cleanup context and app key."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import structlog
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.audit.heads import HeadInvalid, TreeHead, b64, sign_head, unb64, verify_cosignature
from hub.audit.merkle import ProofError
from hub.clock import Clock, clock_of
from hub.domain.witnessing import may_witness
from hub.problems import BadRequest, Conflict, Forbidden, InvalidRecord, NotFound, Unauthorized
from hub.store.audit import AuditStore, MissingNodes, StoredCosignature, StoredHead
from hub.store.participants import Participant, ParticipantStore
from hub.store.resources import POOL
from hub.supervisor import SUPERVISOR
from hub.trust.resources import HUB_SIGNER, PARTICIPANTS
from hub.trust.signer import HubSigner

log = structlog.get_logger("hub.audit")

# A new head is signed at least this often while events flow (and on demand once the latest
# head is this old), so a witness or client never waits long to see an event covered.
HEAD_INTERVAL_S = 2.0
_ON_DEMAND_MIN_S = 1.0
# A witness dates its cosignature by its own clock as it signs; a time further than this from the
# hub's clock, either way, is refused. As wide as the window of a request signature's `created`
# (hub.crypto.httpsig.MAX_SKEW_S): a witness whose clock a request signature tolerates may cosign.
COSIGNED_AT_WINDOW_S = 300


def head_json(head: StoredHead, cosignatures: list[StoredCosignature]) -> dict[str, Any]:
    return {
        "tree_size": head.tree_size,
        "timestamp": head.timestamp_ms,
        "root_hash": b64(head.root_hash),
        "signature": head.signature,
        "cosignatures": [
            {
                "witness": c.witness,
                "kid": c.kid,
                "cosigned_at": c.cosigned_at,
                "signature": b64(c.signature),
            }
            for c in cosignatures
        ],
    }


class AuditLog:
    """The log's use cases: heads, proofs and cosignatures over the AuditStore."""

    def __init__(
        self,
        store: AuditStore,
        signer: HubSigner,
        participants: ParticipantStore,
        *,
        clock: Clock,
    ) -> None:
        self.store = store
        self._signer = signer
        self._participants = participants
        self._clock = clock
        self._last_on_demand = -_ON_DEMAND_MIN_S

    async def publish(self) -> StoredHead:
        """Sign a head for the tree as it is now, unless the latest head already covers it."""
        size = await self.store.tree_size()
        latest = await self.store.latest_head()
        if latest is not None and latest.tree_size >= size:
            return latest
        root = await self.store.root(size)
        now_ms = int(self._clock().timestamp() * 1000)
        if latest is not None:
            # Heads of a larger tree never carry an earlier time, whatever the clocks do.
            now_ms = max(now_ms, latest.timestamp_ms)
        key = self._signer.active()
        head = TreeHead(size, now_ms, root)
        stored = await self.store.add_head(
            StoredHead(size, now_ms, root, sign_head(head, key.private_key, key.kid))
        )
        log.info("tree_head_published", tree_size=stored.tree_size)
        return stored

    async def current(self) -> dict[str, Any]:
        """The latest head with its cosignatures. On demand a fresh head is signed when the
        tree has grown, at most once a second per process: a crowd of readers signs no more
        heads than the publisher does."""
        latest = await self.store.latest_head()
        now = time.monotonic()
        if latest is None or now - self._last_on_demand >= _ON_DEMAND_MIN_S:
            self._last_on_demand = now
            latest = await self.publish()
        return head_json(latest, await self.store.cosignatures(latest.tree_size))

    async def _require_size(self, tree_size: int, name: str) -> None:
        size = await self.store.tree_size()
        if tree_size > size:
            raise NotFound(
                f"{name} {tree_size} is beyond the log, which has {size} leaves",
                parameter=name,
                current_tree_size=size,
            )

    async def inclusion(self, position: int, tree_size: int | None) -> dict[str, Any]:
        if tree_size is None:
            head = await self.store.latest_head()
            tree_size = head.tree_size if head else 0
        if position > tree_size:
            raise BadRequest(
                f"position {position} is not in a tree of {tree_size} leaves; ask for a tree_size"
                " of at least the position",
                parameter="tree_size",
            )
        await self._require_size(tree_size, "tree_size")
        try:
            leaf, path = await self.store.inclusion_path(position - 1, tree_size)
        except (MissingNodes, ProofError) as err:
            raise NotFound(f"no inclusion proof for position {position}: {err}") from err
        return {
            "position": position,
            "leaf_index": position - 1,
            "tree_size": tree_size,
            "leaf_hash": b64(leaf),
            "inclusion_path": [b64(h) for h in path],
        }

    async def consistency(self, first: int, second: int) -> dict[str, Any]:
        if first > second:
            raise BadRequest("first must not exceed second", parameter="first")
        await self._require_size(second, "second")
        try:
            path = await self.store.consistency_path(first, second)
        except (MissingNodes, ProofError) as err:
            raise NotFound(f"no consistency proof from {first} to {second}: {err}") from err
        return {
            "tree_size_1": first,
            "tree_size_2": second,
            "consistency_path": [b64(h) for h in path],
        }

    def _check_cosigned_at(self, cosigned_at: int) -> None:
        """A cosignature's time is the witness's statement of when it checked the head: one far
        from now, either way, cannot be that."""
        now_s = int(self._clock().timestamp())
        if abs(cosigned_at - now_s) > COSIGNED_AT_WINDOW_S:
            raise InvalidRecord(
                f"cosigned_at {cosigned_at} is more than {COSIGNED_AT_WINDOW_S} s from the hub's"
                f" clock ({now_s}): date a cosignature when it is signed",
                pointer="/cosigned_at",
                rule="cosigned-at-window",
            )

    async def cosign(
        self, witness: Participant, kid: str, document: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Keep a witness's cosignature of a head the hub signed."""
        if not may_witness(witness.role, witness.regions):
            raise Forbidden(
                "not-a-witness",
                "only the court, a consumers association or a provincial bureau cosigns tree heads",
            )
        try:
            head = TreeHead.from_json(document)
            cosigned_at = document.get("cosigned_at")
            if not isinstance(cosigned_at, int) or isinstance(cosigned_at, bool):
                raise HeadInvalid("cosigned_at must be an integer (seconds since the epoch)")
            signature = unb64(document.get("signature"), "signature")
        except HeadInvalid as err:
            raise InvalidRecord(str(err)) from err
        self._check_cosigned_at(cosigned_at)
        stored = await self.store.head(head.tree_size)
        if stored is None:
            raise NotFound(f"the hub signed no tree head of size {head.tree_size}")
        if (stored.timestamp_ms, stored.root_hash) != (head.timestamp, head.root_hash):
            raise Conflict(
                f"the hub's head of size {head.tree_size} has another timestamp or root_hash"
            )
        found = await self._participants.key_with_owner(kid)
        if found is None:  # removed since the request was verified with it
            raise Unauthorized("unknown-key", f"no key {kid!r} is registered at this hub")
        try:
            verify_cosignature(
                head,
                cosigned_at,
                signature,
                Ed25519PublicKey.from_public_bytes(found.key.public_key),
            )
        except HeadInvalid as err:
            raise InvalidRecord(str(err)) from err
        cosignature = StoredCosignature(
            head.tree_size, witness.participant_id, kid, cosigned_at, signature
        )
        created = await self.store.add_cosignature(cosignature)
        log.info("tree_head_cosigned", tree_size=head.tree_size, witness=witness.participant_id)
        return {
            "tree_size": head.tree_size,
            "witness": witness.participant_id,
            "kid": kid,
            "cosigned_at": cosigned_at,
            "created": created,
        }


AUDIT_LOG: web.AppKey[AuditLog] = web.AppKey("audit_log", AuditLog)


async def audit_ctx(app: web.Application) -> AsyncIterator[None]:
    audit_log = AuditLog(
        AuditStore(app[POOL]), app[HUB_SIGNER], app[PARTICIPANTS], clock=clock_of(app)
    )
    app[AUDIT_LOG] = audit_log
    async with app[SUPERVISOR].repeating("audit-tree-head", HEAD_INTERVAL_S, audit_log.publish):
        yield
