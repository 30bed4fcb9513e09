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

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from vendors.base.types import Interval

from . import rollups
from .models import PEAK_METRICS, TIER_FIELDS, AppMonthUsage, Metric, UsageSample
from .reports import Filters, names_every_app, raw_rows, window

DAY = int(Interval.DAY)
COUNTED = [Metric.ACTIVE_USERS, Metric.ACTIVE_CHANNELS, *PEAK_METRICS]


def top_apps(filters: Filters, by: str, count: int, known: dict[int, int] | None = None) -> tuple[list[int], int]:
    """The `count` apps with the highest `by` figure ("duration" or a peak) over the range (ties
    by pk), and how many apps have stored buckets of the minutes or the peaks in it. Only the
    `by` figure is worked out for every app: a third of the rows of all three. `known`: that
    figure of every app with buckets of it in the range, where already read (by_app's)."""
    ranked = [] if by == Metric.DURATION else [Metric(by)]
    if known is None:
        every = {pk: figures[by] for pk, figures in by_app(filters, counted=ranked).items()}
    else:
        every = dict(known)
    interval, start, end = window(filters)
    others = [m.value for m in PEAK_METRICS if m not in ranked]
    if RtcApp.objects.count() > len(every):
        # An app with stored peaks but no `by` figure in the range counts too (with 0): one probe
        # of the samples' key per such app.
        stored = UsageSample.objects.filter(
            app=OuterRef("pk"), metric__in=others, interval=interval, timestamp__gte=start, timestamp__lt=end
        )
        idle = RtcApp.objects.exclude(pk__in=list(every)).filter(Exists(stored)).values_list("pk", flat=True)
        every |= dict.fromkeys(idle, 0)
    return sorted(every, key=lambda pk: (-every[pk], pk))[:count], len(every)


def by_app(
    filters: Filters, *, counted: Sequence[Metric] = tuple(COUNTED), apps: list[int] | None = None
) -> dict[int, dict[str, int]]:
    """Each app's figures over the range (of `apps`, or of every app), for every app with stored
    buckets in it: the minutes ("duration") and the `counted` statistics, no other (each one
    left out is a fifth fewer rows read). Whole UTC months of days come from the apps' month
    roll-ups, the days around them from the samples."""
    interval, start, end = window(filters)
    months = rollups.whole_months(start, end) if interval == DAY else []
    chosen = [] if apps is None else [Q(app__in=apps)]
    named = chosen or ([Q(app__in=RtcApp.objects.values("pk"))] if names_every_app() else [])
    # Every statistic named: PostgreSQL's (metric, interval, timestamp) index reads only the
    # range; SQLite, without it, each app's range through the unique key (names_every_app).
    samples = UsageSample.objects.filter(
        *named,
        metric__in=[Metric.DURATION.value, *(m.value for m in counted)],
        interval=interval,
        timestamp__gte=start,
        timestamp__lt=end,
    )
    if months:
        samples = samples.exclude(timestamp__gte=months[0], timestamp__lt=rollups.next_month(months[-1]))
    minutes = sum((F(tier) for tier in TIER_FIELDS[1:]), F(TIER_FIELDS[0]))
    names = ["duration", *map(str, counted)]
    parts: list[QuerySet[Any, Any]] = [
        samples.values("app")
        .annotate(
            duration=Cast(Sum(minutes, filter=Q(metric=Metric.DURATION)), BigIntegerField()),
            **{str(metric): Max("value", filter=Q(metric=metric)) for metric in counted},
        )
        .values_list("app", *names)
    ]
    if months:
        parts.append(
            AppMonthUsage.objects.filter(
                *chosen,
                metric__in=[Metric.DURATION.value, *(m.value for m in counted)],
                month__gte=months[0],
                month__lte=months[-1],
            )
            .values("app")
            .annotate(
                duration=Cast(Sum(minutes, filter=Q(metric=Metric.DURATION)), BigIntegerField()),
                **{str(metric): Max("busiest", filter=Q(metric=metric)) for metric in counted},
            )
            .values_list("app", *names)
        )
    # Read as the database sends them (integers): Django's converters and a dict per row cost
    # more CPU than the query for a thousand apps.
    found: dict[int, list[int]] = {}
    for part in parts:
        for app, duration, *peaks in raw_rows(part):
            figures = found.get(app)
            if figures is None:
                found[app] = [duration or 0, *(peak or 0 for peak in peaks)]
                continue
            figures[0] += duration or 0
            for index, peak in enumerate(peaks, 1):
                if peak is not None and peak > figures[index]:
                    figures[index] = peak
    return {app: dict(zip(names, figures, strict=True)) for app, figures in found.items()}


