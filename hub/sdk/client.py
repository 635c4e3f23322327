"""The client SDK: signs every request (RFC 9421, a fresh nonce each) and verifies receipts.

async with HubClient("https://hub.example", kid="jd-2026", private_key=key) as hub:
    accepted = await hub.post_event(event)      # receipt verified against the hub's JWKS

It also keeps the latest signed tree head of the hub's audit log it has seen, and on receipts and
feed reads checks that the log only grew (a consistency proof from that head to the new one):
a hub that rewrote history is caught by the first client that held an older head.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from yarl import URL

from hub.audit.batch_receipts import receipt_kid, verified_receipt_leaf
from hub.audit.heads import HeadInvalid, TreeHead, b64, cosign, signed_head_matches, unb64_hash
from hub.audit.merkle import ProofError, verify_consistency
from hub.crypto.httpsig import sign_request
from hub.crypto.jcs import canonical_json, sha256_hex
from hub.crypto.jws import decode_unverified_header
from hub.crypto.keys import load_public_key
from hub.sdk.cursor import CursorStore


class HubError(Exception):
    """The hub refused a request; `problem` is its RFC 9457 body."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('type', '')}: {problem.get('detail', '')}")
        self.status = status
        self.problem = dict(problem)

    @property
    def slug(self) -> str:
        return str(self.problem.get("type", "")).rsplit("/", 1)[-1]


