"""The report page's observed section: the console's own figures for the range, in the
report's buckets, kept apart from the vendor's (never added to billed totals)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils.translation import gettext as _

from dashboard.rtc.models import RtcApp
from vendors import registry
from vendors.base.provider import Capability

from . import reconcile, reports
from .models import Metric, ObservedSample


def series(filters: reports.Filters, apps: QuerySet[RtcApp]) -> list[reports.Bucket]:
    if filters.resolved == "hour":
        start, end, interval = filters.start_utc, filters.end_utc, 3600
    else:
        start = datetime.combine(filters.start, datetime.min.time(), UTC)
        end = datetime.combine(filters.end + timedelta(days=1), datetime.min.time(), UTC)
        interval = 86400
    rows = (
        ObservedSample.objects.filter(app__in=apps, interval=interval, timestamp__gte=start, timestamp__lt=end)
        .values("metric", "timestamp")
        .annotate(value=Sum("value"), peak=Max("peak_time"))
        .order_by("timestamp")
    )
    buckets: dict[datetime, reports.Bucket] = {}
    for row in rows:
        bucket = buckets.setdefault(row["timestamp"], reports.Bucket(row["timestamp"]))
        bucket.values[row["metric"]] = row["value"] or 0
        bucket.peak_times[row["metric"]] = row["peak"]
    days = [buckets[key] for key in sorted(buckets)]
    return days if filters.resolved in ("hour", "day") else reports.roll_up(days, filters.resolved)


def source_note(app: RtcApp, stored: bool) -> str:
    """Where an app's usage comes from, when not from the vendor, or that none is stored yet:
    said beside it in the report's app filter, so an app that adds nothing to the vendor's
    figures is not a silent zero."""
    info = app.vendor_account.info if app.vendor_account.vendor_known else None
    if info is not None and info.can(Capability.USAGE_STATS):
        return "" if stored else str(_("no usage stored yet"))
    if info is not None and info.can(Capability.LIVE_MEMBERSHIP):
        return str(_("observed only: the vendor has no usage API"))
    return str(_("no usage data: the vendor has neither a usage API nor a membership read"))


def section(filters: reports.Filters, apps: list[RtcApp], chosen: QuerySet[RtcApp]) -> dict[str, Any]:
    buckets = series(filters, chosen)
    totals = reports.figures(buckets, (), single_app=len(apps) == 1)
    totals["duration"] = sum(b.values.get(Metric.DURATION, 0) for b in buckets)
    sampling = ObservedSample.objects.filter(app__in=chosen).aggregate(seconds=Max("sampling_seconds"))["seconds"]
    vendors = {app.vendor_account.vendor for app in apps}
    infos = [info for info in registry if info.name in vendors]
    # Reconciliation is of an app that has both: the vendor's figures and the console's polls
    # in the range. An app never polled would list every day as "not polled", a year of noise.
    checks = (
        reconcile.reconcile(apps[0], filters.start, filters.end)
        if len(apps) == 1 and apps[0].vendor_account.info.can(Capability.USAGE_STATS) and buckets
        else []
    )
    return {
        "observed_buckets": buckets,
        "observed_totals": totals,
        "observed_sampling": sampling,
        "vendors_reported": [i.label for i in infos if i.can(Capability.USAGE_STATS)],
        "vendors_observed": [i.label for i in infos if i.can(Capability.LIVE_MEMBERSHIP)],
        "vendors_neither": [
            i.label for i in infos if not i.can(Capability.USAGE_STATS) and not i.can(Capability.LIVE_MEMBERSHIP)
        ],
        "reconciliation": checks,
        "metric_labels": dict(Metric.choices),
        "reconcile_threshold": settings.USAGE_RECONCILE_THRESHOLD_PERCENT,
    }
