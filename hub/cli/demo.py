"""`complaint-hub demo`: the Hangzhou model live, a Double-11 night and the weeks after."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from hub.cli.output import fail
from hub.settings import Settings


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from hub.demo.run import DemoOptions, run_demo

    # A short path: the embedded server's Unix socket lives in the data directory.
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="chdemo-", dir="/tmp"))
    if args.data_dir is not None and (data_dir / "keys").exists():
        return fail(f"{data_dir} holds an earlier demo; give a new --data-dir or remove it")
    options = DemoOptions(
        duration_s=args.duration,
        speed=args.speed,
        data_dir=data_dir,
        port=settings.port if args.port is None else args.port,
        peak_per_s=args.rate,
        seed=args.seed,
        linger=args.linger,
    )
    try:
        return asyncio.run(run_demo(settings, options))
    except OSError as err:
        return fail(f"demo could not start: {err}")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    help_text = (
        "play a Double-11 night in the Hangzhou model: 15 platforms, the bureaus, the "
        "association and the internet court, on the embedded database"
    )
    demo = commands.add_parser("demo", help=help_text, description=help_text)
    demo.add_argument(
        "--duration", type=_positive, default=60.0, help="real seconds to play (default 60)"
    )
    demo.add_argument(
        "--speed",
        type=_positive,
        help="simulated seconds per real second during the night of 10-11 November (default: "
        "the night takes 30%% of the duration); the weeks after fill the rest",
    )
    demo.add_argument(
        "--data-dir", type=Path, help="a new directory for the database and keys (default: /tmp)"
    )
    demo.add_argument(
        "--port", type=int, help="the hub's port (default COMPLAINT_HUB_PORT; 0 picks a free one)"
    )
    demo.add_argument(
        "--rate", type=_positive, default=30.0, help="complaints filed per second at the peak"
    )
    demo.add_argument("--seed", type=int, default=2026, help="seed of the random traffic")
    demo.add_argument(
        "--linger", action="store_true", help="keep serving /ops and /reports until Ctrl-C"
    )
    demo.set_defaults(handler=_demo)
