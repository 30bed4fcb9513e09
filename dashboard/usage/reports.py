"""Usage reports: filters from the URL, series from the database, aggregated for reading.

Hours are shown in the reader's time zone, custom ranges are whole days of it, and an hour
that comes twice when the clock falls back is labelled with its zone's abbreviation. Days
are the vendor's days (UTC), as it counts them; weeks (Monday first) and months are
summed from those days. For a week or a month, active users and channels are the busiest
day's (distinct counts cannot be added up), and peaks are the highest day's with its time.
Across several apps, counts are added. A peak across every app of a vendor account is the
vendor's own figure for the whole account where its API answers for one (the account-wide
series, Capability.ACCOUNT_USAGE); otherwise, and across accounts, peaks are added: a sum of
peaks is an upper bound of the combined peak. Neither carries a peak time.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BigIntegerField, DateTimeField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard.billing.cost import Pricing
from dashboard.core.params import EARLIEST_DATE, LATEST_DATE, int_list, parse_date
from dashboard.rtc.models import RtcApp

from .models import PEAK_METRICS, TIER_FIELDS, AccountDayUsage, AccountPeakSample, Metric, UsageSample

# Rolling ranges end now; calendar ranges are whole days, months or years of the reader's calendar.
ROLLING = {
    "24h": _("Last 24 hours"),
    "7d": _("Last 7 days"),
    "30d": _("Last 30 days"),
    "90d": _("Last 90 days"),
    "12m": _("Last 12 months"),
}
CALENDAR = {
    "today": _("Today"),
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "this_year": _("This year"),
}
PRESETS = {**ROLLING, **CALENDAR, "custom": _("Custom")}
PRESET_GROUPS = ((_("Rolling"), ROLLING), (_("Calendar"), CALENDAR), (_("Other"), {"custom": PRESETS["custom"]}))
GRANULARITIES = {
    "auto": _("Automatic"),
    "hour": _("Hour"),
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
}
METRICS = [m.value for m in Metric]
DAY = 86400
# How a report's combined peak is made (Report.peak_basis).
ONE_APP = "app"  # one app: the vendor's figure for it, with its time
WHOLE_ACCOUNT = "account"  # every app of one account: the vendor's figure for the whole account
SUM_OF_PEAKS = "sum"  # added over apps (or accounts): an upper bound
MAX_RANGE_DAYS = 800


@dataclass
class Filters:
    preset: str
    start: date  # first day, in the reader's time zone
    end: date  # last day, inclusive
    granularity: str  # what was asked
    resolved: str  # what is used (auto resolved)
    app_ids: list[int]
    account_ids: list[int]
    tiers: list[str]
    compare: bool
    zone: ZoneInfo
    problems: list[str] = field(default_factory=list)
    # Hours asked by the hour ("last 24 hours"): the exact UTC bounds, not whole local days.
    hours: tuple[datetime, datetime] | None = None
    now: datetime | None = None

    @property
    def start_utc(self) -> datetime:
        if self.hours:
            return self.hours[0]
        return datetime.combine(self.start, datetime.min.time(), self.zone).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        if self.hours:
            return self.hours[1]
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), self.zone).astimezone(UTC)

    def previous(self) -> Filters:
        days = (self.end - self.start).days + 1
        return Filters(
            self.preset,
            self.start - timedelta(days=days),
            self.start - timedelta(days=1),
            self.granularity,
            self.resolved,
            self.app_ids,
            self.account_ids,
            self.tiers,
            False,
            self.zone,
            hours=(self.hours[0] - (self.hours[1] - self.hours[0]), self.hours[0]) if self.hours else None,
            now=self.now,
        )

    def compared(self) -> Compared | None:
        """What a trend compares: the range with the period of the same length before it, or,
        while the range still runs, its complete part (the hours before this one, or the vendor's
        UTC days before today) with as much of that period from its start. Today's two hours
        against all of yesterday read -98%. None: nothing of the range is complete yet."""
        now = self.now or timezone.now()
        before = self.previous()
        if self.resolved == "hour":  # "24h" by the day reads whole UTC days (window): below
            if self.end_utc <= now:
                return Compared(self, before, running=False)
            cut = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            if cut <= self.start_utc:
                return None
            elapsed = cut - self.start_utc
            return Compared(
                replace(self, compare=False, hours=(self.start_utc, cut)),
                replace(before, hours=(before.start_utc, before.start_utc + elapsed)),
                running=True,
            )
        today = now.astimezone(UTC).date()  # day buckets are the vendor's UTC days (window)
        if self.end < today:
            return Compared(self, before, running=False)
        if self.start >= today:
            return None
        complete_days = (today - self.start).days
        return Compared(
            replace(self, compare=False, end=today - timedelta(days=1), hours=None),
            replace(before, end=before.start + timedelta(days=complete_days - 1), hours=None),
            running=True,
        )


@dataclass(frozen=True)
class Compared:
    """The two stretches a trend compares (Filters.compared); `running`: the range is not over,
    so they are its complete part and as much of the period before."""

    now: Filters
    before: Filters
    running: bool

    def stretches(self) -> str:
        """What is compared, for the page: "2026-11-29 to 2026-12-04 against 2026-11-22 to 2026-11-27",
        each stretch's ends joined by an en dash as the page's own range."""

        def stretch(filters: Filters) -> str:
            if filters.hours:
                start, end = (at.astimezone(filters.zone) for at in filters.hours)
                return f"{start:%Y-%m-%d %H:%M} \N{EN DASH} {end:%Y-%m-%d %H:%M} ({filters.zone.key})"
            return f"{filters.start:%Y-%m-%d} \N{EN DASH} {filters.end:%Y-%m-%d}"

        return str(_("%(now)s against %(before)s") % {"now": stretch(self.now), "before": stretch(self.before)})


def trend(minutes: int, before: int) -> float | None:
    """The change in percent, the one formula of every page; None without minutes before."""
    return (minutes - before) / before * 100 if before else None


def auto_granularity(days: int) -> str:
    if days <= 3:
        return "hour"
    if days <= 120:
        return "day"
    return "week" if days <= 400 else "month"


def parse(
    query: QueryDict, *, today: date | None = None, zone: ZoneInfo | None = None, now: datetime | None = None
) -> Filters:
    zone = zone or ZoneInfo(timezone.get_current_timezone_name())
    if now is None:
        now = datetime.combine(today, time(12), zone) if today else timezone.now()
    today = now.astimezone(zone).date()
    problems: list[str] = []
    preset = query.get("range", "30d")
    if preset not in PRESETS:
        problems.append(str(_("Unknown range; showing the last 30 days.")))
        preset = "30d"
    if preset == "custom":
        start = parse_date(query.get("from"), earliest=date.min, latest=date.max)
        end = parse_date(query.get("to"), earliest=date.min, latest=date.max)
        if start is None or end is None:
            problems.append(str(_("Give both dates of a custom range as YYYY-MM-DD; showing the last 30 days.")))
            preset, start, end = "30d", today - timedelta(days=29), today
        elif not (EARLIEST_DATE <= start <= LATEST_DATE and EARLIEST_DATE <= end <= LATEST_DATE):
            problems.append(
                str(
                    _("A custom range lies between %(earliest)s and %(latest)s; showing the last 30 days.")
                    % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()}
                )
            )
            preset, start, end = "30d", today - timedelta(days=29), today
        else:
            if end < start:
                start, end = end, start
                problems.append(str(_("The range ended before it began; the dates were swapped.")))
            if (end - start).days > MAX_RANGE_DAYS:
                start = end - timedelta(days=MAX_RANGE_DAYS)
                problems.append(str(_("Ranges are limited to %(days)d days.") % {"days": MAX_RANGE_DAYS}))
    else:
        start, end = preset_range(preset, today)
    granularity = query.get("granularity", "auto")
    if granularity not in GRANULARITIES:
        problems.append(str(_("Unknown granularity; chosen automatically.")))
        granularity = "auto"
    days = (end - start).days + 1
    resolved = auto_granularity(days) if granularity == "auto" else granularity
    # Each tier once, in TIER_FIELDS order, whatever the query repeats (?tier=audio&tier=audio).
    tiers = [t for t in TIER_FIELDS if t in query.getlist("tier")] or list(TIER_FIELDS)
    hours = None
    if preset == "24h":
        # 24 hourly buckets ending at the last complete hour, whatever the zone's offset.
        last = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        hours = (last - timedelta(hours=24), last)
        start, end = hours[0].astimezone(zone).date(), (hours[1] - timedelta(microseconds=1)).astimezone(zone).date()
        if granularity == "auto":
            resolved = "hour"
    return Filters(
        preset,
        start,
        end,
        granularity,
        resolved,
        int_list(query, "app"),
        int_list(query, "account"),
        tiers,
        query.get("compare") == "1",
        zone,
        problems,
        hours=hours,
        now=now,
    )


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "today":
        return today, today
    if preset == "this_year":
        return today.replace(month=1, day=1), today
    if preset in ("7d", "30d", "90d"):
        return today - timedelta(days=int(preset[:-1]) - 1), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return (today - timedelta(days=365)).replace(day=1), today  # 12m


@dataclass
class Bucket:
    start: datetime  # UTC
    values: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    peak_times: dict[str, datetime | None] = field(default_factory=dict)
    no_data: bool = False  # outside what is stored (dashboard/usage/coverage.py): not a zero

    def end(self, granularity: str) -> datetime:
        if granularity == "hour":
            return self.start + timedelta(hours=1)
        if granularity == "week":
            return self.start + timedelta(days=7)
        if granularity == "month":
            return (self.start.replace(day=1) + timedelta(days=32)).replace(day=1)
        return self.start + timedelta(days=1)

    def duration(self, tiers: Iterable[str]) -> int:
        return sum(self.tiers.get(t, 0) for t in tiers)


@dataclass
class Report:
    filters: Filters
    buckets: list[Bucket]
    apps: list[RtcApp]
    single_app: bool
    previous: list[Bucket] | None = None
    # The table's rows: the buckets and the range's "no data" ones (coverage.with_gaps).
    rows: list[Bucket] | None = None

    @property
    def table_rows(self) -> list[Bucket]:
        return self.buckets if self.rows is None else self.rows

    pricing: Pricing | None = None  # set by usage.costs where the accounts have price books
    peak_basis: str = SUM_OF_PEAKS  # ONE_APP, WHOLE_ACCOUNT or SUM_OF_PEAKS
    cover: Cover | None = None  # the apps' accounts; None for one app

    @property
    def peaks_are_bounds(self) -> bool:
        return self.peak_basis == SUM_OF_PEAKS

    def totals(self) -> dict[str, Any]:
        return figures(self.buckets, self.filters.tiers, single_app=self.single_app)

    def partial(self, bucket: Bucket) -> bool:
        """The bucket is still running: its figures will grow, it is not a drop."""
        now = self.filters.now or timezone.now()
        return bucket.start <= now < bucket.end(self.filters.resolved)

    # With `compare`: the minutes' change in percent (Filters.compared) and what it compares.
    change: float | None = None
    compared: Compared | None = None


def figures(buckets: list[Bucket], tiers: Iterable[str], *, single_app: bool) -> dict[str, Any]:
    """The range's figures from its buckets, the one definition every page and export uses.

    Minutes are summed over the buckets. Active users and channels and the peaks are the busiest
    bucket's, where a bucket of several apps holds the apps' counts added up and their combined
    peaks (see the module's docstring: the vendor's account figure, or a sum), with no time.
    """
    tiers = list(tiers)
    minutes = {t: sum(b.tiers.get(t, 0) for b in buckets) for t in TIER_FIELDS}
    totals: dict[str, Any] = {"duration": sum(minutes[t] for t in tiers), "tiers": minutes}
    for metric in METRICS[1:]:
        best = max(buckets, key=lambda b: b.values.get(metric, 0), default=None)
        totals[metric] = best.values.get(metric, 0) if best else 0
        totals[f"{metric}_at"] = best.peak_times.get(metric) if best and single_app else None
        totals[f"{metric}_bucket"] = best.start if best else None
    return totals


def _per_bucket(samples: QuerySet[UsageSample], *group: str) -> Iterable[dict[str, Any]]:
    """Per bucket (and group), each statistic summed over the apps, tiers too."""
    return (
        samples.values(*group, "metric", "timestamp")
        .annotate(value=Sum("value"), peak=Max("peak_time"), **{t: Sum(t) for t in TIER_FIELDS})
        .order_by("timestamp")
    )


def _bucket_rows(samples: QuerySet[UsageSample], *, peak_times: bool) -> list[tuple[Any, ...]]:
    """Per bucket, one row: its start, then per statistic its sum over the apps (NULL: none
    stored) and, where `peak_times`, its peak time, then the minutes per tier (NULL: no minutes
    stored). Grouped by bucket alone, PostgreSQL hashes a year's buckets in memory (grouped by
    statistic too, it sorted 36,600 rows of a tenant's year on disk) and sends a fifth of the
    rows; read without Django's converters, the sums cast back to integers (PostgreSQL sums
    bigints as numeric)."""
    figures: dict[str, Any] = {}
    for metric in METRICS:
        only = Q(metric=metric)
        figures[f"{metric}_value"] = Cast(Sum("value", filter=only), BigIntegerField())
        figures[f"{metric}_peak"] = (
            Max("peak_time", filter=only) if peak_times else Value(None, output_field=DateTimeField())
        )
    duration = Q(metric=Metric.DURATION)
    figures |= {f"{t}_minutes": Cast(Sum(t, filter=duration), BigIntegerField()) for t in TIER_FIELDS}
    return raw_rows(samples.values("timestamp").annotate(**figures).values_list("timestamp", *figures))


def raw_rows(query: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of `query` as the database sends them, without Django's converters; none where
    Django knows without asking that there are none (no apps: `RtcApp.objects.none()`)."""
    try:
        sql, params = query.order_by().query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _buckets_of(rows: list[tuple[Any, ...]]) -> list[Bucket]:
    """The buckets of `_bucket_rows`, in time order: a statistic none of whose samples is
    stored in a bucket has no figure in it (as when each statistic was a row of its own)."""
    buckets = []
    count = len(METRICS)
    for moment, *found in rows:
        bucket = Bucket(_aware(moment))
        for n, metric in enumerate(METRICS):
            value, peak = found[2 * n], found[2 * n + 1]
            if value is not None:
                bucket.values[metric] = value
                bucket.peak_times[metric] = None if peak is None else _aware(peak)
        tiers = found[2 * count :]
        if tiers[0] is not None:
            bucket.tiers = {t: minutes or 0 for t, minutes in zip(TIER_FIELDS, tiers, strict=True)}
        buckets.append(bucket)
    buckets.sort(key=lambda bucket: bucket.start)
    return buckets


