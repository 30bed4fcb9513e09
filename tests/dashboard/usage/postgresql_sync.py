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

from dashboard.rtc.models import RtcApp
from dashboard.usage import rollups
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
def test_windows_of_one_series_write_one_at_a_time_and_the_roll_ups_stay_the_samples_sums(two_tenants) -> None:
    """Each window adds to the roll-ups the difference between the samples it replaces and its
    own: read before its writes, that difference holds only if no other window of the series
    writes in between. Two windows over the same stored day (a chain's window and a stray one
    after a timeout, say): the second waits for the first's commit at its first statement (the
    app's last sync, whose row lock orders an app's windows), and the roll-ups equal what a
    rebuild makes of the samples. Without that order (an app's windows reading its row FOR KEY
    SHARE, tried on 2026-12-04 and taken back) the account's day of content minutes went to
    -932,186 here."""
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
        assert waited is not None and "rtc_rtcapp" in waited[2], f"the second window did not wait first: {waited}"
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
