"""Set the stage, play, and account for every event: the `complaint-hub demo` command's work.

The hub runs in this process on the embedded database in the demo's data directory, with the
simulated clock (hub.demo.timeline) as its clock. The platform gateways and the bureau's webhook
receiver listen on loopback ports of their own. After the play, simulated time stops, the feed
comes to rest, and the subscriber's count is compared with the feed read back over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import random
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.app import create_app
from hub.clock import CLOCK, Clock, system_clock
from hub.crypto.keys import load_private_key_file, public_key_raw, write_key_pair
from hub.demo import report
from hub.demo.play import Gateways, Player
from hub.demo.setting import CITY, MALLS, OPERATOR, Member, Speaks, everyone, village_stations
from hub.demo.simulators.douyin import DouyinSimulator
from hub.demo.simulators.gateway import SignedGateway
from hub.demo.simulators.jd import JdSimulator
from hub.demo.simulators.kuaishou import KuaishouSimulator
from hub.demo.simulators.pinduoduo import PinduoduoSimulator
from hub.demo.simulators.taobao import TaobaoSimulator
from hub.demo.subscriber import PATH as HOOK_PATH
from hub.demo.subscriber import Subscriber
from hub.demo.timeline import NIGHT_START, Timeline
from hub.feeds.webhooks.resources import WEBHOOK_CLOCK
from hub.http.server import Listener
from hub.logs import configure_logging
from hub.ops.passwords import hash_password
from hub.platforms.sync.resources import SYNC_STATES
from hub.sdk.client import HubClient
from hub.settings import Settings
from hub.store.operators import OperatorStore
from hub.store.participants import Participant
from hub.store.resources import POOL
from hub.trust.resources import PARTICIPANTS

LOOPBACK = "127.0.0.1"
# The ops page's login for this demo; its password is made afresh and printed with the summary.
OPS_LOGIN = "demo"
# Keys valid from before the simulated night: the hub checks a pulled page's key at its clock.
KEYS_VALID_FROM = datetime(2026, 11, 1, tzinfo=UTC)
PROGRESS_EVERY_S = 0.5  # on a terminal; plain lines every PLAIN_EVERY_S otherwise
PLAIN_EVERY_S = 5.0
DRAIN_TIMEOUT_S = 30.0
QUIET_S = 1.2  # the feed is at rest once its head has not moved for a sweep interval and more


@dataclass(frozen=True)
class DemoOptions:
    duration_s: float
    speed: float | None
    data_dir: Path
    port: int
    peak_per_s: float
    seed: int
    linger: bool


@dataclass
class Stage:
    """What the play needs: the hub's URL, a signing client per participant, the gateways."""

    base_url: str
    clients: dict[str, HubClient]
    gateways: Gateways
    subscriber: Subscriber


def demo_settings(settings: Settings, options: DemoOptions) -> Settings:
    # Always the embedded database in the demo's own directory: never a configured production one.
    return dataclasses.replace(
        settings,
        database_url=None,
        data_dir=options.data_dir,
        host=LOOPBACK,
        port=options.port,
        public_urls=(),
        hub_key_file=None,
        master_key_file=None,
        webhook_allow_private=True,  # the bureau's receiver listens on loopback
        sweep_interval_s=1,  # simulated days pass in seconds
        stats_village_stations=village_stations(),
        reports_token=settings.reports_token or secrets.token_urlsafe(12),
        log_format="console",
        log_level="ERROR",
        shutdown_timeout_s=3,  # the play is over: nothing in flight is worth waiting long for
    )


def _keys(directory: Path, rng: random.Random) -> dict[str, tuple[str, Ed25519PrivateKey]]:
    """A fresh key per participant, written as KID.pem (0600) and KID.jwk.json for later use."""
    directory.mkdir(parents=True, exist_ok=True)
    run = f"{rng.getrandbits(24):06x}"
    found = {}
    for member in everyone():
        kid = f"{member.participant_id}-{run}"
        pem, _ = write_key_pair(directory, kid)
        found[member.participant_id] = (kid, load_private_key_file(pem))
    return found


async def _register(
    app: web.Application,
    keys: dict[str, tuple[str, Ed25519PrivateKey]],
    members: tuple[Member, ...],
) -> None:
    store = app[PARTICIPANTS]
    for m in members:
        if await store.get(m.participant_id) is None:
            participant = Participant(
                m.participant_id, m.name, m.role, m.platform, m.regions, None, True
            )
            await store.add(participant)
        kid, key = keys[m.participant_id]
        raw = public_key_raw(key.public_key())
        await store.add_key(m.participant_id, kid, raw, not_before=KEYS_VALID_FROM)