def by_tenant(filters: Filters, *, counted: Sequence[Metric] = tuple(COUNTED)) -> dict[int, dict[str, int]]:
    """Each tenant's figures over the range (its report's), for every tenant with stored buckets
    of the minutes or the `counted` statistics in it: those figures (the others stay 0; a tenant
    missing is a tenant at 0).

    Days come from the tenants' roll-ups (rollups.py): whole UTC months from their months, the
    days around them from their days, which hold each tenant's day as its report combines it;
    hours from the accounts' hours or the samples, see `_by_tenant_hours`."""
    interval, start, end = window(filters)
    if interval != DAY:
        return _by_tenant_hours(interval, start, end, counted)
    adapt = connection.ops.adapt_datetimefield_value
    q = connection.ops.quote_name
    minutes = " + ".join(q(t) for t in TIER_FIELDS)
    metrics = [Metric.DURATION, *counted]
    chosen = f"metric IN ({', '.join(['%s'] * len(metrics))})"
    names = [m.value for m in metrics]
    months = rollups.whole_months(start, end)
    spans = rollups.around_months(start, end, months)
    parts, params = [], []
    if spans:
        within = " OR ".join(["(day >= %s AND day < %s)"] * len(spans))
        parts.append(
            f"SELECT tenant_id, metric, value, {minutes} AS minutes FROM usage_tenantdayusage "
            f"WHERE {chosen} AND ({within})"
        )
        params += [*names, *(adapt(moment) for span in spans for moment in span)]
    if months:
        parts.append(
            f"SELECT tenant_id, metric, busiest AS value, {minutes} AS minutes FROM usage_tenantmonthusage "
            f"WHERE {chosen} AND month >= %s AND month <= %s"
        )
        params += [*names, adapt(months[0]), adapt(months[-1])]
    if not parts:
        return {}
    sql = f"SELECT tenant_id, metric, MAX(value), SUM(minutes) FROM ({' UNION ALL '.join(parts)}) AS u GROUP BY 1, 2"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: dict[int, dict[str, int]] = {}
    for tenant, metric, busiest, total in rows:
        value = total if metric == Metric.DURATION else busiest
        found.setdefault(tenant, dict.fromkeys(["duration", *map(str, COUNTED)], 0))[metric] = int(value or 0)
    return found


