"""Load benchmark: the running console (gunicorn, PostgreSQL) under locust.

    python bench/load/run.py [--users 40,80,120,160] [--seconds 30] [--web-workers 3] [--web-threads 1]
        [--database-url postgres://...] [--cache-redis-url redis://127.0.0.1:6379/14] [--port N] [--people 1]

Creates a PostgreSQL database (`--database-url`, default postgres://postgres@127.0.0.1/rtc_load),
seeds a tenant with a year of usage for 10 apps and a live channel of 300 members, starts
gunicorn on loopback with that database, and drives it with locust (headless) over the pages
people hit most: the tenant's accounts, a usage report and its htmx refresh, a live channel
page and its periodic htmx refresh. Prints, per step of concurrent users, requests per
second, failures, and p50/p95/p99 latency; then the highest rate whose p95 stays under the
150 ms target. Locust, gunicorn and PostgreSQL share this machine's cores; each step prints the
CPU seconds gunicorn (master and workers) and locust used, and the load average.

The console runs with the cache the issue asked for: Redis (`--cache-redis-url`, db 14 by
default, emptied first; `--cache-redis-url ""` runs on each process's own memory), which also
holds the sessions (cached_db). Locust is FastHttpUser (bench/load/locustfile.py).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TARGET_P95_MS = 150
TARGET_RATE = 150  # page views per second (issue 18)


def run(cmd: list[str], env: dict[str, str], **kw: object) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True, **kw)


def seed(env: dict[str, str], password: str, people: int) -> tuple[str, str, str]:
    out = run(
        [sys.executable, "bench/load/seed.py"], {**env, "LOAD_PASSWORD": password, "LOAD_PEOPLE": str(people)}
    ).stdout
    account_pk, channel_pk, session = out.strip().splitlines()[-1].split()
    return account_pk, channel_pk, session


def wait_until_up(url: str, timeout: float = 120) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children still running (gunicorn's workers)."""
    import psutil

    total = 0.0
    parent = psutil.Process(pid)
    for process in [parent, *parent.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def step(users: int, seconds: int, host: str, env: dict[str, str], folder: Path, web_pid: int) -> dict[str, Any]:
    prefix = folder / f"users{users}"
    web_before, locust_before = cpu_seconds(web_pid), children_cpu()
    subprocess.run(
        [
            *(sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"), "--headless"),
            *("--host", host, "--users", str(users), "--spawn-rate", str(max(1, users // 2))),
            *("--run-time", f"{seconds}s", "--csv", str(prefix), "--only-summary"),
        ],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    web_cpu, locust_cpu = cpu_seconds(web_pid) - web_before, children_cpu() - locust_before
    load = os.getloadavg()[0]
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    return {
        "users": users,
        "rps": float(total["Requests/s"]),
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "p50": number(total["50%"]),
        "p95": number(total["95%"]),
        "p99": number(total["99%"]),
        "web_cpu": web_cpu,
        "locust_cpu": locust_cpu,
        "load": load,
        "by_page": {
            name: (number(row["95%"]), float(row["Requests/s"])) for name, row in rows.items() if name != "Aggregated"
        },
    }


def number(text: str) -> float:
    """A locust figure; "N/A" (no request finished in the step) is NaN."""
    return float("nan") if text == "N/A" else float(text)


def per_request(row: dict[str, Any], cpu: str) -> float:
    return 1000 * row[cpu] / max(row["requests"], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="40,80,120,160", help="concurrent users per step")
    parser.add_argument("--seconds", type=int, default=30, help="length of each step")
    # On two cores shared with locust and PostgreSQL, 3 single-threaded workers did best.
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--web-threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/rtc_load")
    parser.add_argument("--cache-redis-url", default="redis://127.0.0.1:6379/14", help='the cache; "": per process')
    parser.add_argument(
        "--people", type=int, default=1, help="staff users the browsers belong to, in turn (1: all one person's)"
    )
    parser.add_argument("--port", type=int, default=8700 + os.getpid() % 200, help="gunicorn's port on loopback")
    args = parser.parse_args()

    import psycopg

    name = args.database_url.rsplit("/", 1)[1]
    admin_url = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = secrets.token_urlsafe(16)
    var = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings.base",
        "DATABASE_URL": args.database_url,
        "DASHBOARD_VAR_DIR": str(var),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "AXES_FAILURE_LIMIT": "1000",
        "CACHE_REDIS_URL": args.cache_redis_url,
        # Nothing else of the console's on Redis: the bench uses the one database it empties.
        "JOBS_REDIS_URL": "",
        "RATE_LIMIT_STORAGE_URL": "memory://",
    }
    if args.cache_redis_url:
        import redis

        redis.Redis.from_url(args.cache_redis_url).flushdb()  # no render from an earlier run
    run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], env)
    account_pk, channel_pk, session = seed(env, password, args.people)
    port = args.port
    host = f"http://127.0.0.1:{port}"
    web = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "dashboard.wsgi:application", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(args.web_workers), "--threads", str(args.web_threads), "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    results = []
    try:
        wait_until_up(host)
        locust_env = {**env, "LOAD_ACCOUNT": account_pk, "LOAD_CHANNEL": channel_pk, "LOAD_SESSION": session}
        step(5, 10, host, locust_env, var, web.pid)  # warm-up: every worker loads its code and templates
        for users in [int(n) for n in args.users.split(",")]:
            results.append(step(users, args.seconds, host, locust_env, var, web.pid))
    finally:
        web.terminate()
        web.wait(timeout=20)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(
        f"gunicorn {args.web_workers} workers x {args.web_threads} threads, PostgreSQL, "
        f"cache {'Redis' if args.cache_redis_url else 'per process'}, {os.cpu_count()} CPU cores shared with locust "
        f"(FastHttpUser), {args.seconds} s per step, browsers of {args.people} staff user(s)"
    )
    for row in results:
        print(
            f"{row['users']:>4} users: {row['rps']:7.1f} req/s, {row['requests']:>6} requests, "
            f"{row['failures']} failures, p50 {row['p50']:.0f} ms, p95 {row['p95']:.0f} ms, p99 {row['p99']:.0f} ms; "
            f"CPU gunicorn {row['web_cpu'] / args.seconds:.2f} cores ({per_request(row, 'web_cpu'):.1f} ms a request), "
            f"locust {row['locust_cpu'] / args.seconds:.2f} ({per_request(row, 'locust_cpu'):.1f} ms); "
            f"load average {row['load']:.1f}"
        )
        for page, (p95, rps) in sorted(row["by_page"].items()):
            print(f"        {page:<24} p95 {p95:5.0f} ms  {rps:6.1f} req/s")
    within = [row for row in results if row["p95"] < TARGET_P95_MS and row["failures"] == 0]
    if within:
        best = max(within, key=lambda row: row["rps"])
        print(
            f"highest rate with p95 under {TARGET_P95_MS} ms and no errors: {best['rps']:.1f} req/s "
            f"at {best['users']} users (p95 {best['p95']:.0f} ms, ratio {best['p95'] / TARGET_P95_MS:.2f}; "
            f"rate {best['rps'] / TARGET_RATE:.2f}x the {TARGET_RATE} req/s target; load average {best['load']:.1f})"
        )
    else:
        fastest = min(results, key=lambda row: row["p95"])
        print(
            f"no step kept p95 under {TARGET_P95_MS} ms without errors: the lowest p95 {fastest['p95']:.0f} ms at "
            f"{fastest['users']} users, {fastest['failures']} failures (ratio {fastest['p95'] / TARGET_P95_MS:.2f} "
            f"of the p95 target; no rate counts against the {TARGET_RATE} req/s target)"
        )


if __name__ == "__main__":
    main()