def _buckets(rows: Iterable[Mapping[str, Any]]) -> list[Bucket]:
    buckets: dict[datetime, Bucket] = {}
    for row in rows:
        bucket = buckets.setdefault(row["timestamp"], Bucket(row["timestamp"]))
        bucket.values[row["metric"]] = row["value"] or 0
        bucket.peak_times[row["metric"]] = row["peak"]
        if row["metric"] == Metric.DURATION:
            bucket.tiers = {t: row[t] or 0 for t in TIER_FIELDS}
    return [buckets[key] for key in sorted(buckets)]


def rows_for(
    apps: QuerySet[RtcApp],
    start: datetime,
    end: datetime,
    interval: int,
    *,
    peak_times: bool = True,
    cover: Cover | None = None,
) -> list[Bucket]:
    """Per bucket, each statistic summed over the apps (tiers too), from the stored samples;
    the peaks' times only where `peak_times` (one app: every page shows them; several: none does).

    Days of apps that make up whole accounts (a tenant's or an account's report) come from the
    accounts' day roll-ups, which are those sums (rollups.py): a tenant's year of 20 apps is
    3,660 account-days instead of 36,600 samples read from as many table pages. `cover`: the
    apps' accounts (cover_of), when the caller has them."""
    if interval == DAY and not peak_times and (accounts := (cover or cover_of(apps)).wholly):
        return _buckets_of(_account_day_rows(accounts, start, end))
    # Every statistic named: the (app, metric, interval, timestamp) key's index then reads only the range.
    samples = UsageSample.objects.filter(
        app__in=apps, metric__in=METRICS, interval=interval, timestamp__gte=start, timestamp__lt=end
    )
    return _buckets_of(_bucket_rows(samples, peak_times=peak_times))