@contextlib.asynccontextmanager
async def _listening(app: web.Application) -> AsyncIterator[int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, LOOPBACK, 0)
    await site.start()
    port = int(runner.addresses[0][1])
    try:
        yield port
    finally:
        await runner.cleanup()


def _platforms_json(ports: dict[str, int]) -> dict[str, dict[str, object]]:
    return {
        code: {
            "base_url": f"http://{LOOPBACK}:{port}{SignedGateway.path}",
            "participant": f"platform.{code}",
            "interval_s": 1,
            "overlap_s": 60,
            "initial_lookback_s": 600,
            "timeout_s": 10,
            "max_pages_per_poll": 50,
            "max_backoff_s": 5,
        }
        for code, port in ports.items()
    }


async def run_demo(settings: Settings, options: DemoOptions, out: TextIO = sys.stdout) -> int:
    configure_logging("console", "ERROR")
    rng = random.Random(options.seed)
    timeline = Timeline(options.duration_s, options.speed)
    options.data_dir.mkdir(parents=True, exist_ok=True)
    keys = _keys(options.data_dir / "keys", rng)

    def gateway_key(code: str) -> tuple[Ed25519PrivateKey, str]:
        kid, key = keys[f"platform.{code}"]
        return key, kid

    taobao = TaobaoSimulator(
        *gateway_key("taobao"), clock=timeline, rng=random.Random(rng.random())
    )
    douyin = DouyinSimulator(
        *gateway_key("douyin"), clock=timeline, rng=random.Random(rng.random())
    )
    pdd = PinduoduoSimulator(
        *gateway_key("pinduoduo"), clock=timeline, rng=random.Random(rng.random())
    )
    pulled: dict[str, SignedGateway] = {"taobao": taobao, "douyin": douyin, "pinduoduo": pdd}
    for gateway in pulled.values():
        gateway.stamp_as_request = True
    if {m.code for m in MALLS if m.speaks is Speaks.PULLED} != set(pulled):
        raise RuntimeError("every pulled mall needs its gateway")

    async with contextlib.AsyncExitStack() as stack:
        ports = {
            code: await stack.enter_async_context(_listening(g.app())) for code, g in pulled.items()
        }
        (options.data_dir / "platforms.json").write_text(
            json.dumps(_platforms_json(ports), indent=2)
        )
        hub_settings = demo_settings(settings, options)
        app = create_app(hub_settings)
        clock: Clock = timeline
        app[CLOCK] = clock
        app[WEBHOOK_CLOCK] = system_clock
        listener = Listener(app, hub_settings)
        stack.push_async_callback(listener.close)
        port = await listener.start(LOOPBACK, options.port)
        base_url = f"http://{LOOPBACK}:{port}"
        print(
            f"complaint-hub demo: hub on {base_url}, data in {options.data_dir}",
            file=out,
            flush=True,
        )
        members = everyone()
        await _register(app, keys, members)
        ops_password = secrets.token_urlsafe(12)
        await OperatorStore(app[POOL]).add(
            OPS_LOGIN, hash_password(ops_password), datetime.now(UTC)
        )

        session = await stack.enter_async_context(aiohttp.ClientSession())
        clients = {
            m.participant_id: HubClient(
                base_url,
                keys[m.participant_id][0],
                keys[m.participant_id][1],
                session=session,
                check_log=False,
            )
            for m in members
        }
        city_kid, city_key = keys[CITY.participant_id]
        subscriber = Subscriber(HubClient(base_url, city_kid, city_key, session=session))
        hook_port = await stack.enter_async_context(_listening(subscriber.app()))
        created = await subscriber.client.call(
            "POST",
            "/v1/subscriptions",
            json={"url": f"http://{LOOPBACK}:{hook_port}{HOOK_PATH}", "after": 0},
        )
        subscriber.secret = created["secret"]

        jd = JdSimulator(clients["platform.jd"], clock=timeline, rng=random.Random(rng.random()))
        kuaishou = KuaishouSimulator(
            clients["platform.kuaishou"], clock=timeline, rng=random.Random(rng.random())
        )
        stop = asyncio.Event()
        player = Player(
            timeline=timeline,
            clients=clients,
            gateways=Gateways(taobao, douyin, pdd, jd, kuaishou),
            ledger=subscriber.ledger,
            stop=stop,
            peak_per_s=options.peak_per_s,
            seed=options.seed,
        )
        interrupted = _on_interrupt(stop)
        print(
            f"registered {len(members)} participants; playing Double 11 from "
            f"{report.local(NIGHT_START)} at {timeline.speed:,.0f}x, then the weeks after at "
            f"{timeline.after_speed:,.0f}x, for {options.duration_s:g} s (Ctrl-C stops)",
            file=out,
            flush=True,
        )
        timeline.start()
        show = asyncio.ensure_future(_show_progress(timeline, player, subscriber, out))
        try:
            await player.run()
        finally:
            timeline.freeze()
            # The platforms stop with the play: a poller still behind simulated time would
            # otherwise go on adding the records it had not reached yet.
            for gateway in pulled.values():
                gateway.closed = True
            show.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await show
        operator = clients[OPERATOR.participant_id]
        head, feed_events = await _drain(operator, subscriber)
        behind = await _pollers_behind(app, timeline(), pulled)
        outcome = report.Outcome(
            started=timeline.at(0),
            ended=timeline(),
            elapsed_s=timeline.elapsed_s(),
            interrupted=interrupted(),
            participants=len(members),
            filed=player.filed,
            feed_events=feed_events,
            head_position=head,
            verified=subscriber.verified,
            signature_failures=subscriber.signature_failures,
            gaps=subscriber.gaps,
            redeliveries=subscriber.redeliveries,
            refused=dict(player.refused),
            unfinished=dict(player.unfinished),
            pollers_behind_s=behind,
            ops_url=f"{base_url}/ops (operator {OPS_LOGIN}, password {ops_password})",
            reports_url=f"{base_url}/reports?year=2026&month=11&token={hub_settings.reports_token}",
            data_dir=str(options.data_dir),
        )
        for line in report.summary(outcome, subscriber.ledger):
            print(line, file=out)
        out.flush()
        complete = feed_events == subscriber.verified and subscriber.signature_failures == 0
        if options.linger and not interrupted():
            await _until_interrupt(out)
    return 0 if complete else 1


