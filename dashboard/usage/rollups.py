"""Roll-ups of the daily samples for the pages over many apps (the staff overview).

`AccountDayUsage` adds up an account's apps per statistic and UTC day; `AppMonthUsage` keeps an
app's sum and busiest day per statistic and UTC month. Each is recomputed from the samples it
stands for, never adjusted by a difference, so it is always their sum whatever was written
before: `refresh` after the sync writes a window (corrected buckets included), `rebuild_account`
after an app and its samples are deleted, `rebuild` for everything (the migration, imports).
An account's days are recomputed under a lock on the account's row: two windows of two of its
apps, written at once, cannot each miss the other's samples.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from vendors.base.types import Interval

from .models import TIER_FIELDS, AccountDayUsage, AppMonthUsage

DAY = int(Interval.DAY)


def refresh(app: RtcApp, metric: str, interval: int, start: datetime, end: datetime) -> None:
    """Recompute the roll-ups over the days and months a window of one series of `app` touched
    (call after its samples are written, in the same transaction)."""
    if interval != DAY:
        return
    first, last = _day(start), _day(end - timedelta(microseconds=1)) + timedelta(days=1)
    list(VendorAccount.objects.select_for_update().filter(pk=app.vendor_account_id).values_list("pk"))
    _account_days(app.vendor_account_id, first, last, metric)
    for month in _months(first, last):
        _app_month(app.pk, metric, month, next_month(month))


def rebuild_account(account_pk: int) -> None:
    """Every day of an account again, from its samples (after one of its apps was deleted)."""
    with transaction.atomic():
        if not list(VendorAccount.objects.select_for_update().filter(pk=account_pk).values_list("pk")):
            return  # deleted with it
        _account_days(account_pk, None, None, None)


def rebuild() -> None:
    """Every roll-up again, from every sample."""
    with transaction.atomic():
        AccountDayUsage.objects.all().delete()
        AppMonthUsage.objects.all().delete()
        for account_pk in VendorAccount.objects.values_list("pk", flat=True):
            _account_days(account_pk, None, None, None)
        table, q = "usage_usagesample", connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MIN({q('timestamp')}), MAX({q('timestamp')}) FROM {table} WHERE {q('interval')} = %s", [DAY]
            )
            low, high = cursor.fetchone()
        if low is None:
            return
        low, high = (aware(low), aware(high))
        for month in _months(_day(low), _day(high) + timedelta(days=1)):
            _app_month(None, None, month, next_month(month))


@receiver(post_delete, sender=RtcApp)
def app_deleted(sender: object, instance: RtcApp, **kwargs: object) -> None:
    """Its samples went with it (its own month roll-ups too): its account's days are sums without it."""
    account_pk = instance.vendor_account_id
    transaction.on_commit(lambda: rebuild_account(account_pk))


def _account_days(account_pk: int, first: datetime | None, last: datetime | None, metric: str | None) -> None:
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    where = ["a.vendor_account_id = %s", f"s.{q('interval')} = %s"]
    params: list[Any] = [account_pk, DAY]
    rollup_where = ["vendor_account_id = %s"]
    rollup_params: list[Any] = [account_pk]
    if metric is not None:
        where.append("s.metric = %s")
        params.append(metric)
        rollup_where.append("metric = %s")
        rollup_params.append(metric)
    if first is not None and last is not None:
        where.append(f"s.{q('timestamp')} >= %s AND s.{q('timestamp')} < %s")
        params += [adapt(first), adapt(last)]
        rollup_where.append("day >= %s AND day < %s")
        rollup_params += [adapt(first), adapt(last)]
    tiers = ", ".join(q(t) for t in TIER_FIELDS)
    sums = ", ".join(f"SUM(s.{q(t)})" for t in TIER_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM usage_accountdayusage WHERE {' AND '.join(rollup_where)}", rollup_params)
        cursor.execute(
            f"""
            INSERT INTO usage_accountdayusage (vendor_account_id, metric, day, value, {tiers})
            SELECT a.vendor_account_id, s.metric, s.{q("timestamp")}, SUM(s.value), {sums}
            FROM usage_usagesample AS s JOIN rtc_rtcapp AS a ON a.id = s.app_id
            WHERE {" AND ".join(where)}
            GROUP BY a.vendor_account_id, s.metric, s.{q("timestamp")}
            """,
            params,
        )


def _app_month(app_pk: int | None, metric: str | None, month: datetime, following: datetime) -> None:
    """One month of one series (or of every app and statistic: both None)."""
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    where = [f"{q('interval')} = %s", f"{q('timestamp')} >= %s", f"{q('timestamp')} < %s"]
    params: list[Any] = [DAY, adapt(month), adapt(following)]
    rollup_where = ["month = %s"]
    rollup_params: list[Any] = [adapt(month)]
    if app_pk is not None and metric is not None:
        where += ["app_id = %s", "metric = %s"]
        params += [app_pk, metric]
        rollup_where += ["app_id = %s", "metric = %s"]
        rollup_params += [app_pk, metric]
    tiers = ", ".join(q(t) for t in TIER_FIELDS)
    sums = ", ".join(f"SUM({q(t)})" for t in TIER_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM usage_appmonthusage WHERE {' AND '.join(rollup_where)}", rollup_params)
        cursor.execute(
            f"""
            INSERT INTO usage_appmonthusage (app_id, metric, month, total, busiest, {tiers})
            SELECT app_id, metric, %s, SUM(value), MAX(value), {sums}
            FROM usage_usagesample WHERE {" AND ".join(where)}
            GROUP BY app_id, metric
            """,
            [adapt(month), *params],
        )


def aware(moment: datetime | str) -> datetime:
    if isinstance(moment, str):  # SQLite's text
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time.min, UTC)


def next_month(month: datetime) -> datetime:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def whole_months(start: datetime, end: datetime) -> list[datetime]:
    """The UTC months wholly inside [start, end): the ones a reader can take from AppMonthUsage."""
    month = start if start.day == 1 and start.time() == time.min else next_month(start.replace(day=1))
    month = month.replace(hour=0, minute=0, second=0, microsecond=0)
    found = []
    while next_month(month) <= end:
        found.append(month)
        month = next_month(month)
    return found


def _months(first: datetime, last: datetime) -> Iterator[datetime]:
    """The UTC months the days from `first` up to `last` (excluded) touch."""
    month = first.replace(day=1)
    while month < last:
        yield month
        month = next_month(month)