def _by_tenant_hours(
    interval: int, start: datetime, end: datetime, counted: Sequence[Metric]
) -> dict[int, dict[str, int]]:
    """Each tenant's figures over a range of hours: the minutes and the `counted` statistics
    (the others stay 0). From the accounts' hours (AccountHourUsage) when the range starts
    within the hours they are trusted for (rollups.hours_trusted_since), else from every app's
    samples added up per account: the same figures, a tenth of the rows at 10 apps an account.

    Up to three parts, so that only the peaks meet the accounts' own series: the minutes summed
    per tenant, the counts' busiest hour of the tenant's accounts added up, and the same for
    the peaks with each account's own figure where stored. Joined all at once, every statistic
    of every account and hour looked its account peak up. A part no statistic of `counted`
    asks for is left out: the staff overview's previous range wants only the minutes."""
    accounts = list(VendorAccount.objects.order_by().values_list("pk", flat=True))
    if not accounts:
        return {}
    adapt = connection.ops.adapt_datetimefield_value
    q = connection.ops.quote_name
    bounds = [adapt(start), adapt(end)]
    rolled_up = interval == rollups.HOUR and start >= rollups.hours_trusted_since(timezone.now())
    every_app = " AND s.app_id IN (SELECT id FROM rtc_rtcapp)" if names_every_app() else ""

    def named(metrics: list[Metric]) -> str:
        return ", ".join(f"'{m.value}'" for m in metrics)

    def samples_of(metrics: list[Metric], join: str = "") -> str:
        """Every app's hours of `metrics` in the range (`s`), with the app's row (`a`) and `join`."""
        return f"""
            FROM usage_usagesample AS s JOIN rtc_rtcapp AS a ON a.id = s.app_id {join}
            WHERE s.metric IN ({named(metrics)}){every_app}
                AND s.{q("interval")} = {interval} AND s.{q("timestamp")} >= %s AND s.{q("timestamp")} < %s
        """

    def accounts_hours(metrics: list[Metric]) -> str:
        """Each account's hours of `metrics` in the range: account, metric, moment, value."""
        if rolled_up:
            return f"""
                SELECT vendor_account_id AS account, metric, hour AS moment, value FROM usage_accounthourusage
                WHERE metric IN ({named(metrics)}) AND hour >= %s AND hour < %s
            """
        return f"""
            SELECT a.vendor_account_id AS account, s.metric AS metric, s.{q("timestamp")} AS moment,
                SUM(s.value) AS value {samples_of(metrics)}
            GROUP BY a.vendor_account_id, s.metric, s.{q("timestamp")}
        """

    def tenant_buckets(metrics: list[Metric], value: str, join: str = "") -> str:
        return f"""
            SELECT v.tenant_id AS tenant, p.metric AS metric, p.moment AS moment, SUM({value}) AS value
            FROM ({accounts_hours(metrics)}) AS p JOIN credentials_vendoraccount AS v ON v.id = p.account {join}
            GROUP BY v.tenant_id, p.metric, p.moment
        """

    # The accounts' own peaks of the range only, read by their (account, interval, timestamp) key.
    own = f"""
        LEFT JOIN usage_accountpeaksample AS o ON o.vendor_account_id = p.account AND o.metric = p.metric
            AND o.{q("interval")} = %s AND o.{q("timestamp")} = p.moment
            AND o.vendor_account_id IN ({", ".join(["%s"] * len(accounts))})
            AND o.{q("timestamp")} >= %s AND o.{q("timestamp")} < %s
    """
    busiest: list[str] = []
    params: list[Any] = []
    counts = [m for m in (Metric.ACTIVE_USERS, Metric.ACTIVE_CHANNELS) if m in counted]
    if counts:
        busiest.append(tenant_buckets(counts, "p.value"))
        params += bounds
    peaks = [m for m in PEAK_METRICS if m in counted]
    if peaks:
        busiest.append(tenant_buckets(peaks, "COALESCE(o.value, p.value)", own))
        params += [*bounds, interval, *accounts, *bounds]
    # Minutes add up across accounts and hours alike: no grouping per account and hour first.
    if rolled_up:
        sql = f"""
            SELECT v.tenant_id, '{Metric.DURATION.value}', SUM({" + ".join(f"d.{q(t)}" for t in TIER_FIELDS)})
            FROM usage_accounthourusage AS d JOIN credentials_vendoraccount AS v ON v.id = d.vendor_account_id
            WHERE d.metric = '{Metric.DURATION.value}' AND d.hour >= %s AND d.hour < %s
            GROUP BY v.tenant_id
        """
    else:
        sql = f"""
            SELECT v.tenant_id, '{Metric.DURATION.value}', SUM({" + ".join(f"s.{q(t)}" for t in TIER_FIELDS)})
            {samples_of([Metric.DURATION], "JOIN credentials_vendoraccount AS v ON v.id = a.vendor_account_id")}
            GROUP BY v.tenant_id
        """
    if busiest:
        sql += f"""
            UNION ALL
            SELECT b.tenant, b.metric, MAX(b.value) FROM ({" UNION ALL ".join(busiest)}) AS b
            GROUP BY b.tenant, b.metric
        """
    with connection.cursor() as cursor:
        # In the order of the text: the minutes' hours, then the counts' and the peaks' (and their own).
        cursor.execute(sql, [*bounds, *params])
        rows = cursor.fetchall()
    found: dict[int, dict[str, int]] = {}
    for tenant, metric, value in rows:
        found.setdefault(tenant, dict.fromkeys(["duration", *map(str, COUNTED)], 0))[metric] = int(value or 0)
    return found
