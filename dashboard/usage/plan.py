"""Which windows of which statistics to fetch: backfill first, then what is new plus an overlap."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from vendors.base.provider import VendorInfo
from vendors.base.types import Interval, UsageMetric
from vendors.base.windows import ceil_to, floor_to, split_windows

METRICS = tuple(UsageMetric)
INTERVALS = (Interval.HOUR, Interval.DAY)
NO_LIMIT_SPAN = timedelta(days=366)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def max_span(info: VendorInfo) -> timedelta:
    days = info.limits.max_usage_span_days
    return timedelta(days=days) if days else NO_LIMIT_SPAN


def windows(
    synced_until: datetime | None,
    *,
    now: datetime,
    interval: Interval,
    backfill: timedelta,
    overlap: timedelta,
    span: timedelta,
) -> list[Window]:
    """Windows from the cursor (less the overlap) or the backfill start, up to now.

    Windows never exceed the vendor's span and start on bucket edges.
    """
    step = int(interval)
    start = backfill_start(now, backfill)
    if synced_until is not None:
        # Never before the backfill's start, for hours and days alike: a new series' overlap
        # would reach hours (or a day) the other granularity never fetched. A backfill shorter
        # than a day plus the overlap therefore re-reads less than the overlap just after
        # midnight; the default (90 days, 3 hours) never does.
        start = floor_to(max(synced_until - overlap, start), step)
    if start >= now:
        return []
    return [Window(lo, min(hi, now)) for lo, hi in split_windows(start, now, max_span=span, step_seconds=step)]


def backfill_start(now: datetime, backfill: timedelta) -> datetime:
    """Where every series' backfill starts: `backfill` ending with the current UTC day.

    The same instant for hours and days: started at the current hour instead, the hours of
    the first day were stored without that day's daily bucket, and a report by hour over
    that day counted minutes the same report by day did not. 90 days at a 30-day span is
    still three calls.
    """
    return ceil_to(now, int(Interval.DAY)) - backfill


def minimum_requests(days: int, span: timedelta) -> int:
    """Calls one backfill of one series needs at least: the whole range in windows of the span."""
    return -(-timedelta(days=days) // span)


def series(metrics: tuple[UsageMetric, ...] = METRICS) -> Iterator[tuple[UsageMetric, Interval]]:
    for metric in metrics:
        for interval in INTERVALS:
            yield metric, interval
