"""Run by test_rollups.py in a process of its own against PostgreSQL: threads write daily
and hourly windows at once (three apps of one account, an app of another account of the tenant), while
another recomputes the first account's days and writes its own peaks, and another deletes one
of the first account's apps midway through its windows. Prints, as JSON, the
errors, whether the roll-ups equal what a rebuild makes of the samples, and how often a
writer holding its uncommitted roll-up changes saw another transaction wait for it."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import OperationalError, connection
from django.utils import timezone

from dashboard.credentials.models import VendorAccount, VendorEndpoint
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Tenant
from dashboard.usage import rollups
from dashboard.usage.models import TenantDayUsage, UsageSample
from tests.dashboard.usage.rollup_writes import rollup_rows, write_days, write_hours, write_own_peaks

START = datetime(2026, 1, 20, tzinfo=UTC)  # the days cross a month
DAYS = 24
HOURS = 24
# Hours the accounts' hours keep (rollups.HOURS_KEPT), an hour in: a run crossing an hour keeps them.
HOURS_START = rollups.hours_kept_since(timezone.now()) + timedelta(hours=1)
WINDOWS = 12  # per metric and writer
HOLD_SECONDS = 2.0  # how long the first writer keeps its changes uncommitted, at most, for a waiter
OVERLAPS = 2  # until another writer's upsert has waited for it this many times


def main() -> None:
    rollups.rebuild()  # what earlier tests left on the shared database, made consistent
    tenant, _ = Tenant.objects.get_or_create(slug="rollups-pg", defaults={"name": "Roll-ups PG"})
    first, second = (account(tenant, label) for label in ("First", "Second"))
    one, two, doomed = (RtcApp.objects.create(vendor_account=first, app_id=f"pg-app-{n}") for n in (1, 2, 4))
    three = RtcApp.objects.create(vendor_account=second, app_id="pg-app-3")
    write_own_peaks(first, START, 0, 8, random.Random(0))  # some days of own peaks before any app's
    errors: list[str] = []
    waits: dict[str, int] = {}
    barrier = threading.Barrier(6)
    threads = [
        threading.Thread(target=guarded(errors, barrier, lambda: windows(doomed, 4))),
        threading.Thread(target=guarded(errors, barrier, lambda: deletes(doomed))),
        threading.Thread(target=guarded(errors, barrier, lambda: windows(one, 1)), name="first"),
        threading.Thread(target=guarded(errors, barrier, lambda: windows(two, 2)), name="second"),
        threading.Thread(target=guarded(errors, barrier, lambda: windows(three, 3))),
        threading.Thread(target=guarded(errors, barrier, lambda: recomputes(first))),
    ]
    original = rollups._add

    def holding(model: type, *args: object, **kwargs: bool) -> dict:
        added = original(model, *args, **kwargs)  # type: ignore[arg-type]
        if model is TenantDayUsage and threading.current_thread().name == "first" and waits.get(DAY_ROWS, 0) < OVERLAPS:
            for kind in waiters(HOLD_SECONDS):
                waits[kind] = waits.get(kind, 0) + 1
        return added

    rollups._add = holding  # type: ignore[assignment]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rollups._add = original  # type: ignore[assignment]
    kept = rollup_rows()
    rollups.rebuild()
    print(
        json.dumps(
            {
                "errors": errors,
                "equal": rollup_rows() == kept,
                "account_days": len(kept[0]),
                "account_hours": len(kept[4]),
                "tenant_days": len(kept[2]),
                "tenant_months": len(kept[3]),
                "waits": waits,
                "deadlocks": DEADLOCKS,
                "deleted_app_rows": UsageSample.objects.filter(app_id=doomed.pk).count(),
            }
        )
    )


def account(tenant: Tenant, label: str) -> VendorAccount:
    VendorEndpoint.objects.get_or_create(vendor="aliyun", base_url="http://127.0.0.1:9")
    found = VendorAccount(tenant=tenant, vendor="aliyun", label=label, endpoint="http://127.0.0.1:9")
    found.set_credentials({"access_key_id": f"key-{label}", "access_key_secret": "secret"})
    found.save()
    return found


def guarded(errors: list[str], barrier: threading.Barrier, work: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        barrier.wait()
        try:
            work()
        except Exception as error:  # a deadlock, a unique violation: the test shows it
            errors.append(f"{threading.current_thread().name}: {error!r}")
        finally:
            connection.close()

    return run


DEADLOCKS: list[str] = []


def retried(work: Callable[[], None]) -> None:
    """One transaction, tried again when PostgreSQL ends it as a deadlock's victim, as the job
    running it would be (Huey's retries), so the figures are still checked after one. The
    deadlocks are counted and printed: the test allows none (the row locks recomputes took
    before advisory locks met some, 2026-12-01/02: see usage/rollups.py); any other error
    fails it too."""
    for attempt in range(5):
        try:
            work()
            return
        except OperationalError as error:
            if "deadlock detected" not in str(error) or attempt == 4:
                raise
            DEADLOCKS.append(threading.current_thread().name)


def windows(app: RtcApp, seed: int) -> None:
    """Windows over overlapping days, and over overlapping hours, each written again and again
    with other figures."""
    rng = random.Random(seed)
    for _ in range(WINDOWS):
        for writer, start, count in ((write_days, START, DAYS), (write_hours, HOURS_START, HOURS)):
            low = rng.randrange(count - 1)
            high = rng.randrange(low + 1, count + 1)
            for metric in ("duration", "peak_users"):
                state = rng.getstate()

                def write(
                    metric: str = metric,
                    state: object = state,
                    low: int = low,
                    high: int = high,
                    writer: Callable = writer,
                    start: datetime = start,
                ) -> None:
                    rng.setstate(state)  # a retry writes the same figures
                    writer(app, metric, start, low, high, rng)

                retried(write)


def deletes(app: RtcApp) -> None:
    """The app deleted while its windows are written (its roll-ups recomputed after the commit)."""
    time.sleep(0.3)
    retried(lambda: RtcApp.objects.filter(pk=app.pk).delete())


def recomputes(account: VendorAccount) -> None:
    rng = random.Random(4)
    for low in (4, 10, 16):
        time.sleep(0.05)
        retried(lambda: rollups.rebuild_account(account.pk))
        state = rng.getstate()

        def peaks(low: int = low, state: object = state) -> None:
            rng.setstate(state)
            write_own_peaks(account, START, low, low + 6, rng)

        retried(peaks)


def waiters(seconds: float) -> list[str]:
    """What the transactions waiting for this one's locks run, once another writer's upsert of
    roll-up days is among them (polled for `seconds` at most, then whatever waits): such an
    upsert, or a recompute's lock."""
    deadline = time.monotonic() + seconds
    found: list[str] = []
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and DAY_ROWS not in found:
            time.sleep(0.01)
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is read once per transaction
            cursor.execute("SELECT query FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
            found = [kind(query) for (query,) in cursor.fetchall()]
    return found


DAY_ROWS = "day_rows"


def kind(query: str) -> str:
    if query.startswith("INSERT INTO") and "dayusage" in query:
        return DAY_ROWS
    return "recompute" if "pg_advisory_xact_lock(" in query else "other"
