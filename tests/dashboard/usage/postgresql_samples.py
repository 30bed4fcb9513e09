"""PostgreSQL's checks of the samples' app (migrations usage 0011, 0012) against other sessions:
run only inside tests/scaleout/test_usage_on_postgresql.py, on PostgreSQL (not a test_ module:
the suite's SQLite run does not collect it, and a CI run fails on a skipped test)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection

from dashboard.rtc.models import RtcApp
from dashboard.usage.models import UsageSample
from tests.dashboard.usage.test_samples import HOUR


def _session() -> psycopg.Connection:
    assert connection.vendor == "postgresql", "run by tests/scaleout/test_usage_on_postgresql.py"
    return psycopg.connect(**connection.get_connection_params())


def _waits_for_a_lock(watcher, pid: int) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = watcher.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
        if found and found[0] == "Lock":
            return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_an_app_deleted_while_a_window_stores_its_samples_waits_and_is_refused(two_tenants) -> None:
    """The statement's lock of the app's row (the foreign key's, once per statement): without
    it the deletion would not see the uncommitted samples and leave them without their app."""
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="racing", name="Racing")
    writer, deleter, watcher = _session(), _session(), _session()
    watcher.autocommit = True
    try:
        writer.execute(
            "INSERT INTO usage_usagesample (app_id, metric, interval, timestamp, value, audio, v360, v720, v1080,"
            " content) VALUES (%s, 'duration', 3600, %s, 1, 0, 0, 0, 0, 0)",
            [app.pk, HOUR],
        )
        outcome: dict = {}

        def delete() -> None:
            try:
                deleter.execute("DELETE FROM rtc_rtcapp WHERE id = %s", [app.pk])
                deleter.commit()
                outcome["deleted"] = True
            except Exception as error:
                deleter.rollback()
                outcome["error"] = error

        thread = threading.Thread(target=delete)
        thread.start()
        assert _waits_for_a_lock(watcher, deleter.info.backend_pid), "the deletion did not wait for the window"
        writer.commit()
        thread.join(30)
        assert "samples of the app remain" in str(outcome.get("error")), outcome
    finally:
        for session in (writer, deleter, watcher):
            session.close()
    assert RtcApp.objects.filter(pk=app.pk).exists() and UsageSample.objects.filter(app=app).count() == 1


@pytest.mark.django_db(transaction=True)
def test_apps_are_not_deleted_from_a_snapshot_older_than_the_samples(two_tenants) -> None:
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="snapshot", name="Snapshot")
    session = _session()
    try:
        session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        with pytest.raises(Exception, match="READ COMMITTED transactions only"):
            session.execute("DELETE FROM rtc_rtcapp WHERE id = %s", [app.pk])
        session.rollback()
    finally:
        session.close()
    assert RtcApp.objects.filter(pk=app.pk).exists()
