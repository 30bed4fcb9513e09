"""Writing samples (dashboard/usage/samples.py): what is stored, whichever way it is written.
Also run on PostgreSQL (tests/scaleout/test_usage_on_postgresql.py), whose COPY paths and row
comparisons the suite's SQLite runs never reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dashboard.rtc.models import RtcApp
from dashboard.usage import samples
from dashboard.usage.models import UsageSample
from tests.dashboard.conftest import World2
from vendors.base.types import DurationBreakdown, Interval, UsageMetric, UsagePoint

HOUR = datetime(2026, 3, 1, 5, tzinfo=UTC)
FIGURES = ("metric", "interval", "timestamp", "value", "peak_time", "audio", "v360", "v720", "v1080", "content")


@pytest.fixture
def app(two_tenants: World2) -> RtcApp:
    return two_tenants.acme_manual_app


def hours(first: datetime, count: int, value: int = 1, metric: UsageMetric = UsageMetric.DURATION) -> list[UsagePoint]:
    return [UsagePoint(metric, Interval.HOUR, first + timedelta(hours=n), value * (n + 1)) for n in range(count)]


def stored(app: RtcApp) -> list[tuple]:
    return list(UsageSample.objects.filter(app=app).order_by("metric", "interval", "timestamp").values_list(*FIGURES))


def test_store_writes_what_the_orm_reads_back_and_a_bucket_twice_keeps_the_last(app) -> None:
    tiers = DurationBreakdown(audio=1, v360=2, v720=3, v1080=4, content=5, total=15)
    points = [
        UsagePoint(UsageMetric.DURATION, Interval.HOUR, HOUR, 14, None, tiers),
        UsagePoint(UsageMetric.DURATION, Interval.HOUR, HOUR + timedelta(hours=1), 7),
        UsagePoint(UsageMetric.DURATION, Interval.HOUR, HOUR, 15, None, tiers),  # the vendor said it twice
    ]
    peaks = [UsagePoint(UsageMetric.PEAK_USERS, Interval.HOUR, HOUR, 9, HOUR + timedelta(minutes=17, seconds=3))]
    with transaction.atomic():  # one window is one statistic: one call each
        assert samples.store(app, points) == 2
        assert samples.store(app, peaks) == 1
    assert stored(app) == [
        ("duration", 3600, HOUR, 15, None, 1, 2, 3, 4, 5),
        ("duration", 3600, HOUR + timedelta(hours=1), 7, None, 0, 0, 0, 0, 0),
        ("peak_users", 3600, HOUR, 9, HOUR + timedelta(minutes=17, seconds=3), 0, 0, 0, 0, 0),
    ]
    # The ORM finds the rows by the times it writes itself: the stored text is the same.
    assert UsageSample.objects.filter(app=app, timestamp=HOUR).count() == 2
    with transaction.atomic():
        samples.store(app, points)
        samples.store(app, peaks)
    assert UsageSample.objects.filter(app=app).count() == 3


def test_a_window_over_stored_buckets_overwrites_them_and_adds_the_new_ones(app) -> None:
    with transaction.atomic():
        samples.store(app, hours(HOUR, 6))  # nothing stored yet: written straight in
    with transaction.atomic():
        assert samples.store(app, hours(HOUR + timedelta(hours=4), 4, value=100)) == 4  # two stored, two new
    assert [(row[2], row[3]) for row in stored(app)] == [
        *[(HOUR + timedelta(hours=n), n + 1) for n in range(4)],
        *[(HOUR + timedelta(hours=4 + n), 100 * (n + 1)) for n in range(4)],
    ]


def test_points_of_two_series_in_one_store_keep_both_at_one_time(app) -> None:
    mixed = [*hours(HOUR, 2), *hours(HOUR, 2, value=7, metric=UsageMetric.ACTIVE_USERS)]
    with transaction.atomic():
        assert samples.store(app, mixed) == 4
    assert [(row[0], row[2], row[3]) for row in stored(app)] == [
        ("active_users", HOUR, 7),
        ("active_users", HOUR + timedelta(hours=1), 14),
        ("duration", HOUR, 1),
        ("duration", HOUR + timedelta(hours=1), 2),
    ]


def test_nothing_stored_looks_at_the_series_from_its_first_time_to_its_last(app, two_tenants) -> None:
    window = hours(HOUR, 24)
    other_app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="other", name="Other")
    with transaction.atomic():
        # Beside the window: the hours just before and after it, the same hours of another
        # statistic, of the days and of another app.
        samples.store(app, hours(HOUR - timedelta(hours=3), 3))
        samples.store(app, hours(HOUR + timedelta(hours=24), 3))
        samples.store(app, hours(HOUR, 24, metric=UsageMetric.ACTIVE_USERS))
        samples.store(app, [UsagePoint(UsageMetric.DURATION, Interval.DAY, HOUR, 5)])
        samples.store(other_app, window)
    assert samples.nothing_stored(app.pk, window)
    for inside in (HOUR, HOUR + timedelta(hours=11), HOUR + timedelta(hours=23)):
        with transaction.atomic():
            sid = transaction.savepoint()
            samples.store(app, [UsagePoint(UsageMetric.DURATION, Interval.HOUR, inside, 1)])
            assert not samples.nothing_stored(app.pk, window), inside
            transaction.savepoint_rollback(sid)
    assert not samples.nothing_stored(app.pk, [*window, *hours(HOUR, 1, metric=UsageMetric.ACTIVE_USERS)])


def test_a_series_range_reads_only_its_own_samples(app, two_tenants) -> None:
    other_app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="other", name="Other")
    with transaction.atomic():
        samples.store(app, hours(HOUR - timedelta(hours=2), 10))
        samples.store(app, hours(HOUR, 10, metric=UsageMetric.ACTIVE_USERS))
        samples.store(other_app, hours(HOUR, 10))
    last = HOUR + timedelta(hours=3)
    for last_included, count in ((True, 4), (False, 3)):
        where, params = samples.series_range(app.pk, "duration", 3600, HOUR, last, last_included=last_included)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM usage_usagesample WHERE {where} ORDER BY timestamp", params)
            assert [value for (value,) in cursor.fetchall()] == [3 + n for n in range(count)]


def test_a_series_range_is_read_through_the_unique_key_on_statistics_of_a_younger_table(app, two_tenants) -> None:
    """PostgreSQL's planner, on statistics taken when a few apps had samples, read a new app's
    days through the daily covering index in a 200-app backfill, every app's days of the range
    filtered one by one (bench/sync.py). A table this small does not make it choose so with the
    plain words too; what this holds is that the range's words bound the unique key's scan and
    leave the other indexes nothing to start from, on both databases."""
    apps = [
        RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id=f"bulk-{n}", name=f"Bulk {n}")
        for n in range(40)
    ]
    days = [UsagePoint(UsageMetric.DURATION, Interval.DAY, HOUR + timedelta(days=n), n) for n in range(60)]
    hourly = hours(HOUR, 60 * 24)
    with transaction.atomic():
        for early in apps[:3]:
            samples.store(early, days)
            samples.store(early, hourly)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE usage_usagesample")
    with transaction.atomic():
        for later in [app, *apps[3:]]:
            samples.store(later, days)
            samples.store(later, hourly)
    where, params = samples.series_range(app.pk, "duration", 86400, HOUR, HOUR + timedelta(days=30))
    with connection.cursor() as cursor:
        explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        cursor.execute(f"{explain} SELECT timestamp, value FROM usage_usagesample WHERE {where}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    key = "usage_usagesample_pkey" if connection.vendor == "postgresql" else "sqlite_autoindex_usage_usagesample"
    assert key in plan, plan
    assert "usage_daily_covering" not in plan and "usage_metric_time" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own time text")
def test_times_are_written_to_sqlite_as_django_writes_them(db, monkeypatch) -> None:
    # The texts kept per time are Django's, whatever the time's zone, and stay so when the
    # kept texts are emptied.
    monkeypatch.setattr(samples, "_TEXTS_MAX", 3)
    django_text = connection.ops.adapt_datetimefield_value
    eight = timezone.get_fixed_timezone(480)
    moments = [
        datetime(2026, 11, 18, hour, 7 * hour % 60, microsecond=1000 * hour, tzinfo=zone)
        for hour in range(24)
        for zone in (UTC, eight)
    ]
    for _ in range(2):
        text = samples.sqlite_time()
        assert [text(moment) for moment in moments] == [django_text(moment) for moment in moments]
    assert 0 < len(samples.SQLITE_TEXTS) <= 3
    samples.SQLITE_TEXTS.clear()
    text = samples.sqlite_time(kept=False)
    assert [text(moment) for moment in moments] == [django_text(moment) for moment in moments]
    assert not samples.SQLITE_TEXTS


def test_samples_of_an_app_that_does_not_exist_are_refused_whichever_way_they_are_written(app) -> None:
    """The app's foreign key: per row on SQLite, per statement on PostgreSQL (migration 0011)."""
    ghost = RtcApp(pk=app.pk + 10_000)
    mixed = [*hours(HOUR, 2), *hours(HOUR, 2, metric=UsageMetric.ACTIVE_USERS)]  # two series: the upsert
    for points in (hours(HOUR, 3), mixed):
        with pytest.raises(IntegrityError), transaction.atomic():
            samples.store(ghost, points)
            connection.check_constraints(table_names=["usage_usagesample"])  # SQLite's key is deferred
    assert not UsageSample.objects.exists()


