"""Splitting time ranges into windows a vendor accepts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass timezone-aware UTC times")
    return value.astimezone(UTC)


def floor_to(value: datetime, step_seconds: int) -> datetime:
    seconds = int((as_utc(value) - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=seconds - seconds % step_seconds)


def ceil_to(value: datetime, step_seconds: int) -> datetime:
    floored = floor_to(value, step_seconds)
    return floored if floored == as_utc(value) else floored + timedelta(seconds=step_seconds)


def split_windows(
    start: datetime, end: datetime, *, max_span: timedelta, step_seconds: int
) -> Iterator[tuple[datetime, datetime]]:
    """Cover [start, end) with consecutive half-open windows of at most `max_span`.

    The outer bounds are widened to whole steps (an hourly query starting at 10:30 asks
    from 10:00) so every bucket the vendor returns belongs to exactly one window.
    """
    lo, hi = floor_to(start, step_seconds), ceil_to(end, step_seconds)
    span_steps = int(max_span.total_seconds()) // step_seconds
    if span_steps < 1:
        raise ValueError("max_span is shorter than one step")
    step = timedelta(seconds=step_seconds * span_steps)
    while lo < hi:
        upper = min(lo + step, hi)
        yield lo, upper
        lo = upper
