"""Reconciliation: per app and UTC day, what the vendor reported against what the console
observed in its own polls, flagged above USAGE_RECONCILE_THRESHOLD_PERCENT with the likely cause."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from dashboard.rtc.models import RtcApp

from .models import Metric, ObservedSample, SyncCursor, UsageSample

DAY = 86400


@dataclass
class Comparison:
    metric: str
    vendor: int | None
    observed: int | None

    @property
    def percent(self) -> float | None:
        if self.vendor is None or self.observed is None:
            return None
        top = max(self.vendor, self.observed)
        return abs(self.vendor - self.observed) / top * 100 if top else 0.0


@dataclass
class DayCheck:
    day: date
    comparisons: list[Comparison]
    flagged: bool = False
    causes: list[str] = field(default_factory=list)
    polls: int = 0
    missed_polls: int = 0


def reconcile(app: RtcApp, start: date, end: date, threshold: float | None = None) -> list[DayCheck]:
    """Days from `start` to `end` (inclusive) where the vendor or the console has a figure."""
    threshold = settings.USAGE_RECONCILE_THRESHOLD_PERCENT if threshold is None else threshold
    first = datetime.combine(start, datetime.min.time(), UTC)
    last = datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
    vendor: dict[date, dict[str, int]] = defaultdict(dict)
    observed: dict[date, dict[str, int]] = defaultdict(dict)
    coverage: dict[date, tuple[int, int]] = {}
    for metric, timestamp, value in UsageSample.objects.filter(
        app=app, interval=DAY, timestamp__gte=first, timestamp__lt=last
    ).values_list("metric", "timestamp", "value"):
        vendor[timestamp.date()][metric] = value
    for row in ObservedSample.objects.filter(app=app, interval=DAY, timestamp__gte=first, timestamp__lt=last):
        observed[row.timestamp.date()][row.metric] = row.value
        coverage[row.timestamp.date()] = (row.polls, row.missed_polls)
    cursor = SyncCursor.objects.filter(app=app, metric=Metric.DURATION, interval=DAY).first()
    final_until = cursor.synced_until if cursor else None
    checks = []
    for day in sorted(set(vendor) | set(observed)):
        polls, missed = coverage.get(day, (0, 0))
        check = DayCheck(
            day,
            [Comparison(metric, vendor[day].get(metric), observed[day].get(metric)) for metric in Metric.values],
            polls=polls,
            missed_polls=missed,
        )
        check.flagged = any((c.percent or 0) > threshold for c in check.comparisons) or not (
            vendor[day] and observed[day]
        )
        if check.flagged:
            check.causes = _causes(day, check, final_until)
        checks.append(check)
    return checks


def _causes(day: date, check: DayCheck, final_until: datetime | None) -> list[str]:
    causes = []
    if check.missed_polls:
        causes.append(_("missed polls (%(count)d)") % {"count": check.missed_polls})
    if not check.polls:
        causes.append(_("the console did not poll that day"))
    # The sync re-reads USAGE_OVERLAP_HOURS for late data: until then the vendor's day may grow.
    settled = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(
        hours=settings.USAGE_OVERLAP_HOURS
    )
    if final_until is None or final_until < settled:
        causes.append(_("late vendor data (the day is not synced to its end yet)"))
    return causes or [_("unexplained: compare with the vendor's console")]