def _on_interrupt(stop: asyncio.Event) -> Callable[[], bool]:
    """Ctrl-C (or SIGTERM) stops the play: nothing more is sent, the summary still comes."""
    seen = False

    def interrupt() -> None:
        nonlocal seen
        seen = True
        stop.set()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, interrupt)
    return lambda: seen


async def _until_interrupt(out: TextIO) -> None:
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, done.set)
    print("the hub keeps serving these pages until Ctrl-C", file=out, flush=True)
    await done.wait()


async def _show_progress(
    timeline: Timeline, player: Player, subscriber: Subscriber, out: TextIO
) -> None:
    tty = out.isatty()
    every_s = PROGRESS_EVERY_S if tty else PLAIN_EVERY_S
    try:
        while True:
            await asyncio.sleep(every_s)
            line = report.progress_line(
                report.Progress(
                    simulated=timeline(),
                    elapsed_s=timeline.elapsed_s(),
                    filed=player.filed,
                    sent=player.sent,
                    verified=subscriber.verified,
                    signature_failures=subscriber.signature_failures,
                    breaches=subscriber.ledger.by_type["deadline.breached"],
                )
            )
            if tty:
                out.write("\r\x1b[2K" + line)
            else:
                out.write(line + "\n")
            out.flush()
    finally:
        if tty:
            out.write("\n")
            out.flush()


async def _pollers_behind(
    app: web.Application, now: datetime, pulled: dict[str, SignedGateway]
) -> dict[str, float]:
    """How far each of the hub's pollers was behind simulated time when the play ended."""
    behind = {}
    for code in pulled:
        state = await app[SYNC_STATES].get(code)
        if state is not None and state.window_end is not None:
            behind[code] = max(0.0, (now - state.window_end).total_seconds())
    return behind


class FeedReader:
    """The feed read back as the operator, who sees every event, each receipt checked."""

    def __init__(self, operator: HubClient) -> None:
        self.operator = operator
        self.head = 0
        self.events = 0

    async def catch_up(self) -> None:
        while True:
            page = await self.operator.get_feed(after=self.head, limit=1000)
            for item in page["items"]:
                await self.operator.verify_feed_item(item)
                self.head = int(item["position"])
                self.events += 1
            if not page["items"]:
                return


async def _drain(operator: HubClient, subscriber: Subscriber) -> tuple[int, int]:
    """Wait until the webhook has delivered up to the feed's head and the head stays put."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_TIMEOUT_S
    feed = FeedReader(operator)
    await feed.catch_up()
    quiet_since = loop.time()
    while loop.time() < deadline:
        await asyncio.sleep(0.1)
        head = feed.head
        await feed.catch_up()
        if feed.head != head:
            quiet_since = loop.time()
            continue
        if subscriber.last_position >= feed.head and loop.time() - quiet_since >= QUIET_S:
            break
    return feed.head, feed.events
