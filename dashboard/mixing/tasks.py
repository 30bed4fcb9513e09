"""Scheduled: the status of every push that is not over yet (GetMPUTaskStatus), each minute."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import push
from .models import MixingTask, TaskState


@db_periodic_task(crontab(), name="mixing.status")
def check_pushes() -> int:
    active = MixingTask.objects.select_related("channel__app__vendor_account").filter(
        state__in=[TaskState.WAITING, TaskState.RUNNING, TaskState.UNKNOWN]
    )
    checked = 0
    for task in active:
        push.refresh(task, interactive=False)
        checked += 1
    return checked
