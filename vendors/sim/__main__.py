"""Serve every simulator on loopback until stopped.

    python -m vendors.sim [--host 127.0.0.1] [--port 0] [--seed 7] [--latency-ms 0] ...

Prints one tab-separated line per vendor: name, base URL, then the demo credentials it
accepts as key=value pairs. With --port P the vendors listen on P, P+1, ... in the order
printed; with 0 (the default) each gets a free port.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import UTC, datetime

from . import Faults, World, WorldOptions, build_simulators
from .server import SimServer
from .world import VENDORS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = WorldOptions()
    parser = argparse.ArgumentParser(prog="python -m vendors.sim", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="first port; 0 picks free ports")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--apps", type=int, default=defaults.apps_per_vendor, help="apps per vendor")
    parser.add_argument("--channels", type=int, default=defaults.channels_per_app, help="channels per app")
    parser.add_argument("--users", type=int, default=defaults.users_per_app, help="users per app")
    parser.add_argument("--sessions-per-day", type=int, default=defaults.sessions_per_day, help="per app")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 5xx")
    parser.add_argument("--throttle-rate", type=float, default=0.0, help="share of requests throttled")
    parser.add_argument("--malformed-rate", type=float, default=0.0, help="share of bodies cut short")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of connections dropped")
    parser.add_argument("--slow-rate", type=float, default=0.0, help="share of answers delayed by --slow-seconds")
    parser.add_argument("--slow-seconds", type=float, default=0.0, help="how late a slow answer comes")
    parser.add_argument(
        "--quiet-after",
        type=datetime.fromisoformat,
        help="no activity after this UTC time (ISO 8601): every run then reports the same usage",
    )
    parser.add_argument(
        "--warm-days",
        type=days_count,
        default=0,
        help="work out the usage of the last N complete days before serving (a benchmark then times the answers only)",
    )
    parser.add_argument(
        "--warm-vendor",
        action="append",
        choices=VENDORS,
        help="whose apps --warm-days works out (repeatable; default: every vendor)",
    )
    parser.add_argument("--profile", metavar="FILE", help="profile every request (cProfile); pstats to FILE on stop")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet = args.quiet_after.replace(tzinfo=args.quiet_after.tzinfo or UTC) if args.quiet_after else None
    world = World(
        WorldOptions(
            seed=args.seed,
            apps_per_vendor=args.apps,
            channels_per_app=args.channels,
            users_per_app=args.users,
            sessions_per_day=args.sessions_per_day,
        ),
        quiet_after=quiet,
    )
    if args.warm_days > 0:
        warm(world, list(dict.fromkeys(args.warm_vendor or VENDORS)), args.warm_days)  # each vendor once
    faults = Faults(
        latency=args.latency_ms / 1000,
        error_rate=args.error_rate,
        throttle_rate=args.throttle_rate,
        malformed_rate=args.malformed_rate,
        drop_rate=args.drop_rate,
        slow_rate=args.slow_rate,
        slow_seconds=args.slow_seconds,
        seed=args.seed,
    )
    servers = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        for offset, simulator in enumerate(build_simulators(world, faults)):
            port = args.port + offset if args.port else 0
            server = SimServer(simulator.handle, args.host, port, profile=bool(args.profile)).start()
            servers.append(server)
            pairs = "\t".join(f"{k}={v}" for k, v in simulator.demo_credentials().items())
            print(f"{simulator.vendor}\t{server.base_url}\t{pairs}", flush=True)
        stop.wait()
    finally:
        for server in servers:
            server.stop()
        if args.profile:
            dump_profile(servers, args.profile)
    print("simulators stopped", file=sys.stderr, flush=True)
    return 0


def days_count(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {text!r}") from None
    if days < 0:
        raise argparse.ArgumentTypeError(f"a number of days cannot be negative: {days}")
    return days


def warm(world: World, vendors: list[str], days: int) -> None:
    started = time.process_time()
    try:
        pairs = world.warm(vendors, days)
    except ValueError as error:
        raise SystemExit(f"--warm-days: {error}") from None
    print(
        f"usage worked out ahead: {pairs:,} days of apps in {time.process_time() - started:.1f} s of CPU",
        file=sys.stderr,
        flush=True,
    )


def dump_profile(servers: list[SimServer], path: str) -> None:
    """Every simulator's requests in one pstats file."""
    combined = None
    for server in servers:
        stats = server.profile_stats()
        if stats is not None and combined is None:
            combined = stats
        elif stats is not None and combined is not None:
            combined.add(stats)
    if combined is not None:
        combined.dump_stats(path)


if __name__ == "__main__":
    sys.exit(main())
