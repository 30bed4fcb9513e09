"""Scale benchmark: a year of usage for 1,000 apps in 50 tenants on PostgreSQL.

    python bench/scale.py [--runs 40] [--database-url postgres://postgres@127.0.0.1:5432/perf_scale_bench]
                          [--reuse] [--keep] [--latency-ms 20] [--workers 8] [--skip-sync] [--tenants 50]

Seeds 50 tenants (`--tenants`) x 2 Aliyun accounts x 10 apps, each app with a year of hourly and daily
samples of all five statistics (about 45.8 million rows, written by PostgreSQL itself from
generate_series: no row passes through Python), each account with its account-wide peaks
(hourly and daily), sync cursors two hours behind, a price book per account, a markup on
some tenants and 10 polled channels per app (a quarter live). Then times, through Django's
test client (middleware, queries, templates): one app's report (a year by week, 30 days by
day, 7 days by hour), a tenant's report (30 days, a year), the staff overview (the last 24
hours by hour, 30 days, a year) and the staff home page; prints the database's size (tables
and indexes); and times one incremental sync run of every app (the windows since the
cursors: the last two hours plus the overlap, and today) through the Huey consumer against
the Aliyun simulator in its own process. Prints, last, p50 / p95 wall and CPU milliseconds
per page against the 150 ms target, and the slowest page's ratio.

--reuse keeps an already seeded database (seeding takes several minutes): the pages are
measured on it and the sync only moves its last hours. --keep leaves the database in place.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import Stolen
from simulator import start_aliyun
from verdict import slowest_p95

TENANTS = 50
ACCOUNTS_PER_TENANT = 2
APPS_PER_ACCOUNT = 10
CHANNELS_PER_APP = 10
DAYS = 366
TARGET_MS = 150
SIMULATOR_SEED = 7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/perf_scale_bench")
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    parser.add_argument("--keep", action="store_true", help="leave the database in place afterwards")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="the simulator's added latency")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--skip-sync", action="store_true")
    parser.add_argument("--profile", metavar="CASE", help="profile one request of the case named so instead")
    parser.add_argument("--tenants", type=int, default=TENANTS, help="each with 2 accounts of 10 apps (seeding only)")
    args = parser.parse_args()

    import psycopg

    name = args.database_url.rsplit("/", 1)[1]
    admin_url = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (args.reuse and exists):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dashboard.settings.base",
            "DASHBOARD_VAR_DIR": tempfile.mkdtemp(prefix="bench-scale-"),
            "DATABASE_URL": args.database_url,
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
            "JOB_WORKERS": str(args.workers),
            "VENDOR_DEFAULT_REQUESTS_PER_SECOND": "1000000",
            "SYNC_ON_ACCOUNT_CHANGE": "false",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dashboard.rtc.models import RtcApp
    from dashboard.tenancy.models import Tenant

    lines: list[str] = []
    try:
        if args.reuse and exists:
            print("reusing the seeded database", name)
        else:
            started = time.perf_counter()
            seed(args.tenants)
            lines.append(f"seeded in {time.perf_counter() - started:.0f} s")
        analyze_new_tables()
        # As a web process does once it has loaded the app (dashboard/wsgi.py): without it,
        # a full garbage collection over the app's own objects paused one request in ten.
        from dashboard.core.startup import settle

        settle()
        if args.profile:
            profile(args.profile)
            return
        apps, tenants = RtcApp.objects.count(), Tenant.objects.count()
        page_lines, p95s = measure_pages(args.runs)
        lines += sizes()
        if not args.skip_sync:
            lines += measure_sync(args.latency_ms, args.workers, apps)
        lines += [*page_lines, slowest_p95(p95s, TARGET_MS)]  # the pages' figures last
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print()
    print(f"{apps:,} apps in {tenants} tenants, a year of hourly and daily usage, PostgreSQL ({name})")
    print("\n".join(lines))


def simulator_app_ids(apps: int) -> list[tuple[str, str]]:
    """The Aliyun simulator's apps (id, name) for its seed: the bench's apps are those, so a sync finds them."""
    from vendors.sim import World, WorldOptions

    world = World(WorldOptions(seed=SIMULATOR_SEED, apps_per_vendor=apps))
    return [(app.app_id, app.name) for app in world.apps("aliyun")]


def seed(tenant_count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from dashboard.billing.models import Markup, PriceBook
    from dashboard.credentials.models import VendorAccount
    from dashboard.live.models import Channel
    from dashboard.rtc.models import RtcApp
    from dashboard.tenancy.models import Membership, Tenant
    from dashboard.usage import rollups

    now = datetime.now(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    today = hour.replace(hour=0)
    tenants = Tenant.objects.bulk_create(
        Tenant(name=f"Tenant {n:02}", slug=f"tenant-{n:02}") for n in range(tenant_count)
    )
    accounts = []
    for tenant in tenants:
        for n in range(ACCOUNTS_PER_TENANT):
            account = VendorAccount(tenant=tenant, vendor="aliyun", label=f"{tenant.name} account {n}")
            account.set_credentials({"access_key_id": "a", "access_key_secret": "b"})
            account.last_check_outcome = "ok"
            accounts.append(account)
    VendorAccount.objects.bulk_create(accounts)
    ids = iter(simulator_app_ids(tenant_count * ACCOUNTS_PER_TENANT * APPS_PER_ACCOUNT))
    apps = RtcApp.objects.bulk_create(
        RtcApp(vendor_account=account, app_id=app_id, name=app_name)
        for account in accounts
        for app_id, app_name in (next(ids) for _ in range(APPS_PER_ACCOUNT))
    )
    PriceBook.objects.bulk_create(
        PriceBook(
            vendor_account=account,
            currency="USD" if account.pk % 5 else "CNY",
            valid_from=(today - timedelta(days=400)).date(),
            audio=Decimal("0.0040"),
            v360=Decimal("0.0140"),
            v720=Decimal("0.0310"),
            v1080=Decimal("0.0620"),
            content=Decimal("0.0020"),
        )
        for account in accounts
    )
    PriceBook.objects.bulk_create(
        PriceBook(vendor_account=account, valid_from=(today - timedelta(days=180)).date(), currency=currency, **prices)
        for account, currency, prices in (
            (
                a,
                "USD" if a.pk % 5 else "CNY",
                dict.fromkeys(("audio", "v360", "v720", "v1080", "content"), Decimal("0.0045")),
            )
            for a in accounts[::3]
        )
    )
    Markup.objects.bulk_create(Markup(tenant=tenant, percent=Decimal("12.5")) for tenant in tenants[::4])
    channels = Channel.objects.bulk_create(
        Channel(
            app=app,
            channel_id=f"room-{app.pk}-{n}",
            is_live=n < CHANNELS_PER_APP // 4,
            member_count=(app.pk * 7 + n) % 40 + 2 if n < CHANNELS_PER_APP // 4 else 0,
            live_since=now - timedelta(minutes=(app.pk + n) % 300 + 1),
            last_polled_at=now - timedelta(seconds=(app.pk + n) % 30),
        )
        for app in apps
        for n in range(CHANNELS_PER_APP)
    )
    print(f"seeding {len(apps):,} apps, {len(channels):,} channels: usage samples (a few minutes) ...", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        samples(cursor, hour, today)
        account_peaks(cursor, hour, today)
        cursors(cursor, hour, today)
        began = time.perf_counter()
        rollups.rebuild()  # the sync keeps them; samples written here need them built once
        print(f"  roll-ups built in {time.perf_counter() - began:.0f} s", flush=True)
        cursor.execute("VACUUM (ANALYZE)")
    users = get_user_model()
    users.objects.create_user("staff-bench", password="a-long-password-1", is_staff=True)
    viewer = users.objects.create_user("viewer-bench", password="a-long-password-1")
    Membership.objects.create(user=viewer, tenant=tenants[0], role="viewer")


# Each app has its own scale; hours follow a day's curve; a day is roughly its hours' total.
# Values only need to be plausible and spread: the pages' work depends on the rows, not on them.
# Integer arithmetic on the bucket's number n: PostgreSQL writes the rows several times faster
# than with date functions per row.
VALUE = "((50 + (a.id * 7919) %% 4950) * (1 + (n * 7 + a.id) %% 24) / 12 + (a.id * 31 + n / 24) %% 97)"


def samples(cursor, hour: datetime, today: datetime) -> None:
    """Every app's year of hourly and daily samples of the five statistics, written by PostgreSQL
    itself (INSERT ... SELECT over generate_series), one block of apps per statement, with the
    table's indexes built once at the end (faster than keeping them up to date row by row)."""
    from dashboard.usage.models import UsageSample

    indexes = drop_indexes(cursor, UsageSample._meta.db_table)
    started = time.perf_counter()
    pks = [pk for (pk,) in fetch(cursor, "SELECT id FROM rtc_rtcapp ORDER BY id")]
    block = 100
    for first in range(0, len(pks), block):
        chosen = pks[first : first + block]
        for interval, step, count, last in (
            (3600, "1 hour", hours_since_first_day(hour), hour),
            (86400, "1 day", DAYS, today),
        ):
            scale = 1 if interval == 3600 else 24
            peak = f"s.t + interval '{17 if interval == 3600 else 800} minutes'"
            cursor.execute(
                f"""
                INSERT INTO usage_usagesample
                    (app_id, metric, "interval", "timestamp", value, peak_time, audio, v360, v720, v1080, content)
                SELECT a.id, m.metric, {interval}, s.t, m.value, m.peak_time, m.tier, m.tier, m.tier, m.tier, m.rest
                FROM unnest(%s::bigint[]) AS a(id)
                CROSS JOIN generate_series(0, {count - 1}) AS n
                CROSS JOIN LATERAL (
                    SELECT %s::timestamptz - interval '{step}' * ({count - 1} - n) AS t, {VALUE}::bigint * {scale} AS v
                ) AS s
                CROSS JOIN LATERAL (VALUES
                    ('duration', s.v, NULL::timestamptz, s.v / 5, s.v - 4 * (s.v / 5)),
                    ('active_users', s.v / 3 + 1, NULL, 0, 0),
                    ('active_channels', s.v / 4 + 1, NULL, 0, 0),
                    ('peak_users', s.v / 9 + 1, {peak}, 0, 0),
                    ('peak_channels', s.v / 12 + 1, {peak}, 0, 0)
                ) AS m(metric, value, peak_time, tier, rest)
                """,
                [chosen, last],
            )
        done = min(first + block, len(pks))
        print(f"  {done:,} of {len(pks):,} apps, {time.perf_counter() - started:.0f} s", flush=True)
    print("  indexes ...", flush=True)
    for sql in indexes:
        cursor.execute(sql)
    print(f"  samples done in {time.perf_counter() - started:.0f} s", flush=True)