def test_an_app_with_samples_is_not_deleted_under_them(app) -> None:
    with transaction.atomic():
        samples.store(app, hours(HOUR, 3))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM rtc_rtcapp WHERE id = %s", [app.pk])  # past Django's cascade
        connection.check_constraints(table_names=["usage_usagesample"])
    assert UsageSample.objects.filter(app=app).count() == 3
    app.delete()  # Django's cascade: the samples first
    assert not UsageSample.objects.exists()


def test_a_samples_app_or_an_apps_id_does_not_change_under_them(app) -> None:
    with transaction.atomic():
        samples.store(app, hours(HOUR, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        UsageSample.objects.filter(app=app).update(app_id=app.pk + 10_000)
        connection.check_constraints(table_names=["usage_usagesample"])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE rtc_rtcapp SET id = %s WHERE id = %s", [app.pk + 10_000, app.pk])
        connection.check_constraints(table_names=["usage_usagesample"])
    assert UsageSample.objects.filter(app=app).count() == 2


def test_sqlite_binds_each_bucket_s_own_figures_and_writes_its_series_in_the_statement() -> None:
    tiers = DurationBreakdown(audio=1, v360=2, v720=3, v1080=4, content=5, total=15)
    peak = HOUR + timedelta(minutes=9)
    points = [
        UsagePoint(UsageMetric.PEAK_USERS, Interval.HOUR, HOUR, 9, peak),
        UsagePoint(UsageMetric.DURATION, Interval.DAY, HOUR, 15, None, tiers),
        UsagePoint(UsageMetric.DURATION, Interval.DAY, HOUR + timedelta(days=1), 7),  # no tiers: zeros
        UsagePoint(UsageMetric.PEAK_USERS, Interval.HOUR, HOUR, 11, peak),  # twice: the last kept
        UsagePoint(UsageMetric.DURATION, Interval.DAY, HOUR + timedelta(days=2), 15, None, tiers),
        UsagePoint(UsageMetric.DURATION, Interval.DAY, HOUR + timedelta(days=2), 8),  # the last has none
    ]
    (peaks_sql, peaks), (duration_sql, durations) = samples.sqlite_upserts(42, points, str)
    assert "VALUES (%s, 'peak_users', 3600, %s, %s, %s, 0, 0, 0, 0, 0)" in peaks_sql
    assert peaks == [(42, str(HOUR), 11, str(peak))]
    assert "VALUES (%s, 'duration', 86400, %s, %s, %s, %s, %s, %s, %s, %s)" in duration_sql
    assert durations == [
        (42, str(HOUR), 15, None, 1, 2, 3, 4, 5),
        (42, str(HOUR + timedelta(days=1)), 7, None, 0, 0, 0, 0, 0),
        (42, str(HOUR + timedelta(days=2)), 8, None, 0, 0, 0, 0, 0),
    ]


class ForgedStatistic(NamedTuple):
    value: str


def test_sqlite_writes_nothing_but_a_statistic_s_name_into_a_statement() -> None:
    forged = ForgedStatistic("x', 0); DROP TABLE usage_usagesample; --")
    point = UsagePoint(forged, Interval.HOUR, HOUR, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a statistic"):
        samples.sqlite_upserts(42, [point], str)


def test_a_bucket_stored_with_tiers_and_written_again_without_has_none(app) -> None:
    tiers = DurationBreakdown(audio=1, v360=2, v720=3, v1080=4, content=5, total=15)
    with transaction.atomic():
        samples.store(app, [UsagePoint(UsageMetric.DURATION, Interval.HOUR, HOUR, 15, None, tiers)])
    with transaction.atomic():
        samples.store(app, [UsagePoint(UsageMetric.DURATION, Interval.HOUR, HOUR, 6)])
    assert stored(app) == [("duration", 3600, HOUR, 6, None, 0, 0, 0, 0, 0)]


def test_a_peak_s_minute_is_not_kept_where_it_would_push_out_the_bucket_times(app) -> None:
    peak = HOUR + timedelta(minutes=17, seconds=3)
    kept = samples.SQLITE_TEXTS if connection.vendor == "sqlite" else samples.POSTGRES_TEXTS
    kept.clear()
    with transaction.atomic():
        samples.store(app, [UsagePoint(UsageMetric.PEAK_USERS, Interval.HOUR, HOUR, 9, peak)])
    assert HOUR in kept and peak not in kept
    assert stored(app)[0][4] == peak
