"""The Aliyun simulator's CPU per request, in its own process, under a live poller's load.

    python bench/sim_server.py [--requests 6000] [--threads 40] [--latency-ms 20] [--action channel-users]
    python bench/sim_server.py --sim-profile 30   # where the simulator process's time goes

Starts `python -m vendors.sim` on the world bench/live.py uses (20 apps, 2,000 channels)
and sends it signed requests from this process with the project's Aliyun client (libcurl,
connections kept alive), `--threads` at a time, as the live poller does. Prints the
simulator process's CPU (user + system, every thread) per request against the 0.4 ms that
leaves it room at 1,500 requests/s plus the bench's own share of 2 cores, and the load
average; last, the requests per second.

Actions: channel-users (DescribeChannelUsers over every channel, the live poll), apps
(DescribeApps), usage (DescribeRtcUserCntData, a day by hour), all (the three in turn).
One call per app first, unmeasured: the world generates an app's hours once, on first use.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from simulator import start_aliyun

from vendors.aliyun.client import AliyunRtcClient
from vendors.base.types import Interval
from vendors.sim.world import World, WorldOptions

APPS = 20
TARGET_MS = 0.4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--threads", type=int, default=40, help="requests in flight")
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=0, help="the simulators' first port (0: free ports)")
    parser.add_argument("--action", choices=("channel-users", "apps", "usage", "all"), default="channel-users")
    parser.add_argument(
        "--sim-profile", type=int, default=0, metavar="N", help="print the simulator's N functions with most own time"
    )
    args = parser.parse_args()

    channels_per_app = -(-args.channels // APPS)
    profile = Path(tempfile.mkdtemp(prefix="bench-sim-")) / "sim.prof" if args.sim_profile else None
    simulator, url, credentials = start_aliyun(
        *("--apps", str(APPS), "--channels", str(channels_per_app), "--users", "2000"),
        *("--sessions-per-day", "4000", "--latency-ms", str(args.latency_ms), "--port", str(args.port)),
        *(("--profile", str(profile)) if profile else ()),
    )
    world = World(WorldOptions(apps_per_vendor=APPS, channels_per_app=channels_per_app))
    targets = [(spec.app_id, ch.channel_id) for spec in world.apps("aliyun") for ch in spec.channels][: args.channels]
    client = AliyunRtcClient(credentials["access_key_id"], credentials["access_key_secret"], base_url=url)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    calls: dict[str, Callable[[int], object]] = {
        "channel-users": lambda n: client.describe_channel_users(*targets[n % len(targets)]),
        "apps": lambda n: client.describe_apps(page_size=50),
        "usage": lambda n: client.describe_rtc_user_cnt_data(
            now - timedelta(days=1), now, app_id=targets[n % len(targets)][0], interval=Interval.HOUR
        ),
    }
    actions = list(calls) if args.action == "all" else [args.action]
    results = []
    try:
        for action in actions:
            call = calls[action]
            for n in range(0, len(targets), channels_per_app):
                call(n)  # one call per app: connected, and each app's hours generated before measuring
            started_cpu, started = cpu_of(simulator.pid), time.perf_counter()
            run(call, args.requests, args.threads)
            elapsed = time.perf_counter() - started
            user, system = (now - then for now, then in zip(cpu_of(simulator.pid), started_cpu, strict=True))
            per_request = [seconds / args.requests * 1000 for seconds in (user + system, user, system)]
            results.append((action, *per_request, args.requests / elapsed, os.getloadavg()[0]))
    finally:
        client.close()
        simulator.terminate()
        simulator.wait(timeout=30)

    if profile:
        import pstats

        pstats.Stats(str(profile)).sort_stats("tottime").print_stats(args.sim_profile)
    print(
        f"{args.requests:,} requests per action, {args.threads} in flight, latency {args.latency_ms:.0f} ms, "
        f"{len(targets):,} channels over {APPS} apps"
        + (" (simulator profiled: its CPU is inflated)" if profile else "")
    )
    for action, cpu_ms, user_ms, system_ms, rate, load in results:
        print(
            f"{action}: simulator CPU per request {cpu_ms:.3f} ms (user {user_ms:.3f}, system {system_ms:.3f}; "
            f"target under {TARGET_MS} ms, ratio {cpu_ms / TARGET_MS:.2f}), {rate:,.0f} requests/s, "
            f"load average (1 min) {load:.2f}"
        )


def run(call: Callable[[int], object], requests: int, threads: int) -> None:
    counter = iter(range(requests))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def worker() -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                call(n)
            except Exception as exc:
                failures.append(exc)
                return

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise failures[0]


def cpu_of(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of another process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


if __name__ == "__main__":
    main()
