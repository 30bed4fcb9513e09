"""Migrations of the samples' table that each database runs by hand (Django does not migrate a
table to a composite key): the samples survive both ways, and the table ends as it began."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from dashboard.rtc.models import RtcApp
from dashboard.usage import samples
from dashboard.usage.models import AccountPeakSample, UsageSample
from tests.dashboard.usage.test_samples import HOUR, hours
from vendors.base.types import Interval, UsageMetric, UsagePoint

BEFORE = [("usage", "0013_metric_time_index_postgresql_only")]
AFTER = [("usage", "0015_hours_before_the_first_day_dropped")]
SAMPLE_FIGURES = ("app_id", "metric", "interval", "timestamp", "value", "peak_time", "audio", "content")


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _schema() -> list[tuple]:
    """The samples' table as the database holds it: its definition, indexes, keys and triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'usage_usagesample' ORDER BY name"
            )
            return cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'usage_usagesample' "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'usage_usagesample'::regclass "
            "UNION ALL SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid IN ('usage_usagesample'::regclass, 'rtc_rtcapp'::regclass) AND NOT tgisinternal "
            "ORDER BY 1"
        )
        return cursor.fetchall()


def _stored(table_has_id: bool) -> list[tuple]:
    columns = ", ".join(f'"{c}"' for c in SAMPLE_FIGURES)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {columns} FROM usage_usagesample ORDER BY "app_id", "metric", "timestamp"')
        rows = cursor.fetchall()
        cursor.execute("SELECT * FROM usage_usagesample LIMIT 1")
        names = [column[0] for column in cursor.description]
    assert ("id" in names) is table_has_id, names
    return rows


@pytest.mark.django_db(transaction=True)
def test_the_samples_keep_their_figures_as_the_bucket_becomes_the_key_and_back(two_tenants) -> None:
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="kept", name="Kept")
    with transaction.atomic():
        samples.store(app, [*hours(HOUR, 30), *hours(HOUR, 5, metric=UsageMetric.ACTIVE_USERS)])
    stored = _stored(table_has_id=False)
    assert len(stored) == 35
    schema = _schema()
    # What the migrations made it (the test database is built by them too, so say it here).
    expected = {"usage_daily_covering"} | (
        {"usage_usagesample_pkey", "usage_metric_time", "usage_sample_app_inserted", "rtc_app_samples_gone"}
        if connection.vendor == "postgresql"
        else {"sqlite_autoindex_usage_usagesample_1"}
    )
    assert expected <= {row[1] if connection.vendor == "sqlite" else row[0] for row in schema}, schema
    try:
        _migrate(BEFORE)
        assert _stored(table_has_id=True) == stored
        with connection.cursor() as cursor:  # a new bucket gets an id of its own
            cursor.execute(
                "INSERT INTO usage_usagesample (app_id, metric, interval, timestamp, value, audio, v360, v720, "
                "v1080, content) SELECT app_id, 'active_channels', interval, timestamp, 1, 0, 0, 0, 0, 0 "
                "FROM usage_usagesample LIMIT 1"
            )
            cursor.execute("SELECT COUNT(DISTINCT id), COUNT(*) FROM usage_usagesample")
            assert cursor.fetchone() == (36, 36)
            cursor.execute("DELETE FROM usage_usagesample WHERE metric = 'active_channels'")
        # The old table's key: a sample per bucket.
        with connection.cursor() as cursor, pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "INSERT INTO usage_usagesample (app_id, metric, interval, timestamp, value, audio, v360, v720, "
                "v1080, content) SELECT app_id, metric, interval, timestamp, 1, 0, 0, 0, 0, 0 "
                "FROM usage_usagesample LIMIT 1"
            )
    finally:
        _migrate(AFTER)
    assert _stored(table_has_id=False) == stored
    assert _schema() == schema  # indexes, keys and (PostgreSQL) the app's triggers as before
    with pytest.raises(IntegrityError), transaction.atomic():  # the bucket is the key
        UsageSample.objects.create(**{**UsageSample.objects.values(*SAMPLE_FIGURES).first(), "value": 1})
    changed = UsageSample.objects.filter(app=app).first()
    UsageSample.objects.filter(pk=changed.pk).update(value=changed.value + 7)
    assert UsageSample.objects.get(pk=changed.pk).value == changed.value + 7
    app.delete()  # Django's cascade through the key's first column
    assert not UsageSample.objects.exists()


def test_hours_stored_before_their_series_first_day_are_dropped(two_tenants) -> None:
    """What backfills left before plan.backfill_start: the first day's last hours without that day."""
    first_day = datetime(2026, 3, 2, tzinfo=UTC)
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="old-backfill", name="Old")
    other = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="hours-only", name="Hours")
    duration, users = UsageMetric.DURATION, UsageMetric.ACTIVE_USERS
    with transaction.atomic():
        samples.store(app, hours(first_day - timedelta(hours=7), 31))  # 7 hours the day before, 24 on the day
        samples.store(app, [UsagePoint(duration, Interval.DAY, first_day + timedelta(days=n), 9) for n in range(2)])
        samples.store(app, hours(first_day - timedelta(hours=3), 3, metric=users))  # its days start later
        samples.store(app, [UsagePoint(users, Interval.DAY, first_day + timedelta(days=1), 4)])
        samples.store(other, hours(first_day - timedelta(hours=7), 7))  # no day yet: its backfill is running
    account = two_tenants.acme_account
    for hour in range(-5, 3):
        AccountPeakSample.objects.create(
            vendor_account=account,
            metric="peak_users",
            interval=3600,
            timestamp=first_day + timedelta(hours=hour),
            value=2,
        )
    AccountPeakSample.objects.create(
        vendor_account=account, metric="peak_users", interval=86400, timestamp=first_day, value=3
    )

    migration = importlib.import_module("dashboard.usage.migrations.0015_hours_before_the_first_day_dropped")
    migration.drop_hours_before_first_day(apps, None)

    def first_hour(**series) -> datetime:
        return UsageSample.objects.filter(interval=3600, **series).order_by("timestamp")[0].timestamp

    assert first_hour(app=app, metric=duration.value) == first_day
    assert UsageSample.objects.filter(app=app, metric=duration.value, interval=3600).count() == 24
    assert UsageSample.objects.filter(app=app, metric=users.value, interval=3600).count() == 0
    assert UsageSample.objects.filter(app=app, interval=86400).count() == 3
    assert UsageSample.objects.filter(app=other).count() == 7
    peaks = AccountPeakSample.objects.filter(vendor_account=account, interval=3600).order_by("timestamp")
    assert [peak.timestamp for peak in peaks] == [first_day + timedelta(hours=hour) for hour in range(3)]
    assert AccountPeakSample.objects.filter(vendor_account=account, interval=86400).count() == 1
