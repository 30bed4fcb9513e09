"""Job schedules from settings given in minutes."""

from __future__ import annotations

from huey import crontab


def every(minutes: int) -> crontab:
    return crontab(minute=f"*/{minutes}") if minutes < 60 else crontab(minute="0", hour=f"*/{minutes // 60}")
