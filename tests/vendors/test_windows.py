"""Window splitting covers a range exactly: no gaps, no overlaps, never over the span."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendors.base.windows import ceil_to, floor_to, split_windows

moments = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))


@given(
    start=moments,
    length=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=800)),
    step=st.sampled_from([3600, 86400]),
    span_days=st.integers(min_value=1, max_value=45),
)
def test_windows_tile_the_range(start, length, step, span_days):
    end = start + length
    max_span = timedelta(days=span_days)
    windows = list(split_windows(start, end, max_span=max_span, step_seconds=step))
    assert windows[0][0] == floor_to(start, step) <= start
    assert windows[-1][1] == ceil_to(end, step) >= end
    for (_, hi), (lo, _) in pairwise(windows):
        assert hi == lo, "no gap, no overlap"
    for lo, hi in windows:
        assert lo < hi and hi - lo <= max_span
        assert floor_to(lo, step) == lo and floor_to(hi, step) == hi, "bucket-aligned"


def test_empty_range_gives_no_windows():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert list(split_windows(moment, moment, max_span=timedelta(days=30), step_seconds=3600)) == []


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        list(split_windows(datetime(2026, 1, 1), datetime(2026, 2, 1), max_span=timedelta(days=30), step_seconds=3600))