@dataclass(frozen=True)
class Cover:
    """The vendor accounts of a set of apps: read once for a report, whose buckets and peaks,
    of its range and of the previous one, each ask."""

    accounts: frozenset[int]  # every account one of the apps belongs to
    whole: frozenset[int]  # those of them every app of which is among the apps

    @property
    def wholly(self) -> frozenset[int]:
        """The accounts, when the apps are every app of them; else none."""
        return self.accounts if self.accounts and self.accounts == self.whole else frozenset()


def cover_of(apps: QuerySet[RtcApp]) -> Cover:
    chosen = set(apps.values_list("pk", flat=True))
    every: dict[int, set[int]] = defaultdict(set)
    for pk, account in RtcApp.objects.filter(vendor_account__apps__in=chosen).values_list("pk", "vendor_account"):
        every[account].add(pk)
    return Cover(frozenset(every), frozenset(account for account, pks in every.items() if pks <= chosen))


def _account_day_rows(accounts: Iterable[int], start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """`_bucket_rows` of every app of `accounts`, by day, from the accounts' day roll-ups: the
    same sums (NULL where no app has the statistic stored that day: no account-day either)."""
    figures: dict[str, Any] = {}
    for metric in METRICS:
        figures[f"{metric}_value"] = Cast(Sum("value", filter=Q(metric=metric)), BigIntegerField())
        figures[f"{metric}_peak"] = Value(None, output_field=DateTimeField())
    duration = Q(metric=Metric.DURATION)
    figures |= {f"{t}_minutes": Cast(Sum(t, filter=duration), BigIntegerField()) for t in TIER_FIELDS}
    days = AccountDayUsage.objects.filter(vendor_account__in=accounts, metric__in=METRICS, day__gte=start, day__lt=end)
    return raw_rows(days.values("day").annotate(**figures).values_list("day", *figures))


def combine_peaks(
    buckets: list[Bucket],
    apps: QuerySet[RtcApp],
    start: datetime,
    end: datetime,
    interval: int,
    cover: Cover | None = None,
) -> str:
    """Replace the buckets' summed peaks by the accounts' own where the apps cover whole accounts
    whose account-wide series is stored; returns the peak basis (WHOLE_ACCOUNT or SUM_OF_PEAKS).

    Per bucket the combined peak is the sum over the accounts of each one's peak: the vendor's
    figure for a whole account, the sum of its apps' peaks otherwise (an account not wholly in
    scope, or a bucket its account series has not reached). Only one account, wholly covered in
    every bucket, gives the vendor's exact figure; anything added up stays an upper bound.
    """
    cover = cover or cover_of(apps)
    whole = cover.whole
    stored = AccountPeakSample.objects.filter(
        vendor_account__in=whole, interval=interval, timestamp__gte=start, timestamp__lt=end
    )
    if not whole or not stored.exists():
        return SUM_OF_PEAKS
    # Combined by the database, one row per bucket and peak (a year by day: 732 rows, not
    # 2,900 account rows and 1,500 account peaks brought into Python with their timestamps).
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    peaks = [m.value for m in PEAK_METRICS]
    if interval == DAY and (covered := cover.wholly):
        # Whole accounts' days: their day roll-ups hold these sums (as rows_for reads them).
        marks = ", ".join(["%s"] * len(covered))
        part = (
            f"SELECT vendor_account_id AS {q('app__vendor_account')}, metric, day AS {q('timestamp')}, value "
            f"FROM usage_accountdayusage WHERE vendor_account_id IN ({marks}) "
            f"AND metric IN ({', '.join(['%s'] * len(peaks))}) "
            "AND day >= %s AND day < %s"
        )
        part_params: Any = [*sorted(covered), *peaks, adapt(start), adapt(end)]
    else:
        by_account = (
            UsageSample.objects.filter(
                app__in=apps, metric__in=peaks, interval=interval, timestamp__gte=start, timestamp__lt=end
            )
            .values("app__vendor_account", "metric", "timestamp")
            .annotate(value=Sum("value"))
            .order_by()
        )
        part, part_params = by_account.query.sql_with_params()
    own = ", ".join(["%s"] * len(whole))
    sql = f"""
        SELECT p.metric, p.{q("timestamp")}, SUM(COALESCE(o.value, p.value)), COUNT(*), COUNT(o.value),
               MIN(p.{q("app__vendor_account")}), MAX(p.{q("app__vendor_account")})
        FROM ({part}) AS p
        LEFT JOIN usage_accountpeaksample AS o ON o.vendor_account_id = p.{q("app__vendor_account")}
            AND o.vendor_account_id IN ({own}) AND o.metric = p.metric AND o.{q("interval")} = %s
            AND o.{q("timestamp")} = p.{q("timestamp")} AND o.{q("timestamp")} >= %s AND o.{q("timestamp")} < %s
        GROUP BY p.metric, p.{q("timestamp")}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*part_params, *whole, interval, adapt(start), adapt(end)])
        rows = cursor.fetchall()
    by_start = {bucket.start: bucket for bucket in buckets}
    accounts: set[int] = set()
    exact = True
    for metric, moment, total, parts, vendors, low, high in rows:
        accounts |= {low, high}
        exact = exact and parts == vendors  # every account of the bucket has its own figure
        bucket = by_start.get(_aware(moment))
        if bucket is not None:
            bucket.values[metric] = int(total)
    exact = exact and len(accounts) == 1 and accounts <= whole
    return WHOLE_ACCOUNT if exact else SUM_OF_PEAKS


def _aware(moment: datetime | str) -> datetime:
    if isinstance(moment, str):  # SQLite's text
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def names_every_app() -> bool:
    """A range of samples of every app names every app on SQLite: it has no (metric, interval,
    timestamp) index (usage migration 0013), so unnamed it read every sample of every app,
    where named the unique key reads each app's range. PostgreSQL reads the range from that
    index."""
    return connection.vendor == "sqlite"


def window(filters: Filters) -> tuple[int, datetime, datetime]:
    """The stored series a report reads: hours of the reader's range, or the vendor's UTC days
    of its dates (weeks and months are rolled up from those days)."""
    if filters.resolved == "hour":
        return 3600, filters.start_utc, filters.end_utc
    start = datetime.combine(filters.start, datetime.min.time(), UTC)
    end = datetime.combine(filters.end + timedelta(days=1), datetime.min.time(), UTC)
    return DAY, start, end


def shaped(filters: Filters, buckets: list[Bucket]) -> list[Bucket]:
    return buckets if filters.resolved in ("hour", "day") else roll_up(buckets, filters.resolved)


def days_by(
    group: str, start: date, end: date, *, metric: str | None = None, apps: QuerySet[RtcApp] | None = None
) -> dict[int, list[Bucket]]:
    """The vendor days from `start` to `end` (inclusive) of every app (or of `apps`), summed per
    `group` (a tenant or an app): the same buckets a day report of that tenant or app is made of.
    `metric`: only that statistic (the home page needs minutes alone: a fifth of the rows)."""
    samples = UsageSample.objects.filter(
        interval=86400,
        timestamp__gte=datetime.combine(start, datetime.min.time(), UTC),
        timestamp__lt=datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC),
    )
    if metric is not None:
        samples = samples.filter(metric=metric)
    if apps is not None:
        samples = samples.filter(app__in=apps)
    return _grouped(samples, group)


def _grouped(samples: QuerySet[UsageSample], group: str) -> dict[int, list[Bucket]]:
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _per_bucket(samples, group):
        rows[row[group]].append(row)
    return {key: _buckets(group_rows) for key, group_rows in rows.items()}


def period_start(day: datetime, granularity: str) -> datetime:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def roll_up(days: list[Bucket], granularity: str) -> list[Bucket]:
    """Weeks or months from UTC days: durations summed, counts and peaks the busiest day's."""
    grouped: dict[datetime, list[Bucket]] = defaultdict(list)
    for day in days:
        grouped[period_start(day.start, granularity)].append(day)
    result = []
    for start in sorted(grouped):
        members = grouped[start]
        bucket = Bucket(start)
        bucket.tiers = {t: sum(d.tiers.get(t, 0) for d in members) for t in TIER_FIELDS}
        bucket.values[Metric.DURATION] = sum(d.values.get(Metric.DURATION, 0) for d in members)
        for metric in METRICS[1:]:
            best = max(members, key=lambda d: d.values.get(metric, 0))
            bucket.values[metric] = best.values.get(metric, 0)
            bucket.peak_times[metric] = best.peak_times.get(metric)
        result.append(bucket)
    return result


def build(filters: Filters, apps: QuerySet[RtcApp]) -> Report:
    chosen = apps
    if filters.account_ids:
        chosen = chosen.filter(vendor_account_id__in=filters.account_ids)
    if filters.app_ids:
        chosen = chosen.filter(pk__in=filters.app_ids)
    app_list = list(chosen.select_related("vendor_account"))
    single_app = len(app_list) == 1
    cover = None if single_app else cover_of(chosen)
    buckets, basis = _series(filters, chosen, cover)
    report = Report(filters, buckets, app_list, single_app, peak_basis=basis, cover=cover)
    if filters.compare:
        report.previous = _series(filters.previous(), chosen, cover)[0]
        report.compared = filters.compared()
        report.change = _change(report, chosen, cover)
    return report


def _change(report: Report, apps: QuerySet[RtcApp], cover: Cover | None) -> float | None:
    """The minutes' trend of the report's range (Filters.compared). A range still running: by
    the hour or the day, its complete part and as much of the period before are leading
    buckets of the report's own two series; by the week or month (a bucket straddles the cut),
    their days are read again, minutes alone."""
    compared = report.compared
    if compared is None:
        return None
    tiers = report.filters.tiers
    if not compared.running:
        now, before = report.buckets, report.previous or []
        return trend(sum(b.duration(tiers) for b in now), sum(b.duration(tiers) for b in before))

    def minutes(filters: Filters, read: list[Bucket]) -> int:
        interval, start, end = window(filters)
        if filters.resolved not in ("hour", "day"):
            read = rows_for(apps, start, end, interval, peak_times=False, cover=cover)
        return sum(b.duration(tiers) for b in read if start <= b.start < end)

    return trend(minutes(compared.now, report.buckets), minutes(compared.before, report.previous or []))


def _series(filters: Filters, apps: QuerySet[RtcApp], cover: Cover | None) -> tuple[list[Bucket], str]:
    """The range's buckets and peak basis; `cover` is None for a single app (its own peaks)."""
    interval, start, end = window(filters)
    buckets = rows_for(apps, start, end, interval, peak_times=cover is None, cover=cover)
    basis = ONE_APP if cover is None else combine_peaks(buckets, apps, start, end, interval, cover)
    return shaped(filters, buckets), basis


def bucket_label(bucket_start: datetime, granularity: str, zone: ZoneInfo) -> str:
    if granularity == "hour":
        local = bucket_start.astimezone(zone)
        label = local.strftime("%Y-%m-%d %H:%M")
        # The night the clock falls back one hour comes twice (a 25-hour day): each of the
        # two says which it is by its zone's abbreviation, 01:00 PDT then 01:00 PST.
        if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
            label += local.strftime(" %Z")
        return label
    if granularity == "month":
        return f"{bucket_start:%Y-%m} ({calendar.month_abbr[bucket_start.month]})"
    if granularity == "week":
        return f"{bucket_start:%Y-%m-%d} (W{bucket_start.isocalendar().week:02d})"
    return f"{bucket_start:%Y-%m-%d}"
