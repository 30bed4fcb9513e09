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

from typing import Any

from django.db import connection
from django.db.models import F, Max, Q, Sum

from .models import PEAK_METRICS, TIER_FIELDS, Metric, UsageSample
from .reports import Filters, window

COUNTED = [Metric.ACTIVE_USERS, Metric.ACTIVE_CHANNELS, *PEAK_METRICS]


def by_app(filters: Filters) -> dict[int, dict[str, int]]:
    """Each app's figures over the range, for every app with stored buckets in it."""
    interval, start, end = window(filters)
    minutes = sum((F(tier) for tier in TIER_FIELDS[1:]), F(TIER_FIELDS[0]))
    rows = (
        UsageSample.objects.filter(interval=interval, timestamp__gte=start, timestamp__lt=end)
        .values("app")
        .annotate(
            duration=Sum(minutes, filter=Q(metric=Metric.DURATION)),
            **{str(metric): Max("value", filter=Q(metric=metric)) for metric in COUNTED},
        )
        .order_by()
    )
    found: dict[int, dict[str, int]] = {}
    for typed in rows:
        row: dict[str, Any] = dict(typed)
        found[row.pop("app")] = {key: value or 0 for key, value in row.items()}
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
    sql = f"""
        WITH per_account AS (
            SELECT a.vendor_account_id AS account, s.metric AS metric, s.{q("timestamp")} AS moment,
                   SUM(s.value) AS value, {summed}
            FROM usage_usagesample AS s JOIN rtc_rtcapp AS a ON a.id = s.app_id
            WHERE s.{q("interval")} = %s AND s.{q("timestamp")} >= %s AND s.{q("timestamp")} < %s
            GROUP BY a.vendor_account_id, s.metric, s.{q("timestamp")}
        ), per_tenant AS (
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
        cursor.execute(sql, [interval, adapt(start), adapt(end), interval])
        rows = cursor.fetchall()
    return {tenant: _figures(values) for tenant, *values in rows}


def _figures(values: list[Any]) -> dict[str, int]:
    duration, *counts = values
    found = {"duration": int(duration or 0)}
    found |= {str(metric): int(value or 0) for metric, value in zip(COUNTED, counts, strict=True)}
    return found
