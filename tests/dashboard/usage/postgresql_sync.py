"""The usage sync's windows against each other on PostgreSQL: run only inside
tests/scaleout/test_usage_on_postgresql.py (not a test_ module: the suite's SQLite run, whose
single writer takes the whole database, does not collect it, and a CI run fails on a skipped test)."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import psycopg
import pytest
from django.db import connection, transaction

from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from dashboard.usage import rollups
from dashboard.usage.models import UsageSample
from tests.dashboard.usage.rollup_writes import rollup_rows, write_days

START = datetime(2026, 3, 2, tzinfo=UTC)


def _session() -> psycopg.Connection:
    assert connection.vendor == "postgresql", "run by tests/scaleout/test_usage_on_postgresql.py"
    session = psycopg.connect(**connection.get_connection_params())
    session.autocommit = True
    return session


def _waits_for_a_lock(watcher: psycopg.Connection, pids: list[int], done: threading.Event) -> tuple | None:
    """What the thread's session waits for once it waits for a lock; None when it finishes first."""
    while not done.wait(0.01):
        if pids:
            row = watcher.execute(
                "SELECT wait_event_type, wait_event, query FROM pg_stat_activity WHERE pid = %s", [pids[0]]
            ).fetchone()
            if row and row[0] == "Lock":
                return row
    return None


def _in_thread(work, done: threading.Event, pids: list[int], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])
            work()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_window_of_an_app_never_waits_for_another_window_of_the_app_to_commit(two_tenants) -> None:
    """Every window wrote the app's and the account's last sync and held both rows' locks to its
    commit, so a backfill's windows of one app (the workers take its ten series together)
    committed one at a time. A window of another series now stores everything while the first
    is still uncommitted; both figures and both last syncs are there after."""
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="two-series", name="Two series")
    holding, release, first_done, second_done = (threading.Event() for _ in range(4))
    errors: list[BaseException] = []
    first_pid: list[int] = []
    second_pid: list[int] = []

    def first_window_held_open() -> None:
        with transaction.atomic():
            write_days(app, "duration", START, 0, 3, random.Random(1))
            holding.set()
            assert release.wait(60), "the test never released the first window"

    first = _in_thread(first_window_held_open, first_done, first_pid, errors)
    second: threading.Thread | None = None
    watcher = _session()
    try:
        assert holding.wait(60) and not errors, errors
        second = _in_thread(
            lambda: write_days(app, "active_users", START, 0, 3, random.Random(2)), second_done, second_pid, errors
        )
        waited = _waits_for_a_lock(watcher, second_pid, second_done)
        assert waited is None, f"the second window waited for the first: {waited}"
        assert not first_done.is_set() and not errors, errors  # the first was still uncommitted
    finally:
        release.set()
        for thread in (first, second):
            if thread is not None:
                thread.join(60)
        watcher.close()
    assert not errors, errors
    stored = UsageSample.objects.filter(app=app, interval=86400)
    assert sorted(stored.values_list("metric", flat=True).distinct()) == ["active_users", "duration"]
    assert stored.count() == 6
    app.refresh_from_db()
    assert app.last_synced_at is not None
    assert VendorAccount.objects.get(pk=app.vendor_account_id).last_synced_at is not None


@pytest.mark.django_db(transaction=True)
def test_windows_of_one_series_write_one_at_a_time_and_the_roll_ups_stay_the_samples_sums(two_tenants) -> None:
    """Each window adds to the roll-ups the difference between the samples it replaces and its
    own: read before its writes, that difference holds only if no other window of the series
    writes in between. Two windows over the same stored day (a chain's window and a stray one
    after a timeout, say): the second waits for the first's commit at its first statement, and
    the roll-ups equal what a rebuild makes of the samples."""
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="one-series", name="One series")
    write_days(app, "duration", START, 0, 1, random.Random(3))  # a day stored: both windows upsert
    holding, release, first_done, second_done = (threading.Event() for _ in range(4))
    errors: list[BaseException] = []
    first_pid: list[int] = []
    second_pid: list[int] = []

    def first_window_held_open() -> None:
        with transaction.atomic():
            write_days(app, "duration", START, 0, 3, random.Random(4))
            holding.set()
            assert release.wait(60), "the test never released the first window"

    first = _in_thread(first_window_held_open, first_done, first_pid, errors)
    second: threading.Thread | None = None
    watcher = _session()
    try:
        assert holding.wait(60) and not errors, errors
        second = _in_thread(
            lambda: write_days(app, "duration", START, 0, 3, random.Random(5)), second_done, second_pid, errors
        )
        waited = _waits_for_a_lock(watcher, second_pid, second_done)
        assert waited is not None and waited[1] == "advisory", f"the second window did not wait first: {waited}"
    finally:
        release.set()
        for thread in (first, second):
            if thread is not None:
                thread.join(60)
        watcher.close()
    assert not errors, errors
    kept = rollup_rows()
    assert kept[0] and kept[1] and kept[2]  # the account's days, the app's month, the tenant's days
    rollups.rebuild()
    assert rollup_rows() == kept
