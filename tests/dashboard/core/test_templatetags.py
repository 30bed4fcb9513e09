"""dashboard/core/templatetags/console.py: durations as h:mm:ss, and which vendor addresses are links."""

from __future__ import annotations

import pytest

from dashboard.core.templatetags.console import clock, web_url


@pytest.mark.parametrize(
    "seconds,shown", [(0, "0:00:00"), (5, "0:00:05"), (123, "0:02:03"), (3723, "1:02:03"), (90061, "25:01:01")]
)
def test_durations_read_h_mm_ss(seconds: int, shown: str) -> None:
    assert clock(seconds) == shown


def test_no_duration_is_blank() -> None:
    assert clock(None) == ""


@pytest.mark.parametrize(
    "value,link",
    [
        ("https://cdn.example.com/rec/a.mp4", "https://cdn.example.com/rec/a.mp4"),
        ("HTTP://cdn.example.com/a.m3u8", "HTTP://cdn.example.com/a.m3u8"),
        ("javascript:alert(1)", ""),
        ("calls/2026/a.m3u8", ""),
        ("https://x.example/a b", ""),
        ("", ""),
    ],
)
def test_only_web_addresses_become_links(value: str, link: str) -> None:
    assert web_url(value) == link


def test_a_start_at_utc_midnight_is_told_apart() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from dashboard.core.templatetags.console import utc_midnight

    assert utc_midnight(datetime(2026, 11, 24, tzinfo=UTC))
    assert utc_midnight(datetime(2026, 11, 24, 8, tzinfo=timezone(timedelta(hours=8))))  # the same moment
    assert not utc_midnight(datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC))
    assert not utc_midnight(None)
