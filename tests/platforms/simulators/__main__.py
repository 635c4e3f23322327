"""Run a simulated platform beside a local hub, for a demo.

    complaint-hub keys generate --kid pdd-gw-1 --out keys/
    complaint-hub participants add platform.pinduoduo --role platform --platform pinduoduo \\
        --name Pinduoduo
    complaint-hub keys add --participant platform.pinduoduo --kid pdd-gw-1 \\
        --public-key keys/pdd-gw-1.jwk.json
    python -m tests.platforms.simulators pinduoduo --key keys/pdd-gw-1.pem --kid pdd-gw-1

then point `<data dir>/platforms.json` at it:

    {"pinduoduo": {"base_url": "http://127.0.0.1:9001/api/router",
                   "participant": "platform.pinduoduo"}}

    python -m tests.platforms.simulators jd --key keys/jd-1.pem --kid jd-1 \\
        --hub http://127.0.0.1:8080

reads the hub's JD feed and walks every routed complaint through a return and refund.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime

from aiohttp import web

from hub.crypto.keys import load_private_key_file
from hub.sdk.client import HubClient
from tests.platforms.simulators.jd import JdSimulator
from tests.platforms.simulators.pinduoduo import PATH, PinduoduoSimulator
from tests.platforms.simulators.traffic import PDD_PATHS


def _now() -> datetime:
    return datetime.now(UTC)


async def _pdd_traffic(sim: PinduoduoSimulator, rng: random.Random, interval_s: float) -> None:
    """Everyday traffic: new requests arrive, open ones move one status along their path."""
    paths: dict[str, list[int]] = {}
    while True:
        for record_id in sim.background(rng.randrange(1, 4)):
            paths[record_id] = list(PDD_PATHS[rng.choice(sorted(PDD_PATHS))][1][1:])
        for record_id, remaining in list(paths.items()):
            if remaining and rng.random() < 0.5:
                sim.update(record_id, remaining.pop(0))
            if not remaining:
                del paths[record_id]
        await asyncio.sleep(interval_s)


def _pinduoduo(args: argparse.Namespace) -> None:
    sim = PinduoduoSimulator(load_private_key_file(args.key), args.kid, clock=_now)
    app = sim.app()
    rng = random.Random(args.seed)

    async def traffic(_: web.Application):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(_pdd_traffic(sim, rng, args.interval))
        yield
        task.cancel()

    app.cleanup_ctx.append(traffic)
    print(f"Pinduoduo gateway on http://{args.host}:{args.port}{PATH}", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None)


async def _jd(args: argparse.Namespace) -> None:
    async with HubClient(args.hub, args.kid, load_private_key_file(args.key)) as hub:
        await JdSimulator(hub, clock=_now, rng=random.Random(args.seed)).run(args.interval)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.platforms.simulators")
    parser.add_argument("platform", choices=("pinduoduo", "jd"))
    parser.add_argument("--key", required=True, help="the platform's private key, PEM")
    parser.add_argument("--kid", required=True, help="its key id registered at the hub")
    parser.add_argument("--hub", default="http://127.0.0.1:8080", help="the hub (jd)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9001)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between steps")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.platform == "pinduoduo":
        _pinduoduo(args)
    else:
        asyncio.run(_jd(args))


if __name__ == "__main__":
    main()
