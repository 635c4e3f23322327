"""`complaint-hub audit ...`: re-check the whole log, prove one case, check a proof bundle.

complaint-hub audit verify                 every event, signature, receipt, leaf and head
complaint-hub audit prove ID --out FILE    the offline bundle of one case, for a court
complaint-hub audit check FILE             verify a bundle with no database
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.cli.output import fail, run_with_database
from hub.cli.progress import ProgressReporter
from hub.settings import Settings

if TYPE_CHECKING:
    import asyncpg
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from hub.audit.checks import Failure

# Events read per query while verifying: a bounded amount of memory for any size of log.
_BATCH = 5000

Progress = Callable[[int, int], None]


async def _hub_keys(pool: asyncpg.Pool) -> dict[str, Ed25519PublicKey]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from hub.store.hub_keys import HubKeyStore

    return {
        key.kid: Ed25519PublicKey.from_public_bytes(key.public_key)
        for key in await HubKeyStore(pool).all()
    }


async def verify_log(
    pool: asyncpg.Pool, progress: Progress | None = None, *, archived: bool = False
) -> dict[str, Any]:
    """Re-check every position, the tree against every signed head, and the consistency of
    every earlier head with the latest; returns a summary with the failures, first first.

    Events of months detached to the archive are re-checked with `archived`; otherwise their
    leaves, kept in the log, stand for them in the tree."""
    from hub.audit.checks import (
        Failure,
        TreeWalk,
        check_consistency,
        check_event,
        check_heads,
    )
    from hub.audit.heads import TreeHead, b64
    from hub.audit.merkle import leaf_hash
    from hub.store.audit import AuditStore, MissingNodes

    if progress is None:
        progress = ProgressReporter(sys.stderr, "verified positions")
    store = AuditStore(pool)
    hub_keys = await _hub_keys(pool)
    participant_keys = await store.participant_keys()
    heads = await store.heads()
    # As far as anything says the log went: events, leaves, or a head the hub signed.
    last = max(
        await store.last_position(),
        await store.tree_size(),
        heads[-1].tree_size if heads else 0,
    )
    head_sizes = sorted({h.tree_size for h in heads})
    failures: list[Failure] = []
    walk = TreeWalk()
    roots: dict[int, bytes] = {}
    rebuildable = True  # a missing event stops the rebuild: no root after it can be known
    pending: list[bytes] = []
    detached_count = 0

    def flush() -> None:
        # Roots are taken exactly at each head's size, so chunks end there.
        while pending:
            next_sizes = [s for s in head_sizes if s > walk.size]
            take = min(len(pending), next_sizes[0] - walk.size) if next_sizes else len(pending)
            walk.append(pending[:take])
            del pending[:take]
            if walk.size in head_sizes:
                roots[walk.size] = walk.root()

    if 0 in head_sizes:
        roots[0] = walk.root()
    for first in range(1, last + 1, _BATCH):
        upto = min(first + _BATCH - 1, last)
        events = {e.position: e for e in await store.events(first, upto, archived=archived)}
        stored_leaves = await store.leaf_hashes(first - 1, upto - 1)
        detached = set() if archived else await store.detached_positions(first, upto)
        for position in range(first, upto + 1):
            event = events.get(position)
            stored = stored_leaves.get(position - 1)
            if event is None and stored is not None and position in detached:
                detached_count += 1
                if rebuildable:
                    pending.append(stored)
                continue
            if event is None:
                where = "its leaf is still in the log" if stored else "and its leaf"
                failures.append(Failure(position, f"the event is missing ({where})"))
                rebuildable = False
                continue
            reasons = check_event(event, stored, hub_keys, participant_keys)
            failures.extend(Failure(position, reason) for reason in reasons)
            if rebuildable:
                pending.append(leaf_hash(event.leaf()))
        if rebuildable:
            flush()
        progress(upto, last)
    served = [
        (
            h.signature,
            {"tree_size": h.tree_size, "timestamp": h.timestamp_ms, "root_hash": b64(h.root_hash)},
        )
        for h in heads
    ]
    if rebuildable:
        failures.extend(check_heads(served, roots, hub_keys))
    consistent = 0
    if heads:
        latest = heads[-1]
        latest_head = TreeHead(latest.tree_size, latest.timestamp_ms, latest.root_hash)
        for earlier in heads[:-1]:
            try:
                path = await store.consistency_path(earlier.tree_size, latest.tree_size)
            except MissingNodes as err:
                failures.append(Failure(None, f"no consistency proof to the latest head: {err}"))
                continue
            failure = check_consistency(
                TreeHead(earlier.tree_size, earlier.timestamp_ms, earlier.root_hash),
                latest_head,
                path,
            )
            if failure is None:
                consistent += 1
            else:
                failures.append(failure)
    failures.sort(key=lambda f: (f.position is None, f.position or 0))
    return {
        "positions": last,
        "tree_size": await store.tree_size(),
        "heads": len(heads),
        "consistent_heads": consistent,
        "detached_positions": detached_count,
        "failures": [{"position": f.position, "reason": f.reason} for f in failures],
    }


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    async def work(pool: asyncpg.Pool) -> dict[str, Any]:
        return await verify_log(pool, archived=args.archived)

    summary = run_with_database(settings, work)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    failures = summary["failures"]
    if failures:
        first = failures[0]
        where = f"position {first['position']}" if first["position"] is not None else "the log"
        print(f"FAILED at {where}: {first['reason']}", file=sys.stderr)
        if len(failures) > 1:
            print(f"({len(failures) - 1} more failures; --json lists them)", file=sys.stderr)
        return 1
    if not args.json:
        print(
            f"ok: {summary['positions']} events, their evidence, receipts and leaves;"
            f" the tree against {summary['heads']} signed heads, each consistent with the latest"
        )
        if summary["detached_positions"]:
            print(
                f"({summary['detached_positions']} events of months detached to the archive"
                " were checked by their leaves; --archived re-checks them)"
            )
    return 0


async def build_case_bundle(
    pool: asyncpg.Pool, settings: Settings, complaint_id: str
) -> dict[str, Any] | None:
    """The offline bundle of one case, proven against a head covering all its events (a fresh
    one is signed when the latest does not)."""
    from hub.audit.bundle import ProvenEvent, build_bundle
    from hub.clock import system_clock
    from hub.crypto.jws import ALGORITHM
    from hub.crypto.keys import public_jwk
    from hub.services.audit_log import AuditLog, head_json
    from hub.store.audit import AuditStore
    from hub.store.hub_keys import HubKeyStore
    from hub.store.participants import ParticipantStore
    from hub.trust.signer import HubSigner, key_file_path

    store = AuditStore(pool)
    positions = await store.complaint_positions(complaint_id)
    if not positions:
        return None
    head = await store.latest_head()
    if head is None or head.tree_size < positions[-1]:
        signer = await HubSigner.load(
            HubKeyStore(pool),
            key_file_path(settings.hub_key_file, settings.data_dir),
            generate=settings.hub_key_file is None,
        )
        head = await AuditLog(store, signer, ParticipantStore(pool), clock=system_clock).publish()
    proven = []
    for position in positions:
        (event,) = await store.events(position, position)
        leaf, path = await store.inclusion_path(position - 1, head.tree_size)
        proven.append(ProvenEvent(event, leaf, path))
    cosignatures = await store.cosignatures(head.tree_size)
    all_keys = await store.participant_keys()
    needed = {e.event.evidence.kid for e in proven if e.event.evidence} | {
        c.kid for c in cosignatures
    }
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    jwks = {
        "keys": [
            {
                **public_jwk(Ed25519PublicKey.from_public_bytes(k.public_key), k.kid),
                "alg": ALGORITHM,
            }
            for k in await HubKeyStore(pool).all()
        ]
    }
    return build_bundle(
        complaint_id,
        proven,
        head_json(head, cosignatures),
        jwks,
        [all_keys[kid] for kid in sorted(needed) if kid in all_keys],
    )


def _prove(args: argparse.Namespace, settings: Settings) -> int:
    async def work(pool: asyncpg.Pool) -> dict[str, Any] | None:
        return await build_case_bundle(pool, settings, args.complaint_id)

    bundle = run_with_database(settings, work)
    if bundle is None:
        return fail(f"complaint {args.complaint_id} has no events")
    Path(args.out).write_text(json.dumps(bundle, indent=1, ensure_ascii=False) + "\n")
    print(
        f"wrote {args.out}: {len(bundle['events'])} events of {args.complaint_id}, proven against"
        f" the signed tree head of size {bundle['tree_head']['tree_size']}"
    )
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from hub.audit.bundle import BundleInvalid, check_bundle

    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return fail(f"cannot read {args.file}: {err}")
    try:
        report = check_bundle(document)
    except BundleInvalid as err:
        for failure in err.failures:
            print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    witnesses = ", ".join(report.cosigned_by) or "no witness"
    print(
        f"ok: {report.events} events of {report.complaint_id} verified and included in the"
        f" signed tree head of size {report.tree_size} (cosigned by {witnesses})"
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    group = audit.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = group.add_parser(
        "verify",
        help="re-check every event, evidence signature, receipt, leaf and signed head;"
        " exit 1 naming the first position that fails",
    )
    verify.add_argument("--json", action="store_true", help="print the summary as JSON")
    verify.add_argument(
        "--archived",
        action="store_true",
        help="also re-check the events of months detached to the archive schema",
    )
    verify.set_defaults(handler=_verify)
    prove = group.add_parser(
        "prove", help="write one case's self-contained proof bundle (what a court receives)"
    )
    prove.add_argument("complaint_id", metavar="COMPLAINT_ID")
    prove.add_argument("--out", required=True, help="the bundle file to write (JSON)")
    prove.set_defaults(handler=_prove)
    check = group.add_parser("check", help="verify a proof bundle offline, with no database")
    check.add_argument("file", metavar="FILE")
    check.set_defaults(handler=_check)
