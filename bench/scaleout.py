"""Scale-out benchmark: one account's backfill by 2, then by 4 worker processes on PostgreSQL and Redis.

    python bench/scaleout.py [--runs 3] [--latency-ms 100]

The cluster of the scale-out tests (tests/scaleout/cluster.py): the Aliyun simulator in its
own process with the added latency, `run_huey` worker processes of one thread each, the
planner run as the scheduler runs it, in a database of its own that is dropped at the end.
Needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379; SCALEOUT_REDIS_DBS="15,15"
picks the Redis databases (default 13 and 14; they are flushed).

The tests prove the workers fetch concurrently by counts (requests in flight at the
simulator, windows per worker); how much faster four are than two is this figure. Prints
requests per second (first to last arrival at the simulator) and the workers' CPU seconds
per request for each worker count, the median over runs, the load average, and, last, the
4-to-2 speed ratio (target: 1.6 or more; 2.0 would be perfect scaling, reached only when the
latency, not the CPU, bounds the workers).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The cluster reads the job queue's name from the console's settings, as the workers do.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings.base")

from tests.scaleout.cluster import PG_ADMIN, Cluster, servers_missing  # noqa: E402

COUNTS = (2, 4)
TARGET_RATIO = 1.6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each worker count, alternating")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    if reason := servers_missing():
        raise SystemExit(reason)
    import psycopg

    name = f"rtc_bench_scaleout_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    cluster = Cluster(database=name, var_dir=Path(tempfile.mkdtemp(prefix="bench-scaleout-")))
    rates: dict[int, list[float]] = {count: [] for count in COUNTS}
    cpu: dict[int, list[float]] = {count: [] for count in COUNTS}
    try:
        cluster.manage("migrate", "--verbosity", "0")
        for run in range(args.runs):
            for workers in COUNTS:
                result = cluster.backfill(workers, latency_ms=args.latency_ms)
                arrivals = result["arrivals"]
                rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
                rates[workers].append(rate)
                cpu[workers].append(result["workers_cpu"] / result["requests"])
                print(
                    f"run {run + 1}, {workers} workers: {result['requests']} requests, {rate:.1f}/s, "
                    f"{cpu[workers][-1] * 1000:.0f} ms worker CPU per request, "
                    f"at most {result['most_in_flight']} in flight, load average {load()}",
                    flush=True,
                )
    finally:
        cluster.stop_workers()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(f"\nscale-out, {args.runs} runs each, {args.latency_ms:.0f} ms simulator latency (medians):")
    for workers in COUNTS:
        print(
            f"  {workers} workers: {statistics.median(rates[workers]):.1f} requests/s, "
            f"{statistics.median(cpu[workers]) * 1000:.0f} ms worker CPU per request"
        )
    print(f"  load average {load()}")
    ratio = statistics.median(rates[4]) / statistics.median(rates[2])
    print(
        f"  4 workers / 2 workers: {ratio:.2f}x the speed (target {TARGET_RATIO}x or more, ratio "
        f"{ratio / TARGET_RATIO:.2f}; 2.0x is perfect)"
    )


def load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


if __name__ == "__main__":
    main()
