"""The rights filter for anything that hands feed items to a reader (pull, SSE, webhooks).

`visible_items(pool, actor, items)` keeps the items whose chain the actor may read, judged by
`hub.domain.visibility.may_read_chain` against the chain's *current* snapshot: a platform sees the
whole chain of a case once the case concerns it, as it does through GET /v1/complaints/{id}/events,
and never an event of a report (举报), which only the bureau that received it, enforcement staff
and operators read.
The snapshots of all complaints in `items` are loaded with one query; operators skip the query.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from hub.domain.case_state import chain_from_state
from hub.domain.roles import Actor, Role
from hub.domain.visibility import may_read_chain
from hub.store.feed import FeedItem, case_states
from hub.store.pool import Conn


async def visible_items(
    pool: asyncpg.Pool | Conn, actor: Actor, items: Sequence[FeedItem]
) -> list[FeedItem]:
    """The items of `items` the actor may read, in the order given.

    `pool` is anything asyncpg that can `fetch` (a pool, or a connection inside the caller's
    transaction). Items of a complaint without a snapshot are withheld.
    """
    if actor.role is Role.OPERATOR or not items:
        return list(items)
    states = await case_states(pool, sorted({item.complaint_id for item in items}))
    readable = {
        complaint_id
        for complaint_id, state in states.items()
        if may_read_chain(actor, chain_from_state(state))
    }
    return [item for item in items if item.complaint_id in readable]
