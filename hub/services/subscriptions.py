"""Creating a webhook subscription: the target checked, the secret made and kept only sealed."""

from __future__ import annotations

import dataclasses
import uuid

from hub.crypto.webhook_signing import new_secret
from hub.feeds.webhooks.delivery import Guard
from hub.feeds.webhooks.guard import TargetRefused
from hub.feeds.webhooks.sealing import seal_secret
from hub.privacy.keyfile import MasterKeys
from hub.problems import WebhookTargetRefused
from hub.store.subscriptions import NewSubscription, Subscription, SubscriptionStore


@dataclasses.dataclass(frozen=True)
class SubscriptionRequest:
    url: str
    event_types: tuple[str, ...] | None  # None: every type
    format: str
    after: int | None  # start after this feed position; None: after the current head


async def create_subscription(
    store: SubscriptionStore,
    guard: Guard,
    keys: MasterKeys,
    owner: str,
    wanted: SubscriptionRequest,
) -> tuple[Subscription, str]:
    """The subscription and its secret, which the owner is shown this once."""
    try:
        await guard.check(wanted.url)
    except TargetRefused as err:
        raise WebhookTargetRefused(str(err), url=wanted.url) from err
    subscription_id = "sub_" + uuid.uuid4().hex
    secret = new_secret()
    version, sealed = seal_secret(keys, subscription_id, secret)
    subscription = await store.create(
        NewSubscription(
            subscription_id,
            owner,
            wanted.url,
            wanted.event_types,
            wanted.format,
            version,
            sealed,
            wanted.after,
        )
    )
    return subscription, secret
