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

`taobao` and `douyin` run their gateways the same way (register platform.taobao or
platform.douyin and its key instead).

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
from typing import Any

from aiohttp import web

from hub.crypto.keys import load_private_key_file
from hub.sdk.client import HubClient
from tests.platforms.simulators.douyin import DouyinSimulator
from tests.platforms.simulators.gateway import SignedGateway
from tests.platforms.simulators.jd import JdSimulator
from tests.platforms.simulators.pinduoduo import PATH, PinduoduoSimulator
from tests.platforms.simulators.taobao import TaobaoSimulator
from tests.platforms.simulators.traffic import (
    DOUYIN_PATHS,
    PDD_PATHS,
    TAOBAO_PATHS,
    douyin_order_id,
    taobao_tid,
)


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


async def _walk(
    sim: TaobaoSimulator | DouyinSimulator, rng: random.Random, interval_s: float
) -> None:
    """Everyday traffic: new requests arrive, open ones move one status along their path."""
    paths: dict[int, list[Any]] = {}
    while True:
        for _ in range(rng.randrange(1, 4)):
            statuses: list[Any]
            if isinstance(sim, TaobaoSimulator):
                statuses = list(TAOBAO_PATHS[rng.choice(sorted(TAOBAO_PATHS))])
                native_id = sim.open(taobao_tid(rng), amount_fen=8900)
            else:
                kind, douyin_statuses = DOUYIN_PATHS[rng.choice(sorted(DOUYIN_PATHS))]
                statuses = list(douyin_statuses)
                native_id = sim.open(douyin_order_id(rng), amount_fen=8900, aftersale_type=kind)
            paths[native_id] = statuses[1:]
        for native_id, remaining in list(paths.items()):
            if remaining and rng.random() < 0.5:
                sim.update(native_id, remaining.pop(0))
            if not remaining:
                del paths[native_id]
        await asyncio.sleep(interval_s)


def _serve_gateway(sim: SignedGateway, args: argparse.Namespace, traffic_of: Any) -> None:
    app = sim.app()
    rng = random.Random(args.seed)

    async def traffic(_: web.Application):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(traffic_of(sim, rng, args.interval))
        yield
        task.cancel()

    app.cleanup_ctx.append(traffic)
    print(f"{args.platform} gateway on http://{args.host}:{args.port}{sim.path}", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None)


async def _jd(args: argparse.Namespace) -> None:
    async with HubClient(args.hub, args.kid, load_private_key_file(args.key)) as hub:
        await JdSimulator(hub, clock=_now, rng=random.Random(args.seed)).run(args.interval)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.platforms.simulators")
    parser.add_argument("platform", choices=("pinduoduo", "taobao", "douyin", "jd"))
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
    elif args.platform in ("taobao", "douyin"):
        gateway = TaobaoSimulator if args.platform == "taobao" else DouyinSimulator
        key = load_private_key_file(args.key)
        _serve_gateway(gateway(key, args.kid, clock=_now), args, _walk)
    else:
        asyncio.run(_jd(args))


if __name__ == "__main__":
    main()
