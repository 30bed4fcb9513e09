"""Scheduled: evaluate every alert rule and send the notices that are due (retries included)."""

from __future__ import annotations

from django.conf import settings
from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.exceptions import TaskLockedException

from dashboard.core.schedules import every

from . import engine


@db_periodic_task(every(settings.ALERTS_EVERY_MINUTES), name="alerts.run")
def run_alerts() -> int:
    """Two schedulers, or a run slower than the schedule, never evaluate at once (the unique
    constraints would keep them from notifying twice anyway)."""
    try:
        with HUEY.lock_task("alerts.run"):
            opened, resolved, delivered = engine.run()
    except TaskLockedException:
        return 0
    return opened + resolved + delivered
