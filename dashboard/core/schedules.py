"""Job schedules from settings given in minutes."""

from __future__ import annotations

from huey import crontab

# How a job that calls a vendor retries: 10 s before the first retry, doubling each time
# (10, 20, 40, 80, 160); a job still failing waits for the next schedule.
RETRIES = 5
RETRY_DELAY = 10
RETRY_BACKOFF = 2


def every(minutes: int) -> crontab:
    return crontab(minute=f"*/{minutes}") if minutes < 60 else crontab(minute="0", hour=f"*/{minutes // 60}")
