"""The staff overview's figures of every tenant and every app, worked out by the database.

The figures are those `reports.figures()` gives for each one's own report of the range (the
same buckets: hours, or the vendor's UTC days that weeks and months are made of), without
bringing every bucket of every app into Python: minutes are summed, and each count or peak is
the busiest bucket's (the busiest week's or month's is its busiest day's, as `roll_up` makes
them). A tenant's bucket adds its apps' figures, its peaks combined per account as
`reports.combine_peaks` does for a report covering every app of the account: the vendor's own
account-wide figure where stored for the bucket, else the sum of the account's apps' peaks.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import F, Max, Q, QuerySet, Sum

from vendors.base.types import Interval

from .models import PEAK_METRICS, TIER_FIELDS, AppMonthUsage, Metric, UsageSample
from .reports import Filters, window

DAY = int(Interval.DAY)
COUNTED = [Metric.ACTIVE_USERS, Metric.ACTIVE_CHANNELS, *PEAK_METRICS]


def by_app(filters: Filters) -> dict[int, dict[str, int]]:
    """Each app's figures over the range, for every app with stored buckets in it. Whole UTC
    months of days come from the apps' month roll-ups, the days around them from the samples."""
    interval, start, end = window(filters)
    months = _whole_months(start, end) if interval == DAY else []
    # Every statistic named: the (metric, interval, timestamp) index reads only the range.
    samples = UsageSample.objects.filter(
        metric__in=[m.value for m in Metric], interval=interval, timestamp__gte=start, timestamp__lt=end
    )
    if months:
        samples = samples.exclude(timestamp__gte=months[0], timestamp__lt=_next_month(months[-1]))
    minutes = sum((F(tier) for tier in TIER_FIELDS[1:]), F(TIER_FIELDS[0]))
    parts: list[QuerySet[Any, Any]] = [
        samples.values("app").annotate(
            duration=Sum(minutes, filter=Q(metric=Metric.DURATION)),
            **{str(metric): Max("value", filter=Q(metric=metric)) for metric in COUNTED},
        )
    ]
    if months:
        parts.append(
            AppMonthUsage.objects.filter(month__gte=months[0], month__lte=months[-1])
            .values("app")
            .annotate(
                duration=Sum(minutes, filter=Q(metric=Metric.DURATION)),
                **{str(metric): Max("busiest", filter=Q(metric=metric)) for metric in COUNTED},
            )
        )
    found: dict[int, dict[str, int]] = {}
    for part in parts:
        for typed in part.order_by():
            row: dict[str, Any] = dict(typed)
            figures = found.setdefault(row.pop("app"), dict.fromkeys(["duration", *COUNTED], 0))
            figures["duration"] += row.pop("duration") or 0
            for metric, value in row.items():
                figures[metric] = max(figures[metric], value or 0)
    return found


def by_tenant(filters: Filters) -> dict[int, dict[str, int]]:
    """Each tenant's figures over the range (its report's), for every tenant with stored buckets in it."""
    interval, start, end = window(filters)
    adapt = connection.ops.adapt_datetimefield_value
    q = connection.ops.quote_name
    summed = ", ".join(f"SUM(s.{q(t)}) AS {q(t)}" for t in TIER_FIELDS)
    added = ", ".join(f"SUM(p.{q(t)}) AS {q(t)}" for t in TIER_FIELDS)
    minutes = " + ".join(f"b.{q(t)}" for t in TIER_FIELDS)
    busiest = ", ".join(f"MAX(CASE WHEN b.metric = '{metric.value}' THEN b.value END)" for metric in COUNTED)
    # The days of every account's apps added up: kept by the sync (rollups.py) for days.
    per_account = f"""
        SELECT vendor_account_id AS account, metric, day AS moment, value, {", ".join(q(t) for t in TIER_FIELDS)}
        FROM usage_accountdayusage WHERE day >= %s AND day < %s
    """
    if interval != DAY:
        per_account = f"""
            SELECT a.vendor_account_id AS account, s.metric AS metric, s.{q("timestamp")} AS moment,
                   SUM(s.value) AS value, {summed}
            FROM usage_usagesample AS s JOIN rtc_rtcapp AS a ON a.id = s.app_id
            WHERE s.metric IN ({", ".join(f"'{m.value}'" for m in Metric)})
                AND s.{q("interval")} = {interval} AND s.{q("timestamp")} >= %s AND s.{q("timestamp")} < %s
            GROUP BY a.vendor_account_id, s.metric, s.{q("timestamp")}
        """
    sql = f"""
        WITH per_account AS ({per_account}), per_tenant AS (
            SELECT v.tenant_id AS tenant, p.metric AS metric, p.moment AS moment,
                   SUM(COALESCE(o.value, p.value)) AS value, {added}
            FROM per_account AS p JOIN credentials_vendoraccount AS v ON v.id = p.account
            LEFT JOIN usage_accountpeaksample AS o ON o.vendor_account_id = p.account AND o.metric = p.metric
                AND o.{q("interval")} = %s AND o.{q("timestamp")} = p.moment
            GROUP BY v.tenant_id, p.metric, p.moment
        )
        SELECT b.tenant, SUM(CASE WHEN b.metric = '{Metric.DURATION.value}' THEN {minutes} END), {busiest}
        FROM per_tenant AS b GROUP BY b.tenant
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(start), adapt(end), interval])
        rows = cursor.fetchall()
    return {tenant: _figures(values) for tenant, *values in rows}


def _figures(values: list[Any]) -> dict[str, int]:
    duration, *counts = values
    found = {"duration": int(duration or 0)}
    found |= {str(metric): int(value or 0) for metric, value in zip(COUNTED, counts, strict=True)}
    return found


def _whole_months(start: datetime, end: datetime) -> list[datetime]:
    """The UTC months wholly inside [start, end)."""
    month = start if start.day == 1 and start.time() == time.min else _next_month(start.replace(day=1))
    month = month.replace(hour=0, minute=0, second=0, microsecond=0)
    found = []
    while _next_month(month) <= end:
        found.append(month)
        month = _next_month(month)
    return found


def _next_month(month: datetime) -> datetime:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)
