"""What the console's own polls say about a channel's use: one definition, used by the poll
itself (a channel's running totals) and by the usage app's observed series."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

# Across a gap of more than this many poll intervals (the console was down) nobody knows
# who was there: the gap is not counted.
GAP_INTERVALS = 3


def poll_interval() -> timedelta:
    return timedelta(seconds=settings.LIVE_POLL_SECONDS)


def counted(elapsed: timedelta) -> bool:
    """Whether the time between two polls of a channel counts towards its member-minutes."""
    return elapsed <= GAP_INTERVALS * poll_interval()


def member_minutes(members: int, elapsed: timedelta) -> float:
    """Minutes spent by `members` (what the earlier poll saw) until the next poll, `elapsed` later."""
    return members * elapsed.total_seconds() / 60 if counted(elapsed) else 0.0


def missed_polls(elapsed: timedelta) -> int:
    """Polls that should have happened between two polls `elapsed` apart (half an interval of slack)."""
    return max(0, int(elapsed / poll_interval() + 0.5) - 1)
