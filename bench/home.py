"""Home page benchmark: support staff's home over 100 tenants and 2,000 apps.

    python bench/home.py [--runs 60] [--tenants 100] [--database sqlite|postgres|both]
                         [--database-url postgres://postgres@127.0.0.1:5432/rtc_bench_home]

Seeds 100 tenants (`--tenants`) with 2 vendor accounts and 20 apps each; every app has a year of daily
samples and the last week of hourly samples of all five statistics (5.3 million rows), sync
cursors, 10 polled channels (a quarter of them live), recordings (some failed, some stuck),
running pushes and audit entries. Then times, through Django's test client (middleware,
queries, templates), the staff home page, its htmx refresh, one tenant's home as its admin,
and the header's search for a user id, and prints, last, p50 and p95 milliseconds per case
and database, with the CPU time this process spent (on SQLite that includes the database's
work; the machine's load average is printed beside it). "both" (the default) runs SQLite,
then PostgreSQL (a database it creates and drops), each in its own process.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from verdict import slowest_p95

ROOT = Path(__file__).resolve().parent.parent
TENANTS = 100
ACCOUNTS_PER_TENANT = 2
APPS_PER_ACCOUNT = 10
CHANNELS_PER_APP = 10
DAYS = 366
HOURS = 7 * 24
TARGET_MS = 100  # the home page's p95, on either database
ZERO = (0, 0, 0, 0, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--tenants", type=int, default=TENANTS, help="each with 2 accounts of 10 apps")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/rtc_bench_home")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (to look into it)")
    args = parser.parse_args()
    if args.database == "both":
        lines, p95s = [], {}
        for database in ("sqlite", "postgres"):
            command = [sys.executable, __file__, "--runs", str(args.runs), "--tenants", str(args.tenants)]
            command += ["--database", database, "--database-url", args.database_url]
            output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
            print(output, end="")
            lines += [line for line in output.splitlines() if line.startswith(database) and " p50 " in line]
            p95s.update(p95_of(line) for line in lines if line.startswith(database))
        apps = args.tenants * ACCOUNTS_PER_TENANT * APPS_PER_ACCOUNT
        print(f"\nhome page, staff over {args.tenants:,} tenants and {apps:,} apps (p50 / p95):")
        print("\n".join(lines))
        print(slowest_p95(p95s, TARGET_MS))
        return
    p95s = run(args.database, args.database_url, args.runs, tenants=args.tenants, keep=args.keep)
    print(slowest_p95(p95s, TARGET_MS))


def p95_of(line: str) -> tuple[str, float]:
    """A case's name and p95 from its printed line (the other database's process printed it)."""
    name, _, rest = line.partition(" p50 ")
    return " ".join(name.split()), float(rest.split(" p95 ")[1].split()[0])


def run(database: str, database_url: str, runs: int, *, tenants: int, keep: bool = False) -> dict[str, float]:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dashboard.settings.base",
            "DASHBOARD_VAR_DIR": tempfile.mkdtemp(prefix="bench-home-"),
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    if database == "postgres":
        import psycopg

        name = database_url.rsplit("/", 1)[1]
        admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = database_url
    try:
        return measure(database, runs, tenants)
    finally:
        if database == "postgres" and not keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure(database: str, runs: int, tenants: int) -> dict[str, float]:
    """Each case's p95 in ms, by database and case, as printed."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    staff, admin, tenant_slug, user_id = seed(tenants)
    print(f"{database}: seeded in {time.perf_counter() - started:.0f} s")

    cases = [
        ("staff home", staff, "/", {}),
        ("staff home, htmx refresh", staff, "/", {"HX-Request": "true"}),
        ("a tenant's home (its admin)", admin, f"/t/{tenant_slug}/", {}),
        ("search a user id (staff)", staff, f"/search/?q={user_id}", {}),
    ]
    p95s = {}
    for name, user, url, headers in cases:
        client = Client()
        client.force_login(user)
        times, cpu = [], []
        for _ in range(runs + 3):
            begun, begun_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - begun) * 1000)
            cpu.append((time.process_time() - begun_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times, cpu = sorted(times[3:]), sorted(cpu[3:])  # the first requests load templates and warm caches
        p95 = p95s[f"{database} {name}"] = times[int(len(times) * 0.95) - 1]
        size = len(response.content) / 1024
        print(
            f"{database:8} {name:30} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
            f"(this process's CPU: p50 {statistics.median(cpu):5.1f} ms, p95 {cpu[int(len(cpu) * 0.95) - 1]:5.1f} ms)  "
            f"{size:5.1f} KB  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
    return p95s


def seed(tenant_count: int) -> tuple[object, object, str, str]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from dashboard.audit.models import AuditEntry
    from dashboard.credentials.models import VendorAccount
    from dashboard.live.models import Channel, Presence
    from dashboard.mixing.models import MixingTask
    from dashboard.recordings.models import Recording
    from dashboard.rtc.models import RtcApp
    from dashboard.tenancy.models import Membership, Tenant
    from dashboard.usage.models import Metric, SyncCursor

    rng = random.Random(16)
    now = datetime.now(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    today = hour.replace(hour=0)
    tenants = Tenant.objects.bulk_create(
        Tenant(name=f"Tenant {n:03}", slug=f"tenant-{n:03}") for n in range(tenant_count)
    )
    accounts = []
    for tenant in tenants:
        for n in range(ACCOUNTS_PER_TENANT):
            account = VendorAccount(tenant=tenant, vendor=("aliyun", "uprtc")[n], label=f"{tenant.name} {n}")
            account.set_credentials({"access_key_id": "a", "access_key_secret": "b", "app_secret": "c"})
            account.last_check_outcome = "failed" if rng.random() < 0.05 else "ok"
            account.sync_blocked = rng.random() < 0.03
            accounts.append(account)
    VendorAccount.objects.bulk_create(accounts)
    apps = RtcApp.objects.bulk_create(
        RtcApp(vendor_account=account, app_id=f"app-{account.pk}-{n}", name=f"App {account.pk}.{n}")
        for account in accounts
        for n in range(APPS_PER_ACCOUNT)
    )
    metrics = [m.value for m in Metric]
    # SQLite keeps datetimes as Django writes them (naive UTC text): each is formatted once here.
    stamp = connection.ops.adapt_datetimefield_value if connection.vendor == "sqlite" else (lambda value: value)
    series = []
    for interval, step, count, last in (
        (86400, timedelta(days=1), DAYS, today),
        (3600, timedelta(hours=1), HOURS, hour),
    ):
        starts = [last - step * n for n in range(count)]
        series.append((interval, [(stamp(at), stamp(at + step / 3)) for at in starts]))

    def samples():
        for app in apps:
            scale = rng.randint(50, 5000)
            for interval, stamps in series:
                for n, (at, peak_at) in enumerate(stamps):
                    value = scale + (n * 37) % scale
                    tiers = (value // 5,) * 4 + (value - 4 * (value // 5),)
                    for metric in metrics:
                        peak = peak_at if "peak" in metric else None
                        yield (app.pk, metric, interval, at, value, peak, *(tiers if metric == "duration" else ZERO))

    columns = [
        "app_id",
        "metric",
        "interval",
        "timestamp",
        "value",
        "peak_time",
        "audio",
        "v360",
        "v720",
        "v1080",
        "content",
    ]
    without_indexes("usage_usagesample", lambda: bulk(connection, "usage_usagesample", columns, samples()))
    SyncCursor.objects.bulk_create(
        SyncCursor(
            app=app,
            metric=metric,
            interval=interval,
            synced_until=(hour - timedelta(hours=6 if app.pk % 97 == 0 else 0)) if interval == 3600 else today,
        )
        for app in apps
        for metric in metrics
        for interval in (3600, 86400)
    )
    channels = Channel.objects.bulk_create(
        Channel(
            app=app,
            channel_id=f"room-{app.pk}-{n}",
            is_live=n < CHANNELS_PER_APP // 4,
            member_count=rng.randint(2, 40) if n < CHANNELS_PER_APP // 4 else 0,
            live_since=now - timedelta(minutes=rng.randint(1, 300)),
            last_polled_at=now - timedelta(seconds=rng.randint(0, 30)),
        )
        for app in apps
        for n in range(CHANNELS_PER_APP)
    )
    live = [channel for channel in channels if channel.is_live]
    user_id = "user-bench-7"
    Presence.objects.bulk_create(
        Presence(channel=channel, user_id=f"user-{channel.pk}-{n}", first_seen_at=now, last_seen_at=now)
        for channel in live[:2000]
        for n in range(5)
    )
    Presence.objects.create(channel=live[7], user_id=user_id, first_seen_at=now, last_seen_at=now)
    old = now - timedelta(hours=2)
    recordings = []
    for n, channel in enumerate(channels[::5]):
        state = ("finished", "finished", "finished", "recording", "failed", "starting")[n % 6]
        recordings.append(
            Recording(
                tenant_id=channel.app.vendor_account.tenant_id,
                channel=channel,
                recording_id=f"rec-{n}",
                state=state,
                file_count=0 if n % 17 == 0 else 1,
            )
        )
    Recording.objects.bulk_create(recordings)
    Recording.objects.filter(state="starting").update(progressed_at=old)
    MixingTask.objects.bulk_create(
        MixingTask(
            channel=channel,
            task_id=f"task-{n}",
            stream_url=f"rtmp://cdn/{n}",
            media_encode=2,
            task_profile="4IN_720P",
            state="running",
        )
        for n, channel in enumerate(live[::10])
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor_name="bench",
            tenant=tenants[n % tenant_count],
            tenant_name=tenants[n % tenant_count].name,
            action="live.kick",
            target=f"room-{n}",
            outcome="success",
            vendor_request_id=f"REQ-{n:06}",
        )
        for n in range(20000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    users = get_user_model()
    staff = users.objects.create_user("staff-bench", password="a-long-password-1", is_staff=True)
    admin = users.objects.create_user("admin-bench", password="a-long-password-1")
    Membership.objects.create(user=admin, tenant=tenants[0], role="admin")
    return staff, admin, tenants[0].slug, user_id


def without_indexes(table: str, load) -> None:
    """Millions of rows load faster with the table's secondary indexes built once afterwards
    (the unique key stays: rows come in its order). Every index the database holds for the
    table, by its own definition: those of the model's state and those a migration keeps
    outside it (PostgreSQL's `usage_metric_time`, usage 0013). The table ends as its
    migrations made it."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = %s AND indexdef NOT LIKE 'CREATE UNIQUE %%'",
                [table],
            )
        else:  # SQLite: an automatic index (a key's) has no definition of its own
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %%'",
                [table],
            )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        load()
    finally:  # a failed load leaves the table as its migrations made it too
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)


def bulk(connection, table: str, columns: list[str], rows) -> None:
    """COPY on PostgreSQL; on SQLite, executemany in one transaction."""
    from itertools import islice

    from django.db import transaction

    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})"
    with transaction.atomic():
        raw = connection.connection  # sqlite3's own executemany: no per-row work in Python
        raw.execute("PRAGMA cache_size = -1000000")
        while batch := list(islice(rows, 100000)):
            raw.executemany(sql, batch)


if __name__ == "__main__":
    main()
