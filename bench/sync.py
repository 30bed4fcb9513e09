"""Backfill benchmark: N apps x D days x every statistic x both granularities, through the job engine.

    python bench/sync.py [--apps 200] [--days 90] [--latency-ms 50] [--workers 8] [--sessions-per-day 24]
                         [--worker-type thread|process] [--database-url ...] [--jobs-redis-url ...]

The Aliyun simulator runs as its own process (`python -m vendors.sim`) with the added
latency, its usage of the backfilled days worked out before it serves (--cold-simulator: as
it is asked, inside the timed run); the console's Huey consumer runs here against a SQLite
queue and database in a temporary folder (or PostgreSQL and Redis), its workers threads of
this process, as the console deploys them, or (--worker-type process) Huey's worker processes
forked from it. The per-account rate limit is lifted so the engine itself is measured.
Prints the run's settings, the rows written, the CPU of this process (and its workers), the
simulator and the local servers, the cores' busy and stolen time and rows written per second,
then, last, the two ratios: requests
issued (counted by the simulator) against the minimum possible (every app's series and the
account's own peak series, each in windows of the vendor's span), and wall time against the
lower bound (minimum requests / workers x latency; target 1.5).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from machine import cpu_of, machine_cpu, servers_cpu
from simulator import start_aliyun


def create_database(url: str) -> None:
    """The PostgreSQL database of the run, made if it is not there yet (it is emptied anyway)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--worker-type",
        choices=("thread", "process"),
        default="thread",
        help="the consumer's workers: threads of this process (as deployed), or processes forked from it",
    )
    parser.add_argument("--sessions-per-day", type=int, default=24, help="per app; the simulator's work, not ours")
    parser.add_argument(
        "--database-url", default="", help="e.g. postgres://postgres@127.0.0.1:5432/bench (default: SQLite)"
    )
    parser.add_argument("--jobs-redis-url", default="", help="e.g. redis://127.0.0.1:6379/15 (default: SQLite queue)")
    parser.add_argument("--profile", default="", help="write a cProfile of every worker thread, merged, to this file")
    parser.add_argument(
        "--profile-clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: each thread's own CPU time (where the CPU goes); wall: includes waiting on locks and the network",
    )
    parser.add_argument(
        "--cold-simulator",
        action="store_true",
        help="let the simulator make each day's usage when first asked, inside the timed run (as before 2026-12-02)",
    )
    parser.add_argument("--port", type=int, default=0, help="the simulator's first port (default: free ports)")
    parser.add_argument("--keep", action="store_true", help="leave the run's SQLite files in place (printed)")
    args = parser.parse_args()
    if args.profile and args.worker_type != "thread":
        parser.error("--profile profiles the threads of this process: use --worker-type thread")

    var = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dashboard.settings.base",
            "DASHBOARD_VAR_DIR": str(var),
            "JOB_WORKERS": str(args.workers),
            "USAGE_BACKFILL_DAYS": str(args.days),
            "VENDOR_DEFAULT_REQUESTS_PER_SECOND": "1000000",
            "SYNC_ON_ACCOUNT_CHANGE": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        create_database(args.database_url)
    if args.jobs_redis_url:
        os.environ["JOBS_REDIS_URL"] = args.jobs_redis_url
    import django

    django.setup()
    import httpx
    from django.core.management import call_command
    from django.db import connections
    from huey.contrib.djhuey import HUEY

    from dashboard.credentials.models import VendorAccount, VendorEndpoint
    from dashboard.rtc.models import RtcApp
    from dashboard.tenancy.models import Tenant
    from dashboard.usage import tasks
    from dashboard.usage.models import PEAK_METRICS, AccountPeakCursor, SyncCursor, UsageSample
    from dashboard.usage.plan import INTERVALS, minimum_requests, series

    call_command("flush", interactive=False, verbosity=0) if args.database_url else None
    call_command("migrate", verbosity=0)
    simulator, url, credentials = start_aliyun(
        *("--apps", str(args.apps), "--channels", "4", "--users", "500"),
        *("--sessions-per-day", str(args.sessions_per_day), "--latency-ms", str(args.latency_ms)),
        *("--port", str(args.port)),
        # A vendor's statistics exist before the backfill asks for them: the simulator works
        # its days out before it serves (about 1 ms of CPU an app-day, printed), so the run
        # times its answers and not the making of its synthetic world.
        *(() if args.cold_simulator else ("--warm-days", str(args.days + 1), "--warm-vendor", "aliyun")),
    )
    try:
        tenant = Tenant.objects.create(name="Bench", slug="bench")
        VendorEndpoint.objects.get_or_create(vendor="aliyun", base_url=url)  # staff allow the loopback simulator
        account = VendorAccount(tenant=tenant, vendor="aliyun", label="Bench", endpoint=url)
        account.set_credentials(credentials)
        account.save()
        with open(os.devnull, "w") as quiet:
            call_command("sync_apps", verbosity=0, stdout=quiet)
        apps = RtcApp.objects.count()
        assert apps == args.apps, f"listed {apps} apps, expected {args.apps}"

        # Counted where they arrive, whichever process sends them; listing the apps came before.
        traffic = f"{url}/__sim__/stats"
        httpx.post(traffic).raise_for_status()

        span = account.info.limits.max_usage_span_days
        # Every app's statistics by hour and by day, and the account's own peaks (Aliyun answers
        # for a whole account too: dashboard/usage/account_sync.py) by hour and by day.
        every_series = apps * len(list(series())) + len(PEAK_METRICS) * len(INTERVALS)
        minimum = every_series * minimum_requests(args.days, timedelta(days=span))
        bound = minimum / args.workers * args.latency_ms / 1000

        profiles = profile_threads(args.profile_clock) if args.profile else []
        HUEY.flush()
        consumer = HUEY.create_consumer(
            workers=args.workers,
            worker_type=args.worker_type,
            periodic=False,
            check_worker_health=False,
            initial_delay=0.01,
            max_delay=0.05,
        )
        started = time.perf_counter()
        cpu_started = process_cpu()
        simulator_cpu_started = cpu_of(simulator.pid)
        servers_cpu_started = servers_cpu()
        machine_started = machine_cpu()
        planned = tasks.plan_usage.call_local()  # plans and enqueues every series' first window
        assert planned == every_series, f"planned {planned} series, the minimum counts {every_series}"
        if args.worker_type == "process":
            connections.close_all()  # forked workers open their own
        consumer.start()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        running = (SyncCursor, AccountPeakCursor)  # the apps' series and the account's own
        while (
            any(model.objects.filter(chain_started_at__isnull=False).exists() for model in running)
            or len(HUEY)
            or HUEY.pending_count()
        ):
            time.sleep(0.2)  # the check itself costs CPU the workers need; 0.2 s is under 1% of the bound
        wall = time.perf_counter() - started
        requests = httpx.get(traffic).json()["requests"]
        simulator_cpu = cpu_of(simulator.pid) - simulator_cpu_started
        machine_busy, machine_stolen = (now - then for now, then in zip(machine_cpu(), machine_started, strict=True))
        servers = {name: used - servers_cpu_started.get(name, 0.0) for name, used in servers_cpu().items()}
        load = os.getloadavg()
        consumer.stop(graceful=True)  # waits for worker processes: their CPU is counted once they end
        # Before the simulator, also a child, is waited for (finally): its CPU is counted apart.
        cpu = process_cpu() - cpu_started
        if profiles:
            import pstats

            pstats.Stats(*profiles).dump_stats(args.profile)
        rows = UsageSample.objects.count()
        # hours from the first day's midnight to this hour, as usage.plan.backfill_start
        expected_rows = apps * 5 * ((args.days - 1) * 24 + time.gmtime().tm_hour + 1 + args.days)
    finally:
        simulator.terminate()
        try:
            simulator.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a busy machine: do not lose the figures to it
            simulator.kill()
            simulator.wait()
        if args.keep:
            print(f"the run's files: {var}")
        else:
            shutil.rmtree(var, ignore_errors=True)  # a run's SQLite files: 450 MB at 200 apps x 90 days

    print(
        f"apps {apps}, days {args.days}, latency {args.latency_ms:.0f} ms, workers {args.workers}, "
        f"{args.worker_type} workers, series {planned}, database {'PostgreSQL' if args.database_url else 'SQLite'}, "
        f"queue {'Redis' if args.jobs_redis_url else 'SQLite'}"
    )
    whose = "this process and its workers" if args.worker_type == "process" else "this process"
    print(f"rows written: {rows:,} (a full backfill has about {expected_rows:,})")
    print(
        f"CPU: {whose} {cpu:.1f} s ({cpu / max(rows, 1) * 1e6:.1f} us per row), "
        f"simulator {simulator_cpu:.1f} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    if args.database_url or args.jobs_redis_url:
        print(
            "CPU of the local servers (all their processes, other databases' work included): "
            + ", ".join(f"{name} {used:.1f} s" for name, used in servers.items() if used)
        )
    print(
        f"the machine's {os.cpu_count()} cores: busy {machine_busy:.1f} of {(os.cpu_count() or 1) * wall:.1f} "
        f"core-seconds, {machine_stolen:.1f} more taken by the hypervisor (steal)"
    )
    print(f"rows per second: {rows / wall:,.0f}")
    print(f"requests issued: {requests:,}, minimum possible: {minimum:,}, ratio {requests / minimum:.3f}")
    print(f"wall time: {wall:.1f} s, lower bound {bound:.1f} s, ratio {wall / bound:.2f} (target 1.5)")


def profile_threads(clock: str = "cpu") -> list:
    """Every thread started from now on runs under its own profiler (cProfile sees one thread)."""
    import cProfile

    timer = time.thread_time if clock == "cpu" else time.perf_counter

    profiles = []
    run = threading.Thread.run

    def profiled(thread: threading.Thread) -> None:
        profile = cProfile.Profile(timer)
        profiles.append(profile)
        profile.enable()
        try:
            run(thread)
        finally:
            profile.disable()

    threading.Thread.run = profiled  # type: ignore[method-assign]
    return profiles


def process_cpu() -> float:
    """This process's CPU and that of its children which have ended (forked workers, once stopped)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


if __name__ == "__main__":
    main()
