"""Signed single events pushed over HTTP into a running hub, against the same run's baseline.

    python bench/push.py [--events 6000] [--concurrency 64]          # closed loop, pre-signed
    python bench/push.py --rate 1000 --seconds 15                     # open loop at a set rate
    python bench/push.py --soak 600 --rate 1300 --no-baseline          # memory through a soak
    python bench/push.py ... [--workers N] [--generator-cpu 1] [--database-url URL]

Each mode starts `complaint-hub serve --workers N` as its own process tree on a fresh database
of one embedded PostgreSQL, enrols a bureau, and runs a load generator as a separate process
pinned to one core with `taskset`. Every request is a distinct complaint.filed event, signed
(RFC 9421, a fresh nonce each) with a real Ed25519 key: all signed before the clock starts for
runs short enough that `created` (valid for 300 s) cannot expire, else signed just in time by
the generator. Closed loop keeps `--concurrency` requests in flight; open loop sends at
`--rate` whatever the answers, and measures each latency from the moment its request was due,
so a slow hub cannot hide its queue.

The baseline is the same binary, processes, workers, concurrency and crypto with
COMPLAINT_HUB_BASELINE_MODE=1, differing only in: one transaction per event (no group commit),
the reference `jsonschema` validator, the standard `json` module, and canonical JSON recomputed
with the `rfc8785` package at each use. Both hubs run at once, each on a fresh database of the
same PostgreSQL, and the generator alternates between them round by round. Each figure is
printed with its ratio, optimised / baseline, and as a BENCH line for bench/report.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._report import emit  # noqa: E402

EXAMPLES = REPO / "schemas" / "examples"
BUREAU = "bureau.hz"
KID = "bench-push"
# Pre-signed only while every signature is surely inside the +-300 s window of `created`.
PRESIGN_LIMIT_S = 200
# The generator keeps at most this many requests open in open loop (the hub caps connections).
OPEN_LOOP_CONNECTIONS = 512
# Open loop: what is still unsent this long after the last request was due is left unsent.
OPEN_LOOP_GRACE_S = 1.0
# A line with the hub's memory this often during a round (a soak runs for minutes).
PROGRESS_EVERY_S = 60


# -- the generator (a separate process, pinned to one core) ------------------------------------


def _filing(number: int, run: str, template: bytes) -> bytes:
    import orjson

    document = orjson.loads(template)
    document.update(
        event_id=str(uuid.uuid4()), complaint_id=f"{BUREAU}:PUSH-{run}-{number:08d}", version=1
    )
    return bytes(orjson.dumps(document))


class Signer:
    def __init__(self, url: str, private_hex: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.url = url + "/v1/events"
        self.key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))

    def sign(self, body: bytes) -> dict[str, str]:
        from hub.crypto.httpsig import sign_request

        headers = {"Content-Type": "application/json"}
        headers.update(sign_request("POST", self.url, headers, body, private_key=self.key, kid=KID))
        return headers


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _generate(spec: dict[str, Any]) -> dict[str, Any]:
    import aiohttp

    signer = Signer(spec["url"], spec["private_key"])
    total = spec["events"]
    run = uuid.uuid4().hex[:8]
    presigned = spec["presign"]
    template = EXAMPLES.joinpath("complaint.filed.json").read_bytes()
    # Pre-signed: every request made before the clock starts. Otherwise each is made (and
    # signed) when it is due, so a long run holds no more than its requests in flight.
    requests: list[tuple[bytes, dict[str, str]]] = []
    if presigned:
        for number in range(total):
            body = _filing(number, run, template)
            requests.append((body, signer.sign(body)))
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    connections = spec["concurrency"] or OPEN_LOOP_CONNECTIONS
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)

    async def send(session: aiohttp.ClientSession, index: int, due: float) -> None:
        if presigned:
            body, headers = requests[index]
        else:
            body = _filing(index, run, template)
            headers = signer.sign(body)
        try:
            async with session.post(signer.url, data=body, headers=headers) as response:
                await response.read()
                status = str(response.status)
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            status = type(err).__name__
        latencies.append(time.perf_counter() - due)
        statuses[status] = statuses.get(status, 0) + 1

    unsent = 0
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        cpu_started, started = time.process_time(), time.perf_counter()
        if spec["rate"]:
            # Open loop: each request is due at its time whatever the answers. A request waits
            # for one of the generator's connections (a hub that falls behind delays it, and its
            # latency, counted from when it was due, shows it), is signed only then, so its
            # `created` is fresh however long it waited, and is not sent at all once the round's
            # time is up: a soak lasts what it says, and holds no more than its connections.
            interval = 1 / spec["rate"]
            slots = asyncio.Semaphore(connections)
            stop_at = started + total * interval + OPEN_LOOP_GRACE_S
            in_flight: set[asyncio.Future[None]] = set()  # only those not yet answered
            for index in range(total):
                due = started + index * interval
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await slots.acquire()
                if time.perf_counter() > stop_at:
                    slots.release()
                    unsent = total - index
                    break
                task = asyncio.ensure_future(send(session, index, due))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                task.add_done_callback(lambda _: slots.release())
            await asyncio.gather(*in_flight)
        else:
            cursor = iter(range(total))

            async def worker() -> None:
                for index in cursor:
                    await send(session, index, time.perf_counter())

            await asyncio.gather(*(worker() for _ in range(spec["concurrency"])))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    return {
        "events": total - unsent,
        "unsent": unsent,
        "statuses": statuses,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "latencies": latencies,
        "presigned": presigned,
    }


def _combined(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One figure from several rounds of one mode: totals over totals, percentiles of all."""
    ordered = sorted(latency for result in rounds for latency in result["latencies"])
    statuses: dict[str, int] = {}
    for result in rounds:
        for status, count in result["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    seconds = sum(result["seconds"] for result in rounds)
    ok = statuses.get("201", 0)
    return {
        "events": sum(result["events"] for result in rounds),
        "unsent": sum(result.get("unsent", 0) for result in rounds),
        "accepted": ok,
        "errors": sum(result["events"] for result in rounds) - ok,
        "statuses": statuses,
        "seconds": seconds,
        "events_per_s": ok / seconds,
        "p50_ms": _percentile(ordered, 0.50) * 1000,
        "p99_ms": _percentile(ordered, 0.99) * 1000,
        "p999_ms": _percentile(ordered, 0.999) * 1000,
        "generator_cpu_pct": 100 * sum(result["cpu_seconds"] for result in rounds) / seconds,
        "hub_max_rss_mib": max(result["hub_max_rss_mib"] for result in rounds),
        # CPU per accepted event, while the generator ran (its pre-signing included, when the
        # hub idles): what bounds the rate on a shared machine, and less noisy than the rate.
        "hub_cpu_ms_per_event": 1000 * sum(r["hub_cpu_seconds"] for r in rounds) / max(1, ok),
        "postgres_cpu_ms_per_event": (
            1000 * sum(r["postgres_cpu_seconds"] for r in rounds) / max(1, ok)
        ),
        "presigned": all(result["presigned"] for result in rounds),
    }


# -- the hub and its database ------------------------------------------------------------------


def _with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


async def _fresh_database(dsn: str, name: str, public_key: bytes) -> str:
    import asyncpg

    from hub.store.migrate import migrate
    from hub.store.participants import Participant, ParticipantStore

    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = _with_database(dsn, name)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
        store = ParticipantStore(pool)
        await store.add(
            Participant(BUREAU, "Hangzhou AMR", "bureau", None, ("330100",), None, True)
        )
        await store.add_key(BUREAU, KID, public_key)
    finally:
        await pool.close()
    return url


async def _postmaster_pid(dsn: str) -> int | None:
    """The server's postmaster, when it runs on this machine (its backends are its children)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        data_directory = await conn.fetchval("SHOW data_directory")
    finally:
        await conn.close()
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
    return None


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"hub at {url} not ready within 60 s")


def _tree(pid: int) -> Iterator[int]:
    """A process and all its descendants (the hub and its workers; PostgreSQL's backends)."""
    pending = [pid]
    while pending:
        current = pending.pop()
        yield current
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())


def _tree_rss_bytes(pid: int) -> int:
    total = 0
    for current in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def _tree_cpu_seconds(pid: int | None) -> float:
    """User plus system CPU of a process tree so far (0 when there is no such process)."""
    if pid is None:
        return 0.0
    ticks = 0
    for current in _tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (proc(5) fields 14, 15)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Hub:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextlib.contextmanager
def hub_process(
    database_url: str, data_dir: Path, *, workers: int, baseline: bool
) -> Iterator[Hub]:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "COMPLAINT_HUB_DATABASE_URL": database_url,
        "COMPLAINT_HUB_DATA_DIR": str(data_dir),
        "COMPLAINT_HUB_HOST": "127.0.0.1",
        "COMPLAINT_HUB_PORT": str(port),
        "COMPLAINT_HUB_LOG_LEVEL": "WARNING",
        # The bench measures the hub, not the edge's per-participant rate limit.
        "COMPLAINT_HUB_RATE_LIMITS": "default=1000000/1000000",
        "COMPLAINT_HUB_BASELINE_MODE": "1" if baseline else "0",
    }
    log = data_dir / ("hub-baseline.log" if baseline else "hub.log")
    command = [sys.executable, "-m", "hub.cli", "serve", "--workers", str(workers)]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log)
        time.sleep(1.0)  # every worker listening, not just the first
        yield Hub(url, process, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def _profiled(hub: Hub, output: Path | None) -> Iterator[None]:
    """py-spy sampling every hub process (collapsed stacks in `output`) while the load runs."""
    if output is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "--subprocesses", "--nonblocking", "-r", "200", "-f", "raw"]
    command += ["-o", str(output), "-p", str(hub.process.pid)]
    profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(timeout=60)