def hours_since_first_day(hour: datetime) -> int:
    """The hourly series start on the daily ones' first day, as a backfill's do (usage.plan.backfill_start)."""
    return (DAYS - 1) * 24 + hour.hour + 1


def account_peaks(cursor, hour: datetime, today: datetime) -> None:
    """Each account's own peaks (the vendor's figure for the whole account), hourly and daily."""
    for interval, step, count, last in (
        (3600, "1 hour", hours_since_first_day(hour), hour),
        (86400, "1 day", DAYS, today),
    ):
        cursor.execute(
            f"""
            INSERT INTO usage_accountpeaksample (vendor_account_id, metric, "interval", "timestamp", value, peak_time)
            SELECT a.id, m.metric, {interval}, t, 20 + (a.id * 13 + extract(hour from t)::int * 7) %% 400,
                   t + interval '5 minutes'
            FROM credentials_vendoraccount AS a
            CROSS JOIN unnest(ARRAY['peak_users', 'peak_channels']) AS m(metric)
            CROSS JOIN generate_series(%s::timestamptz - interval '{step}' * {count - 1}, %s::timestamptz,
                                       interval '{step}') AS t
            """,
            [last, last],
        )


def cursors(cursor, hour: datetime, today: datetime) -> None:
    """Every series synced up to two hours ago (hourly) and to today (daily): an incremental run's start."""
    behind = hour - timedelta(hours=2)
    metrics = "ARRAY['duration', 'active_users', 'active_channels', 'peak_users', 'peak_channels']"
    cursor.execute(
        f"""
        INSERT INTO usage_synccursor (app_id, metric, "interval", synced_until, last_run_at, last_error)
        SELECT a.id, m.metric, i.interval, CASE WHEN i.interval = 3600 THEN %s ELSE %s END, %s, ''
        FROM rtc_rtcapp AS a CROSS JOIN unnest({metrics}) AS m(metric)
        CROSS JOIN unnest(ARRAY[3600, 86400]) AS i(interval)
        """,
        [behind, today, behind],
    )
    cursor.execute(
        """
        INSERT INTO usage_accountpeakcursor
            (vendor_account_id, metric, "interval", synced_until, last_run_at, last_error)
        SELECT a.id, m.metric, i.interval, CASE WHEN i.interval = 3600 THEN %s ELSE %s END, %s, ''
        FROM credentials_vendoraccount AS a CROSS JOIN unnest(ARRAY['peak_users', 'peak_channels']) AS m(metric)
        CROSS JOIN unnest(ARRAY[3600, 86400]) AS i(interval)
        """,
        [behind, today, behind],
    )