class AuditLogInconsistent(Exception):
    """The hub's audit log is not an extension of a head seen before: history was rewritten."""


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class HubClient:
    def __init__(
        self,
        base_url: str,
        kid: str,
        private_key: Ed25519PrivateKey,
        *,
        session: aiohttp.ClientSession | None = None,
        signed_authority: str | None = None,
        check_log: bool = True,
        head_check_interval_s: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.kid = kid
        self._private_key = private_key
        self._session = session
        self._own_session = session is None
        # The origin to sign for when it differs from where requests go (a proxy in between).
        self._signed_origin = (signed_authority or self.base_url).rstrip("/")
        self._hub_keys: dict[str, Ed25519PublicKey] = {}
        # The latest tree head seen, and how often receipts and feed reads re-check it (heads
        # are signed every few seconds; asking more often than that learns nothing new).
        self.latest_head: TreeHead | None = None
        self._check_log = check_log
        self._head_check_interval_s = head_check_interval_s
        self._head_checked_at = float("-inf")

    async def __aenter__(self) -> HubClient:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    def signed_headers(
        self,
        method: str,
        path_and_query: str,
        body: bytes | None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        all_headers = dict(headers or {})
        if body:
            all_headers.setdefault("Content-Type", "application/json")
        all_headers.update(
            sign_request(
                method,
                self._signed_origin + path_and_query,
                all_headers,
                body,
                private_key=self._private_key,
                kid=self.kid,
            )
        )
        return all_headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        body: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send a signed request; returns the response whatever its status."""
        if json is not None:
            body = orjson.dumps(json)
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        path_and_query = path + (f"?{query}" if query else "")
        signed = self.signed_headers(method, path_and_query, body, headers)
        url = URL(self.base_url + path_and_query, encoded=True)
        async with self._http().request(method, url, data=body, headers=signed) as response:
            return Response(response.status, dict(response.headers), await response.read())

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Like `request`, but returns the JSON body and raises HubError on a problem."""
        response = await self.request(method, path, **kwargs)
        if response.status >= 400:
            try:
                problem = response.json()
            except orjson.JSONDecodeError:
                problem = {"detail": response.body.decode(errors="replace")}
            raise HubError(response.status, problem)
        return response.json() if response.body else None

    # the hub's voice ----------------------------------------------------------------------

    async def hub_keys(self, *, refresh: bool = False) -> dict[str, Ed25519PublicKey]:
        if refresh or not self._hub_keys:
            async with self._http().get(self.base_url + "/.well-known/jwks.json") as response:
                document = await response.json()
            self._hub_keys = {
                jwk["kid"]: load_public_key(orjson.dumps(jwk)) for jwk in document["keys"]
            }
        return self._hub_keys

    async def verify_receipt(self, token: str) -> dict[str, Any]:
        """The receipt's payload once it verifies (JWKS re-read for a new kid): a single
        receipt's signature, or for a batch item the batch JWS's signature and then the item's
        inclusion path to the root it signs."""
        keys = await self.hub_keys()
        if receipt_kid(token) not in keys:
            keys = await self.hub_keys(refresh=True)
        payload: dict[str, Any] = orjson.loads(verified_receipt_leaf(token, keys))
        return payload

    async def verify_event_receipt(self, event: Mapping[str, Any], token: str) -> dict[str, Any]:
        """The receipt's payload once it verifies and names exactly `event` as sent."""
        payload = await self.verify_receipt(token)
        expected = sha256_hex(canonical_json(dict(event)))
        if payload["event_sha256"] != expected or payload["event_id"] != event["event_id"]:
            raise HubError(0, {"detail": "the receipt does not match the event sent"})
        return payload

    # the audit log ------------------------------------------------------------------------

    async def _public_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET an unsigned public resource (hashes only); raises HubError on a problem."""
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        url = URL(self.base_url + path + (f"?{query}" if query else ""), encoded=True)
        async with self._http().get(url) as response:
            body = await response.read()
            if response.status >= 400:
                raise HubError(response.status, orjson.loads(body) if body else {})
            return orjson.loads(body)

    async def tree_head(self) -> tuple[TreeHead, dict[str, Any]]:
        """The hub's latest signed tree head, verified against its JWKS, and as served (with
        witnesses' cosignatures)."""
        document: dict[str, Any] = await self._public_json("/v1/audit/tree-head")
        keys = await self.hub_keys()
        if decode_unverified_header(str(document.get("signature", ""))).get("kid") not in keys:
            keys = await self.hub_keys(refresh=True)
        try:
            return signed_head_matches(document, keys), document
        except HeadInvalid as err:
            raise AuditLogInconsistent(f"the hub's tree head does not verify: {err}") from err

    async def inclusion_proof(self, position: int, tree_size: int | None = None) -> dict[str, Any]:
        result: dict[str, Any] = await self._public_json(
            "/v1/audit/inclusion", {"position": position, "tree_size": tree_size}
        )
        return result

    async def consistency_proof(self, first: int, second: int) -> list[bytes]:
        result = await self._public_json(
            "/v1/audit/consistency", {"first": first, "second": second}
        )
        return [unb64_hash(h, "consistency_path") for h in result["consistency_path"]]

    async def check_consistency(self, older: TreeHead, newer: TreeHead) -> None:
        """Raise AuditLogInconsistent unless `newer` extends `older`."""
        if newer.tree_size < older.tree_size:
            raise AuditLogInconsistent(
                f"the log shrank from {older.tree_size} to {newer.tree_size} leaves"
            )
        path = (
            await self.consistency_proof(older.tree_size, newer.tree_size)
            if newer.tree_size > older.tree_size
            else []
        )
        try:
            verify_consistency(
                older.tree_size, newer.tree_size, older.root_hash, newer.root_hash, path
            )
        except ProofError as err:
            raise AuditLogInconsistent(
                f"the head of {newer.tree_size} leaves does not extend the head of"
                f" {older.tree_size} leaves seen before: {err}"
            ) from err

    async def check_log(self, *, force: bool = False) -> TreeHead | None:
        """Fetch the latest head and check that it extends the latest one seen; keep it.

        Without `force`, at most once per `head_check_interval_s`."""
        now = time.monotonic()
        if not force and now - self._head_checked_at < self._head_check_interval_s:
            return self.latest_head
        self._head_checked_at = now
        head, _ = await self.tree_head()
        if self.latest_head is not None:
            await self.check_consistency(self.latest_head, head)
        if self.latest_head is None or head.tree_size >= self.latest_head.tree_size:
            self.latest_head = head
        return self.latest_head

    async def cosign_head(self, head: TreeHead, *, cosigned_at: int | None = None) -> Response:
        """As a witness: sign `head` with this client's key and post the cosignature."""
        cosigned_at = int(time.time()) if cosigned_at is None else cosigned_at
        signature = cosign(head, self._private_key, cosigned_at)
        body = {**head.to_json(), "cosigned_at": cosigned_at, "signature": b64(signature)}
        return await self.request("POST", "/v1/audit/cosignatures", json=body)

    # resources ----------------------------------------------------------------------------

    async def post_event(self, event: Mapping[str, Any], *, verify: bool = True) -> dict[str, Any]:
        """Send one event; returns the hub's answer with the receipt checked against the event."""
        accepted: dict[str, Any] = await self.call("POST", "/v1/events", json=dict(event))
        if verify:
            accepted["receipt_payload"] = await self.verify_event_receipt(
                event, accepted["receipt"]
            )
            if self._check_log:
                await self.check_log()
        return accepted

    async def send_batch(
        self, events: Sequence[Mapping[str, Any]], *, verify: bool = True
    ) -> list[dict[str, Any]]:
        """Send up to 1,000 events signed once; returns the hub's verdict per item, in order.

        Each item is `{index, outcome, status, ...}`: `accepted` (201) or `replayed` (200, the
        receipt of the first time) with `event_id`, `complaint_id`, `version`, `position`,
        `accepted_at` and `receipt`, or `refused` with its RFC 9457 `problem`. With `verify`,
        every receipt is checked (the hub's signature, the inclusion path of a batch item, and
        the event's digest) and its payload added as `receipt_payload`."""
        answer: dict[str, Any] = await self.call(
            "POST", "/v1/batches", json={"events": [dict(e) for e in events]}
        )
        items: list[dict[str, Any]] = answer["items"]
        if verify:
            for item in items:
                if item["outcome"] != "refused":
                    item["receipt_payload"] = await self.verify_event_receipt(
                        events[item["index"]], item["receipt"]
                    )
            if self._check_log and any(i["outcome"] == "accepted" for i in items):
                await self.check_log()
        return items

    async def get_complaint(self, complaint_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/v1/complaints/{complaint_id}")
        return result

    async def get_feed(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        wait: int | None = None,
        types: str | None = None,
        complaint: str | None = None,
    ) -> dict[str, Any]:
        params = {"after": after, "limit": limit, "wait": wait, "types": types}
        result: dict[str, Any] = await self.call(
            "GET", "/v1/feed", params={**params, "complaint": complaint}
        )
        return result

    async def follow_feed(
        self,
        after: int | None = None,
        *,
        types: Sequence[str] | None = None,
        wait: int = 30,
        limit: int = 100,
        cursor_store: CursorStore | None = None,
        verify: bool = True,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every feed item after `after` (or the stored cursor), long-polling for new ones.

        The cursor is saved once the consumer comes back for the next item, so an item is
        yielded again after a crash rather than lost (at least once). With `verify`, each
        item's receipt is checked against the hub's JWKS and against the event it came with.
        """
        cursor = after if after is not None else (cursor_store.load() if cursor_store else 0)
        joined = ",".join(types) if types else None
        while True:
            page = await self.get_feed(after=cursor, limit=limit, wait=wait, types=joined)
            if verify and self._check_log and page["items"]:
                await self.check_log()
            for item in page["items"]:
                if verify:
                    await self.verify_feed_item(item)
                yield item
                cursor = item["position"]
                if cursor_store is not None:
                    cursor_store.save(cursor)
            if page["next"] != cursor:  # filtered positions skipped: never scan them again
                cursor = page["next"]
                if cursor_store is not None:
                    cursor_store.save(cursor)

    async def verify_feed_item(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """The receipt's payload, once it verifies and names exactly this event at this place."""
        payload = await self.verify_receipt(item["receipt"])
        event = dict(item["event"])
        added = {name: event.pop(name) for name in ("actor", "position", "accepted_at")}
        expected = {
            "event_id": event["event_id"],
            "complaint_id": event["complaint_id"],
            "version": event["version"],
            "position": item["position"],
            "event_sha256": sha256_hex(canonical_json(event)),
            **added,
        }
        if any(payload.get(name) != value for name, value in expected.items()):
            detail = f"the receipt does not match feed item {item['position']}"
            raise HubError(0, {"detail": detail})
        return payload
