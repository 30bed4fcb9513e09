"""Roll-ups of the daily samples for the pages over many apps (the staff overview).

`AccountDayUsage` adds up an account's apps per statistic and UTC day; `AppMonthUsage` keeps an
app's sum and busiest day per statistic and UTC month; `TenantDayUsage` adds up a tenant's
account-days, each account's peaks its own account-wide figure where stored. Each is
recomputed from what it stands for, never adjusted by a difference, so it is always their sum
whatever was written before: `refresh` after the sync writes a window of an app (corrected
buckets included), `refresh_account_peaks` after it writes a window of an account's own peaks,
`rebuild_account` after an app and its samples are deleted, `rebuild_tenant` after an account
is, `rebuild` for everything (the migrations, imports). An account's days are recomputed under
a lock on the account's row and a tenant's under a lock on the tenant's (taken in that order):
two windows written at once, of two apps of an account or of two accounts of a tenant, cannot
each miss the other's figures.
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
from dashboard.tenancy.models import Tenant
from vendors.base.types import Interval

from .models import TIER_FIELDS, AccountDayUsage, AppMonthUsage

DAY = int(Interval.DAY)


def refresh(app: RtcApp, metric: str, interval: int, start: datetime, end: datetime) -> None:
    """Recompute the roll-ups over the days and months a window of one series of `app` touched
    (call after its samples are written, in the same transaction)."""
    if interval != DAY:
        return
    first, last = _days(start, end)
    tenant_pk = _lock_account(app.vendor_account_id)
    _account_days(app.vendor_account_id, first, last, metric)
    if tenant_pk is not None:
        _lock_tenant(tenant_pk)
        _tenant_days(tenant_pk, first, last, metric)
    for month in _months(first, last):
        _app_month(app.pk, metric, month, next_month(month))


def refresh_account_peaks(account_pk: int, metric: str, interval: int, start: datetime, end: datetime) -> None:
    """Recompute the tenant's days a window of an account's own peak series touched (call after
    its samples are written, in the same transaction)."""
    if interval != DAY:
        return
    first, last = _days(start, end)
    tenant_pk = _lock_account(account_pk)
    if tenant_pk is not None:
        _lock_tenant(tenant_pk)
        _tenant_days(tenant_pk, first, last, metric)


def rebuild_account(account_pk: int) -> None:
    """Every day of an account and of its tenant again, from its samples (after one of its apps was deleted)."""
    with transaction.atomic():
        tenant_pk = _lock_account(account_pk)
        if tenant_pk is None:
            return  # deleted with it
        _account_days(account_pk, None, None, None)
        _lock_tenant(tenant_pk)
        _tenant_days(tenant_pk, None, None, None)


def rebuild_tenant(tenant_pk: int) -> None:
    """Every day of a tenant again, from its accounts' days (after one of its accounts was deleted)."""
    with transaction.atomic():
        if _lock_tenant(tenant_pk):
            _tenant_days(tenant_pk, None, None, None)


def rebuild(*, tenants: bool = True) -> None:
    """Every roll-up again, from every sample (`tenants=False`: all but the tenants' days,
    for the migration that came before them)."""
    with transaction.atomic():
        AccountDayUsage.objects.all().delete()
        AppMonthUsage.objects.all().delete()
        for account_pk in VendorAccount.objects.values_list("pk", flat=True):
            _account_days(account_pk, None, None, None)
        if tenants:
            rebuild_tenants()
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


def rebuild_tenants() -> None:
    """Every tenant's days again, from the accounts' days (which must be up to date)."""
    with transaction.atomic():
        _tenant_days(None, None, None, None)


@receiver(post_delete, sender=RtcApp)
def app_deleted(sender: object, instance: RtcApp, **kwargs: object) -> None:
    """Its samples went with it (its own month roll-ups too): its account's and its tenant's
    days are sums without it."""
    account_pk = instance.vendor_account_id
    transaction.on_commit(lambda: rebuild_account(account_pk))


@receiver(post_delete, sender=VendorAccount)
def account_deleted(sender: object, instance: VendorAccount, **kwargs: object) -> None:
    """Its days and own peaks went with it: its tenant's days are sums without it."""
    tenant_pk = instance.tenant_id
    transaction.on_commit(lambda: rebuild_tenant(tenant_pk))


def _lock_account(account_pk: int) -> int | None:
    """Lock the account's row; its tenant, or None when the account is gone."""
    found = list(VendorAccount.objects.select_for_update().filter(pk=account_pk).values_list("tenant_id", flat=True))
    return found[0] if found else None


def _lock_tenant(tenant_pk: int) -> bool:
    return bool(list(Tenant.objects.select_for_update().filter(pk=tenant_pk).values_list("pk", flat=True)))


def _tenant_days(tenant_pk: int | None, first: datetime | None, last: datetime | None, metric: str | None) -> None:
    """A tenant's days (or every tenant's: None) from its accounts' days, as reports.combine_peaks
    combines them for a report of all its apps: per day, each account with stored days counts
    its own account-wide peak where stored for the day, else the sum of its apps' peaks."""
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    where: list[str] = []
    params: list[Any] = []
    rollup_where: list[str] = []
    rollup_params: list[Any] = []
    if tenant_pk is not None:
        where.append("v.tenant_id = %s")
        params.append(tenant_pk)
        rollup_where.append("tenant_id = %s")
        rollup_params.append(tenant_pk)
    if metric is not None:
        where.append("d.metric = %s")
        params.append(metric)
        rollup_where.append("metric = %s")
        rollup_params.append(metric)
    if first is not None and last is not None:
        where.append("d.day >= %s AND d.day < %s")
        params += [adapt(first), adapt(last)]
        rollup_where.append("day >= %s AND day < %s")
        rollup_params += [adapt(first), adapt(last)]
    tiers = ", ".join(q(t) for t in TIER_FIELDS)
    sums = ", ".join(f"SUM(d.{q(t)})" for t in TIER_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM usage_tenantdayusage WHERE {' AND '.join(rollup_where) or '1 = 1'}", rollup_params)
        cursor.execute(
            f"""
            INSERT INTO usage_tenantdayusage (tenant_id, metric, day, value, {tiers})
            SELECT v.tenant_id, d.metric, d.day, SUM(COALESCE(o.value, d.value)), {sums}
            FROM usage_accountdayusage AS d
            JOIN credentials_vendoraccount AS v ON v.id = d.vendor_account_id
            LEFT JOIN usage_accountpeaksample AS o ON o.vendor_account_id = d.vendor_account_id
                AND o.{q("interval")} = %s AND o.{q("timestamp")} = d.day AND o.metric = d.metric
            WHERE {" AND ".join(where) or "1 = 1"}
            GROUP BY v.tenant_id, d.metric, d.day
            """,
            [DAY, *params],
        )


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


def _days(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The UTC days [first, last) a window [start, end) touches."""
    return _day(start), _day(end - timedelta(microseconds=1)) + timedelta(days=1)


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