def _run_generator(
    spec: dict[str, Any], cpu: int, hub: Hub, postgres_pid: int | None
) -> dict[str, Any]:
    """The generator in its own process on core `cpu`; samples the hub's memory meanwhile, and
    counts the CPU the hub's processes and PostgreSQL's spent while it ran."""
    spec_file = Path(tempfile.mkstemp(prefix="chpush", suffix=".json")[1])
    spec_file.write_text(json.dumps(spec))
    taskset = shutil.which("taskset")
    command = [sys.executable, str(Path(__file__).resolve()), "--generate", str(spec_file)]
    if taskset:
        command = [taskset, "-c", str(cpu), *command]
    max_rss = 0
    hub_cpu, postgres_cpu = _tree_cpu_seconds(hub.process.pid), _tree_cpu_seconds(postgres_pid)
    # Its answer (every latency) goes to a file: a pipe read only once it exits would fill up
    # and hold a long round's generator forever.
    with tempfile.TemporaryFile() as answer:
        try:
            with subprocess.Popen(
                command, stdout=answer, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}
            ) as generator:
                started, reported = time.monotonic(), 0
                while generator.poll() is None:
                    rss = _tree_rss_bytes(hub.process.pid)
                    max_rss = max(max_rss, rss)
                    elapsed = time.monotonic() - started
                    if elapsed - reported >= PROGRESS_EVERY_S:  # long runs show they are alive
                        reported = int(elapsed)
                        print(f"  {reported:4d} s  hub RSS {rss / 2**20:.0f} MiB", flush=True)
                    time.sleep(0.5)
            hub_cpu = _tree_cpu_seconds(hub.process.pid) - hub_cpu
            postgres_cpu = _tree_cpu_seconds(postgres_pid) - postgres_cpu
            if generator.returncode != 0:
                raise RuntimeError(f"the generator failed ({generator.returncode})")
        finally:
            spec_file.unlink(missing_ok=True)
        answer.seek(0)
        output = answer.read()
    result: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    result["hub_max_rss_mib"] = max_rss / 2**20
    result["hub_cpu_seconds"], result["postgres_cpu_seconds"] = hub_cpu, postgres_cpu
    result["pinned"] = bool(taskset)
    return result