def drop_indexes(cursor, table: str) -> list[str]:
    """Drop the table's indexes, its key's and unique constraints' included; returns how to build them again."""
    found = fetch(
        cursor,
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes AS i
        WHERE i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
        """,
        [table],
    )
    for index_name, _ in found:
        cursor.execute(f'DROP INDEX "{index_name}"')
    constraints = fetch(
        cursor,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
        [table],
    )
    for constraint_name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint_name}"')
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, d in constraints] + [d for _, d in found]


def analyze_new_tables() -> None:
    """ANALYZE the tables PostgreSQL has no statistics of yet (those a migration filled on a
    reused database, such as the roll-ups): autovacuum would, where it runs; without them the
    planner took the year's 183,000 roll-up rows for 970 (a bitmap scan and a nested loop)."""
    from django.db import connection

    with connection.cursor() as cursor:
        tables = fetch(
            cursor,
            """
            SELECT relname FROM pg_stat_user_tables
            WHERE last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup + n_dead_tup > 0
            """,
        )
        for (table,) in tables:
            cursor.execute(f'ANALYZE "{table}"')
    if tables:
        print("analyzed", ", ".join(table for (table,) in tables))


def fetch(cursor, sql: str, params: list | None = None) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def cases() -> list[tuple[str, str, str, dict[str, str], dict[str, str]]]:
    """(name, user, url, query, headers) of every page measured."""
    from dashboard.rtc.models import RtcApp

    app = RtcApp.objects.select_related("vendor_account__tenant").order_by("pk").first()
    slug = app.vendor_account.tenant.slug
    app_url = f"/t/{slug}/accounts/{app.vendor_account_id}/apps/{app.pk}/usage/"
    htmx = {"HX-Request": "true"}
    return [
        ("app: a year by week", "viewer-bench", app_url, {"range": "12m"}, {}),
        ("app: 30 days by day", "viewer-bench", app_url, {"range": "30d"}, htmx),
        ("app: 7 days by hour", "viewer-bench", app_url, {"range": "7d", "granularity": "hour"}, htmx),
        ("tenant: 30 days by day", "viewer-bench", f"/t/{slug}/usage/", {"range": "30d"}, {}),
        ("tenant: a year by week", "viewer-bench", f"/t/{slug}/usage/", {"range": "12m"}, {}),
        ("staff overview: 24 h by hour", "staff-bench", "/usage/", {"range": "24h"}, {}),
        ("staff overview: 30 days", "staff-bench", "/usage/", {"range": "30d"}, {}),
        ("staff overview: a year", "staff-bench", "/usage/", {"range": "12m"}, {}),
        ("staff home", "staff-bench", "/", {}, {}),
    ]


def client_for(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def measure_pages(runs: int) -> tuple[list[str], dict[str, float]]:
    from django.core.cache import cache

    lines, p95s = [], {}
    for name, username, url, query, headers in cases():
        client = client_for(username)
        times, cpu = [], []
        stolen = Stolen()
        for _ in range(runs + 2):
            # Every request is drawn from the database: a render stored by core/page_cache.py
            # would measure the cache, not the queries this bench is about.
            cache.clear()
            begun, begun_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, query, headers=headers)
            times.append((time.perf_counter() - begun) * 1000)
            cpu.append((time.process_time() - begun_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times, cpu = sorted(times[2:]), sorted(cpu[2:])  # the first requests load templates
        p95, cpu95 = times[int(len(times) * 0.95) - 1], cpu[int(len(cpu) * 0.95) - 1]
        line = (
            f"{name:26} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
            f"CPU p50 {statistics.median(cpu):6.1f} ms  p95 {cpu95:6.1f} ms  "
            f"{len(response.content) / 1024:6.1f} KB  p95/target {p95 / TARGET_MS:4.2f}  "
            f"load average {os.getloadavg()[0]:.1f}, stolen {stolen.share():.0%}"
        )
        print(line, flush=True)
        lines.append(line)
        p95s[name] = p95
    return lines, p95s


def profile(case: str) -> None:
    import cProfile
    import pstats

    for name, username, url, query, headers in cases():
        if case.lower() in name.lower():
            client = client_for(username)
            client.get(url, query, headers=headers)
            profiler = cProfile.Profile()
            profiler.runcall(client.get, url, query, headers=headers)
            print(name)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def sizes() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        (database,) = fetch(cursor, "SELECT pg_database_size(current_database())")[0]
        tables = fetch(
            cursor,
            """
            SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid), c.reltuples::bigint
            FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 6
            """,
        )
    lines = [f"database size {database / 2**30:.2f} GiB"]
    for table, size, index_size, count in tables:
        lines.append(
            f"  {table:32} {count:>12,} rows  table {size / 2**20:8.0f} MiB  indexes {index_size / 2**20:8.0f} MiB"
        )
    return lines


def measure_sync(latency_ms: float, workers: int, apps: int) -> list[str]:
    """One incremental run of every series, as the 15-minute schedule does, through the consumer."""
    from huey.contrib.djhuey import HUEY

    from dashboard.credentials.models import VendorAccount, VendorEndpoint
    from dashboard.usage import tasks
    from dashboard.usage.models import AccountPeakCursor, SyncCursor

    simulator, url, credentials = start_aliyun(
        *("--seed", str(SIMULATOR_SEED), "--apps", str(apps), "--channels", "4", "--users", "200"),
        *("--sessions-per-day", "24", "--latency-ms", str(latency_ms)),
    )
    try:
        VendorEndpoint.objects.get_or_create(vendor="aliyun", base_url=url)
        for account in VendorAccount.objects.all():
            account.endpoint = url
            account.set_credentials(credentials)
            account.save(update_fields=["endpoint", "credentials_ciphertext", "secret_hints"])
        # A reused database: move its cursors back to two hours ago, as a freshly seeded one.
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        SyncCursor.objects.filter(interval=3600).update(synced_until=hour - timedelta(hours=2), chain_started_at=None)
        AccountPeakCursor.objects.filter(interval=3600).update(
            synced_until=hour - timedelta(hours=2), chain_started_at=None
        )
        HUEY.flush()
        consumer = HUEY.create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=False,
            check_worker_health=False,
            initial_delay=0.01,
            max_delay=0.05,
        )
        started, started_cpu = time.perf_counter(), time.process_time()
        planned = tasks.plan_usage.call_local()
        planning = time.perf_counter() - started
        consumer.start()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        while (
            SyncCursor.objects.filter(chain_started_at__isnull=False).exists()
            or AccountPeakCursor.objects.filter(chain_started_at__isnull=False).exists()
            or len(HUEY)
            or HUEY.pending_count()
        ):
            time.sleep(0.05)
        wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        consumer.stop(graceful=True)
        errors = SyncCursor.objects.exclude(last_error="").count()
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
    return [
        f"incremental sync of {apps:,} apps: {planned:,} series (planned in {planning:.1f} s), "
        f"wall {wall:.1f} s, CPU of this process {cpu:.1f} s, {workers} workers, simulator latency "
        f"{latency_ms:.0f} ms, series with errors {errors}, load average {os.getloadavg()[0]:.1f}"
    ]


if __name__ == "__main__":
    main()
