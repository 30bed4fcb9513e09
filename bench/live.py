"""Live-channel benchmark: poll N watched channels, and render a live page with 1,000 members.

    python bench/live.py [--channels 2000] [--latency-ms 20] [--rounds 3] [--threads N] [--members 1000]
    python bench/live.py --rounds 5 --renders 0 --port 9150   # polls only; the simulators on 9150 and up
    python bench/live.py --threads 1 --rounds 1 --renders 1 --profile 40   # where the job's time goes

The Aliyun simulator runs as its own process (`python -m vendors.sim`) with the added
latency, on a world with enough channels; this process is one worker: it runs the
scheduled poll job (`live.poll` for the account) against every watched channel, round
after round (after one unmeasured round: the simulator's world generates each app's hours
on first use), with the console's own thread pool and a SQLite database in a temporary
folder. The per-account rate limit is lifted so the poller itself is measured.

Prints, per poll, the CPU time of this process (every thread; user and system) against the
0.667 ms one core can spend at the target, split into fetching, storing (the CPU of the
job's own thread, which stores each batch while the other threads fetch) and choosing the
due channels, and the simulator process's CPU per request (it shares the machine); then,
last, channel polls per second
for this worker process (target: at least 1,500) with the load average after each round,
and the server time and size of a live channel page whose channel has 1,000 members
(target: under 100 ms), the full page and the htmx refresh.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from machine import cpu_of
from simulator import start_aliyun

APPS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=2000, help="watched channels polled per round")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=0, help="the simulators' first port (0: free ports)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured poll rounds first")
    parser.add_argument("--threads", type=int, help="vendor calls in flight (default: LIVE_POLL_THREADS's)")
    parser.add_argument("--members", type=int, default=1000, help="members of the channel whose page is rendered")
    parser.add_argument("--renders", type=int, default=30, help="0: no live page")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print the N functions of the poll job with most own time"
    )
    parser.add_argument("--sort", default="tottime", help="the --profile order (a pstats key: tottime, cumulative)")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="bench-live-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dashboard.settings.base",
            "DASHBOARD_VAR_DIR": str(var),
            "VENDOR_DEFAULT_REQUESTS_PER_SECOND": "1000000",
            "SYNC_ON_ACCOUNT_CHANGE": "false",
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    if args.threads:
        os.environ["LIVE_POLL_THREADS"] = str(args.threads)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from dashboard.credentials.models import VendorAccount, VendorEndpoint
    from dashboard.live import poll
    from dashboard.live.models import Channel
    from dashboard.live.poll import poll_due
    from dashboard.rtc.listing import refresh_account
    from dashboard.rtc.models import RtcApp
    from dashboard.tenancy.models import Tenant
    from vendors.sim.world import World, WorldOptions

    call_command("migrate", verbosity=0)
    channels_per_app = -(-args.channels // APPS)
    simulator, url, credentials = start_aliyun(
        *("--apps", str(APPS), "--channels", str(channels_per_app), "--users", "2000"),
        *("--sessions-per-day", "4000", "--latency-ms", str(args.latency_ms), "--port", str(args.port)),
    )
    try:
        tenant = Tenant.objects.create(name="Bench", slug="bench")
        VendorEndpoint.objects.get_or_create(vendor="aliyun", base_url=url)  # staff allow the loopback simulator
        account = VendorAccount(tenant=tenant, vendor="aliyun", label="Bench", endpoint=url)
        account.set_credentials(credentials)
        account.save()
        refresh_account(account, interactive=False)
        # The simulator's world is deterministic: the same options name the same channels here.
        world = World(WorldOptions(apps_per_vendor=APPS, channels_per_app=channels_per_app))
        apps = {app.app_id: app for app in RtcApp.objects.filter(vendor_account=account)}
        rows = [
            Channel(app=apps[spec.app_id], channel_id=channel.channel_id, watched=True)
            for spec in world.apps("aliyun")
            for channel in spec.channels
        ][: args.channels]
        Channel.objects.bulk_create(rows)
        # Storing runs in the job's own thread, beside the threads still fetching: its CPU is that
        # thread's; the rest of the job's (all threads) is fetching, and choosing the due channels
        # is what the job spends before poll_channels.
        store_cpu, store_wall, channels_cpu = [0.0], [0.0], [0.0]
        original_store, original_poll_channels = poll.store, poll.poll_channels

        def timed_store(*a: object, **kw: object) -> object:
            started, started_cpu = time.perf_counter(), time.thread_time()
            try:
                return original_store(*a, **kw)
            finally:
                store_wall[0] += time.perf_counter() - started
                store_cpu[0] += time.thread_time() - started_cpu

        def timed_poll_channels(*a: object, **kw: object) -> object:
            started_cpu = time.process_time()
            try:
                return original_poll_channels(*a, **kw)
            finally:
                channels_cpu[0] += time.process_time() - started_cpu

        poll.store, poll.poll_channels = timed_store, timed_poll_channels
        rates, loads, members_seen, job_cpu, simulator_cpu = [], [], 0, 0.0, 0.0
        user_cpu = system_cpu = 0.0
        # The CPU of the calling thread only: use --threads 1.
        profiler = cProfile.Profile(time.thread_time) if args.profile else None
        # Unmeasured: the simulator's world generates each app's hours on its first poll (a
        # vendor does not), and the first members found are all new.
        for _ in range(args.warmup):
            Channel.objects.update(last_polled_at=timezone.now() - timedelta(minutes=5))
            poll_due(account)
        store_cpu[0] = store_wall[0] = channels_cpu[0] = 0.0
        for _ in range(args.rounds):
            Channel.objects.update(last_polled_at=timezone.now() - timedelta(minutes=5))
            started, started_cpu, started_simulator = time.perf_counter(), time.process_time(), cpu_of(simulator.pid)
            started_times = os.times()
            if profiler:
                profiler.enable()
            summary = poll_due(account)
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter() - started
            job_cpu += time.process_time() - started_cpu
            user_cpu += os.times().user - started_times.user
            system_cpu += os.times().system - started_times.system
            simulator_cpu += cpu_of(simulator.pid) - started_simulator
            loads.append(os.getloadavg()[0])
            assert summary.polled == len(rows) and summary.failed == 0, summary
            rates.append(summary.polled / elapsed)
            members_seen = sum(Channel.objects.values_list("member_count", flat=True))
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)

    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)
    polled = len(rows) * args.rounds
    choosing_cpu = job_cpu - channels_cpu[0]
    fetching_cpu = channels_cpu[0] - store_cpu[0]
    print(
        f"per poll, CPU of this process: {job_cpu / polled * 1000:.3f} ms (user {user_cpu / polled * 1000:.3f}, "
        f"system {system_cpu / polled * 1000:.3f}; budget at 1,500/s on one core: 0.667 ms): "
        f"fetching {fetching_cpu / polled * 1000:.3f} ms, "
        f"storing {store_cpu[0] / polled * 1000:.3f} ms (its thread; wall {store_wall[0] / polled * 1000:.3f} ms), "
        f"choosing the due channels {choosing_cpu / polled * 1000:.3f} ms; "
        f"the simulator process {simulator_cpu / polled * 1000:.3f} ms per request"
    )
    if args.renders:
        page_ms, fragment_ms, page_kb, fragment_kb = render_live_page(tenant, apps, args.members, args.renders)
    print(
        f"channels {len(rows):,} watched over {len(apps)} apps, latency {args.latency_ms:.0f} ms, "
        f"threads {settings.LIVE_POLL_THREADS}, rounds {args.rounds}, members seen in the last round {members_seen:,}; "
        "load average (1 min) after each round: " + ", ".join(f"{load:.2f}" for load in loads)
    )
    print(
        "channel polls per second per worker process: "
        + ", ".join(f"{rate:,.0f}" for rate in rates)
        + f" (median {statistics.median(rates):,.0f}; target 1,500, ratio {statistics.median(rates) / 1500:.2f})"
    )
    if args.renders:
        print(
            f"live page, {args.members:,} members: full page p50 {page_ms[0]:.1f} ms, p95 {page_ms[1]:.1f} ms, "
            f"{page_kb:.0f} KB; htmx refresh p50 {fragment_ms[0]:.1f} ms, p95 {fragment_ms[1]:.1f} ms, "
            f"{fragment_kb:.0f} KB (target 100 ms, ratio {max(page_ms[1], fragment_ms[1]) / 100:.2f})"
        )


def render_live_page(tenant: object, apps: dict, members: int, renders: int) -> tuple:
    """A channel with `members` listed members and an hour of polls, rendered by the test client."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from dashboard.live.models import Channel, EventKind, MemberEvent, Presence, Snapshot
    from dashboard.tenancy.models import Membership, Role

    now = timezone.now()
    app = next(iter(apps.values()))
    channel = Channel.objects.create(
        app=app,
        channel_id="bench-crowd",
        watched=True,
        is_live=True,
        live_since=now - timedelta(hours=2),
        member_count=members,
        listed_count=members,
        role_counts={"interactive": min(members, 20), "viewer": max(members - 20, 0)},
        peak_members=members,
        peak_at=now,
        last_polled_at=now,
        mode="interactive_live",
    )
    Presence.objects.bulk_create(
        Presence(
            channel=channel,
            user_id=f"viewer-{n:05d}",
            role="interactive" if n < 20 else "viewer",
            first_seen_at=now - timedelta(seconds=30 * (n % 120)),
            last_seen_at=now,
        )
        for n in range(members)
    )
    Snapshot.objects.bulk_create(
        Snapshot(
            channel=channel, observed_at=now - timedelta(seconds=30 * n), total=max(members - n, 0), joined=1, left=0
        )
        for n in range(120)
    )
    MemberEvent.objects.bulk_create(
        MemberEvent(channel=channel, user_id=f"viewer-{n:05d}", kind=EventKind.JOIN, at=now - timedelta(seconds=n))
        for n in range(members)
    )
    user = get_user_model().objects.create_user("bench-admin", password="x" * 20)
    Membership.objects.create(user=user, tenant=tenant, role=Role.ADMIN)
    client = Client()
    client.force_login(user)
    url = f"/t/bench/channels/{channel.pk}/"

    from django.core.cache import cache

    def timed(**headers: str) -> tuple[tuple[float, float], float]:
        times, size = [], 0
        for _ in range(renders):
            # Every render drawn: a render stored by core/page_cache.py would measure the cache.
            cache.clear()
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            size = len(response.content)
        times.sort()
        return (statistics.median(times), times[int(len(times) * 0.95) - 1]), size / 1024

    timed()  # warm up templates and caches
    page, page_kb = timed()
    fragment, fragment_kb = timed(**{"HX-Request": "true"})
    return page, fragment, page_kb, fragment_kb


if __name__ == "__main__":
    main()
