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
from dashboard.usage.models import UsageSample
from tests.dashboard.usage.rollup_writes import write_days

START = datetime(2026, 3, 2, tzinfo=UTC)


def _session() -> psycopg.Connection:
    assert connection.vendor == "postgresql", "run by tests/scaleout/test_usage_on_postgresql.py"
    session = psycopg.connect(**connection.get_connection_params())
    session.autocommit = True
    return session


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
        waited = None
        while not second_done.wait(0.01):
            if second_pid:
                row = watcher.execute(
                    "SELECT wait_event_type, wait_event, query FROM pg_stat_activity WHERE pid = %s", [second_pid[0]]
                ).fetchone()
                if row and row[0] == "Lock":
                    waited = row
                    break
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
