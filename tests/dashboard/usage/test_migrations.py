"""Migrations of the samples' table that each database runs by hand (Django does not migrate a
table to a composite key): the samples survive both ways, and the table ends as it began; and
the roll-up a migration builds from the samples stored (the accounts' hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from dashboard.rtc.models import RtcApp
from dashboard.usage import rollups, samples
from dashboard.usage.models import AccountHourUsage, AccountPeakSample, UsageSample
from tests.dashboard.usage.test_samples import HOUR, hours
from vendors.base.types import Interval, UsageMetric, UsagePoint

BEFORE = [("usage", "0013_metric_time_index_postgresql_only")]
SAMPLE_FIGURES = ("app_id", "metric", "interval", "timestamp", "value", "peak_time", "audio", "content")


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _migrate_to_latest() -> None:
    """Every migration of the app: the tests after these find every table as they expect."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("usage"))


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
        _migrate_to_latest()
    assert _stored(table_has_id=False) == stored
    assert _schema() == schema  # indexes, keys and (PostgreSQL) the app's triggers as before
    with pytest.raises(IntegrityError), transaction.atomic():  # the bucket is the key
        UsageSample.objects.create(**{**UsageSample.objects.values(*SAMPLE_FIGURES).first(), "value": 1})
    changed = UsageSample.objects.filter(app=app).first()
    UsageSample.objects.filter(pk=changed.pk).update(value=changed.value + 7)
    assert UsageSample.objects.get(pk=changed.pk).value == changed.value + 7
    app.delete()  # Django's cascade through the key's first column
    assert not UsageSample.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_hours_of_a_day_cut_short_before_a_series_first_day_are_dropped(two_tenants) -> None:
    """What backfills left before plan.backfill_start: the last hours of the day before the
    series' first day. Whole days of hours, and hours more than a day before it, are kept."""
    first_day = datetime(2026, 3, 2, tzinfo=UTC)
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="old-backfill", name="Old")
    other = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="hours-only", name="Hours")
    duration, users, channels = UsageMetric.DURATION, UsageMetric.ACTIVE_USERS, UsageMetric.ACTIVE_CHANNELS

    def days(metric: UsageMetric, first: datetime) -> list[UsagePoint]:
        return [UsagePoint(metric, Interval.DAY, first + timedelta(days=n), 9) for n in range(2)]

    with transaction.atomic():
        samples.store(app, [*hours(first_day - timedelta(hours=7), 31), *days(duration, first_day)])  # cut short
        # its days start two days later (a daily chain that failed): kept
        samples.store(app, [*hours(first_day - timedelta(hours=3), 3, metric=users), *days(users, first_day)[1:]])
        # a whole day of hours before its first day: kept
        samples.store(app, [*hours(first_day - timedelta(days=1), 24, metric=channels), *days(channels, first_day)])
        samples.store(other, hours(first_day - timedelta(hours=7), 7))  # no day yet: its backfill is running
    account = two_tenants.acme_account

    def peaks(metric: str, first_hour: int, last_hour: int) -> list[AccountPeakSample]:
        """Hours from `first_hour` to `last_hour` (relative to the first day) and the first day."""
        moments = [(3600, first_day + timedelta(hours=hour)) for hour in range(first_hour, last_hour)]
        return [
            AccountPeakSample(vendor_account=account, metric=metric, interval=interval, timestamp=at, value=2)
            for interval, at in [*moments, (86400, first_day)]
        ]

    # cut short (5 hours of the day before), and a whole day of hours before its first day: kept
    AccountPeakSample.objects.bulk_create([*peaks("peak_users", -5, 3), *peaks("peak_channels", -24, 0)])
    before = {row[:4]: row for row in _stored(table_has_id=False)}

    _migrate([("usage", "0014_sample_bucket_is_the_key")])  # its reverse: nothing
    _migrate_to_latest()

    after = {row[:4]: row for row in _stored(table_has_id=False)}
    dropped = sorted(key[3].replace(tzinfo=None) for key in before.keys() - after.keys())  # SQLite's are naive
    assert dropped == [(first_day - timedelta(hours=hour)).replace(tzinfo=None) for hour in range(7, 0, -1)]
    assert all(key[0] == app.pk and key[1] == duration.value for key in before.keys() - after.keys())
    assert all(after[key] == before[key] for key in after)  # the rest as they were
    peaks = AccountPeakSample.objects.filter(vendor_account=account, interval=3600).order_by("timestamp")
    assert [peak.timestamp for peak in peaks.filter(metric="peak_users")] == [
        first_day + timedelta(hours=hour) for hour in range(3)
    ]
    assert peaks.filter(metric="peak_channels").count() == 24
    assert AccountPeakSample.objects.filter(vendor_account=account, interval=86400).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_accounts_hours_are_built_from_the_hourly_samples_stored(two_tenants) -> None:
    """Migration 0016 adds the accounts' hours of the samples already stored, for the hours kept."""
    one = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="one", name="One")
    two = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="two", name="Two")
    with time_machine.travel(timezone.now().replace(minute=30), tick=True):
        kept_since = rollups.hours_kept_since(timezone.now())
        try:
            _migrate([("usage", "0015_hours_before_the_first_day_dropped")])
            with transaction.atomic():
                samples.store(one, hours(kept_since - timedelta(hours=3), 10))  # 3 hours older than those kept
                samples.store(two, hours(kept_since + timedelta(hours=2), 4, value=5))
        finally:
            _migrate_to_latest()
    built = dict(AccountHourUsage.objects.values_list("hour", "value"))
    assert set(AccountHourUsage.objects.values_list("vendor_account", "metric").distinct()) == {
        (two_tenants.acme_account.pk, "duration")
    }
    # Hours kept_since + n: the first app's (n + 4), and from n = 2 the second's 5 * (n - 1).
    assert built == {kept_since + timedelta(hours=n): n + 4 + (5 * (n - 1) if 2 <= n < 6 else 0) for n in range(7)}
