"""What a report's numbers cover: from the first stored bucket to where the sync has reached,
and whether the sync of an account or app in scope is stopped or behind.

A bucket outside that span is "no data", never zero: the vendor was not asked (before the
first sync, beyond what it keeps) or has not answered yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from vendors.base.types import Interval

from .models import AccountDayUsage, Metric, SyncCursor, UsageSample
from .reports import Bucket, Filters, period_start
from .sync import lag

# Hourly series are fetched every few minutes with a few hours' overlap: further behind than
# this, the report's latest hours are missing rather than quiet, and the page says so.
BEHIND = timedelta(hours=3)


@dataclass
class SyncProblem:
    account: VendorAccount
    app: RtcApp | None  # None: the whole account
    blocked: bool
    error: str = ""
    lag: timedelta | None = None


@dataclass
class Coverage:
    first: datetime | None  # the first stored bucket of the scope at the report's interval
    until: datetime | None  # buckets from here on are not synced yet
    problems: list[SyncProblem] = field(default_factory=list)

    def covers(self, bucket: Bucket, end: datetime) -> bool:
        if self.first is None or end <= self.first:
            return False
        return self.until is not None and bucket.start < self.until


def interval_of(filters: Filters) -> int:
    return int(Interval.HOUR) if filters.resolved == "hour" else int(Interval.DAY)


def of(filters: Filters, apps: list[RtcApp], now: datetime | None = None, *, accounts: Iterable[int] = ()) -> Coverage:
    """`accounts`: the vendor accounts `apps` are every app of (reports.Cover.wholly), if so."""
    interval = interval_of(filters)
    pks = [app.pk for app in apps]
    accounts = list(accounts)
    stored = days_stored(accounts) if accounts and interval == int(Interval.DAY) else stored_span(pks, interval)
    until = SyncCursor.objects.filter(app_id__in=pks, interval=interval).aggregate(until=Max("synced_until"))["until"]
    if until is None and stored["last"] is not None:  # stored without a cursor (imported): as far as stored
        until = stored["last"] + timedelta(seconds=interval)
    first = stored["first"]
    return Coverage(first, until, problems(apps, now))


def stored_span(app_pks: list[int], interval: int) -> dict[str, datetime | None]:
    """The first and last stored bucket of the apps at `interval`: each series' own first and last,
    found at either end of its index (a MIN over all of them read every bucket of a year)."""
    ends = {}
    for metric in Metric:
        series = UsageSample.objects.filter(app=OuterRef("pk"), metric=metric, interval=interval)
        ends[f"first_{metric.value}"] = Subquery(series.order_by("timestamp").values("timestamp")[:1])
        ends[f"last_{metric.value}"] = Subquery(series.order_by("-timestamp").values("timestamp")[:1])
    firsts, lasts = [], []
    for row in RtcApp.objects.filter(pk__in=app_pks).annotate(**ends).values(*ends):
        firsts += [value for key, value in row.items() if key.startswith("first_") and value is not None]
        lasts += [value for key, value in row.items() if key.startswith("last_") and value is not None]
    return {"first": min(firsts, default=None), "last": max(lasts, default=None)}


def days_stored(accounts: list[int]) -> dict[str, datetime | None]:
    """`stored_span` of every app of `accounts` by day, from their day roll-ups (an account has a
    day where one of its apps has a sample of it: rollups.py): two figures of a few thousand
    rows where `stored_span` looked up both ends of ten series of each app."""
    return AccountDayUsage.objects.filter(vendor_account__in=accounts).aggregate(first=Min("day"), last=Max("day"))


def problems(apps: list[RtcApp], now: datetime | None = None) -> list[SyncProblem]:
    """Accounts and apps in scope whose usage sync is stopped, or whose hourly series lag behind."""
    now = now or timezone.now()
    found: list[SyncProblem] = []
    accounts = {app.vendor_account_id: app.vendor_account for app in apps}
    blocked_accounts = {pk for pk, account in accounts.items() if account.sync_blocked}
    for pk in sorted(blocked_accounts):
        found.append(SyncProblem(accounts[pk], None, True, accounts[pk].sync_error))
    for app in apps:
        if app.sync_blocked and app.vendor_account_id not in blocked_accounts:
            found.append(SyncProblem(app.vendor_account, app, True, app.sync_error))
    behind = lagging(SyncCursor.objects.filter(app_id__in=[app.pk for app in apps]), now)
    for pk, account_lag in sorted(behind.items()):
        if pk not in blocked_accounts:
            found.append(SyncProblem(accounts[pk], None, False, lag=account_lag))
    return found


def lagging(cursors: QuerySet[SyncCursor], now: datetime | None = None) -> dict[int, timedelta]:
    """Accounts (by pk) whose slowest hourly series is more than BEHIND behind, with how far:
    `sync.lag` per account, in one query (the home page asks it of every account at once)."""
    now = now or timezone.now()
    oldest = (
        cursors.filter(interval=int(Interval.HOUR), synced_until__isnull=False)
        .values_list("app__vendor_account")
        .annotate(oldest=Min("synced_until"))
        .order_by()
    )
    found = {}
    for account_pk, synced_until in oldest:
        behind = lag([SyncCursor(interval=int(Interval.HOUR), synced_until=synced_until)], now)
        if behind is not None and behind > BEHIND:
            found[account_pk] = behind
    return found


def bucket_starts(filters: Filters) -> list[datetime]:
    """Every bucket the range is made of, stored or not."""
    if filters.resolved == "hour":
        # The vendor's hours are UTC hours: those starting in the range (where midnight falls on
        # a half hour, as in Asia/Kolkata, the day's first hour starts at 00:30).
        start, end = filters.start_utc, filters.end_utc
        if start.minute or start.second or start.microsecond:
            start = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        step = timedelta(hours=1)
        found = []
        while start < end:
            found.append(start)
            start += step
        return found
    days = [
        datetime.combine(filters.start + timedelta(days=n), datetime.min.time(), UTC)
        for n in range((filters.end - filters.start).days + 1)
    ]
    if filters.resolved == "day":
        return days
    return sorted({period_start(day, filters.resolved) for day in days})


def with_gaps(filters: Filters, buckets: list[Bucket], coverage: Coverage) -> list[Bucket]:
    """The stored buckets, and a "no data" bucket for each one of the range outside the coverage."""
    stored = {bucket.start: bucket for bucket in buckets}
    rows = []
    for start in bucket_starts(filters):
        bucket = stored.get(start)
        if bucket is None:
            bucket = Bucket(start)
            if not coverage.covers(bucket, bucket.end(filters.resolved)):
                bucket.no_data = True
        rows.append(bucket)
    return rows


def first_label(coverage: Coverage, filters: Filters) -> tuple[str, str] | None:
    """The first stored bucket as the table labels it, with its zone."""
    if coverage.first is None:
        return None
    if filters.resolved == "hour":
        return coverage.first.astimezone(filters.zone).strftime("%Y-%m-%d %H:%M"), filters.zone.key
    return f"{coverage.first:%Y-%m-%d}", "UTC"