@dataclass
class Mode:
    label: str
    baseline: bool
    key_hex: str = ""
    hub: Hub | None = None
    rounds: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _measure(dsn: str, figure: str, args: argparse.Namespace, events: int) -> list[Mode]:
    """Both hubs up at once, each on its own fresh database; the generator alternates between
    them round by round (optimised first, then baseline first, ...), so a neighbour's burst of
    load on this shared machine falls on both alike."""
    from hub.crypto.keys import generate_private_key, public_key_raw

    postgres_pid = asyncio.run(_postmaster_pid(dsn))
    modes = [Mode("optimised", baseline=False)]
    if not args.no_baseline:
        modes.append(Mode("baseline", baseline=True))
    with contextlib.ExitStack() as stack:
        for mode in modes:
            key = generate_private_key()
            mode.key_hex = key.private_bytes_raw().hex()
            name = f"push_{figure}{'_base' if mode.baseline else ''}"
            url = asyncio.run(_fresh_database(dsn, name, public_key_raw(key.public_key())))
            data_dir = Path(tempfile.mkdtemp(prefix="chpush", dir="/tmp"))
            stack.callback(shutil.rmtree, data_dir, ignore_errors=True)
            mode.hub = stack.enter_context(
                hub_process(url, data_dir, workers=args.workers, baseline=mode.baseline)
            )
        per_round = max(1, events // args.rounds)
        duration = per_round / args.rate if args.rate else per_round / 1000
        for number in range(args.rounds):
            for mode in modes if number % 2 == 0 else modes[::-1]:
                if mode.hub is None:
                    continue
                spec = {
                    "url": mode.hub.url,
                    "private_key": mode.key_hex,
                    "events": per_round,
                    "concurrency": 0 if args.rate else args.concurrency,
                    "rate": args.rate,
                    "presign": duration < PRESIGN_LIMIT_S and not args.sign_just_in_time,
                }
                profile = args.profile if args.profile and not mode.baseline else None
                if profile is not None and number > 0:
                    profile = profile.with_name(f"{profile.stem}-{number}{profile.suffix}")
                with _profiled(mode.hub, profile):
                    mode.rounds.append(
                        _run_generator(spec, args.generator_cpu, mode.hub, postgres_pid)
                    )
    return modes


def _line(label: str, result: dict[str, Any]) -> str:
    return (
        f"{label:<10} {result['events_per_s']:8.0f} events/s  p50 {result['p50_ms']:7.1f} ms"
        f"  p99 {result['p99_ms']:7.1f} ms  p99.9 {result['p999_ms']:7.1f} ms"
        f"  errors {result['errors']}  unsent {result['unsent']}"
        f"  generator CPU {result['generator_cpu_pct']:.0f}%"
        f"  hub RSS max {result['hub_max_rss_mib']:.0f} MiB"
        f"  CPU/event hub {result['hub_cpu_ms_per_event']:.2f} ms"
        f" postgres {result['postgres_cpu_ms_per_event']:.2f} ms"
        f"  ({'pre-signed' if result['presigned'] else 'signed just in time'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000, help="closed loop: events to send")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=0, help="open loop: events per second")
    parser.add_argument("--seconds", type=float, default=15, help="open loop: how long")
    parser.add_argument("--soak", type=float, default=0, help="seconds of open loop at --rate")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--generator-cpu", type=int, default=(os.cpu_count() or 1) - 1)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two modes")
    parser.add_argument("--sign-just-in-time", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument("--profile", type=Path, help="py-spy the optimised hub into this file")
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # Stopped with SIGTERM, still stop the hubs and the database this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.generate:
        spec = json.loads(Path(args.generate).read_text())
        print(json.dumps(asyncio.run(_generate(spec))), flush=True)
        return
    if args.soak:
        args.seconds = args.soak
        args.rate = args.rate or 1300
        args.no_baseline = True
        args.rounds = 1
    events = int(args.rate * args.seconds) if args.rate else args.events
    mode = (
        f"open loop {args.rate:g}/s for {args.seconds:g} s"
        if args.rate
        else f"closed loop, concurrency {args.concurrency}"
    )
    figure = "soak" if args.soak else ("open" if args.rate else "closed")
    print(f"push: {events} signed events, {mode}, hub workers {args.workers}", flush=True)

    from bench._pg import bench_database

    async def run() -> tuple[dict[str, Any], dict[str, Any] | None]:
        async with bench_database(args.database_url) as dsn:
            modes = await asyncio.to_thread(_measure, dsn, figure, args, events)
        combined = [_combined(mode.rounds) for mode in modes]
        for mode, result in zip(modes, combined, strict=True):
            print(_line(mode.label, result), flush=True)
        return combined[0], (combined[1] if len(combined) > 1 else None)

    fast, base = asyncio.run(run())
    if base is not None:
        print(
            f"ratio      {fast['events_per_s'] / base['events_per_s']:8.2f}x events/s", flush=True
        )
    _emit_figures(figure, mode, fast, base)
    if fast["errors"] or (base is not None and base["errors"]):
        print("errors (must be 0):", fast["statuses"], base and base["statuses"], flush=True)
        sys.exit(1)


def _emit_figures(
    figure: str, mode: str, fast: dict[str, Any], base: dict[str, Any] | None
) -> None:
    def baseline(key: str) -> float | None:
        return None if base is None else float(base[key])

    prefix = f"push {mode}"
    emit(f"{prefix}: events/s", fast["events_per_s"], "events/s", baseline("events_per_s"))
    emit(f"{prefix}: p50", fast["p50_ms"], "ms", baseline("p50_ms"))
    emit(f"{prefix}: p99", fast["p99_ms"], "ms", baseline("p99_ms"))
    emit(f"{prefix}: p99.9", fast["p999_ms"], "ms", baseline("p999_ms"))
    emit(f"{prefix}: errors", fast["errors"], "requests", baseline("errors"))
    if fast["unsent"] or (base is not None and base["unsent"]):
        emit(f"{prefix}: due but not sent in time", fast["unsent"], "requests", baseline("unsent"))
    emit(f"{prefix}: generator CPU", fast["generator_cpu_pct"], "%", baseline("generator_cpu_pct"))
    emit(f"{prefix}: hub RSS max", fast["hub_max_rss_mib"], "MiB", baseline("hub_max_rss_mib"))
    for part in ("hub", "postgres"):
        key = f"{part}_cpu_ms_per_event"
        emit(f"{prefix}: {part} CPU per event", fast[key], "ms", baseline(key))
    del figure


if __name__ == "__main__":
    main()
