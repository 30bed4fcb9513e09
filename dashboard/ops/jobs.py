"""Job bookkeeping from Huey's signals: throughput and failures per minute, pending jobs,
the job id in logs, and the scheduler's heartbeat."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import Token
from datetime import timedelta
from typing import Protocol

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from huey import crontab, signals
from huey.contrib.djhuey import HUEY, db_periodic_task

from .models import Heartbeat, JobMinute, JobTotal, PendingJob
from .tracing import job_id

log = logging.getLogger(__name__)
_started: dict[str, float] = {}
_job_tokens: dict[str, Token[str]] = {}


class _Task(Protocol):
    """What the bookkeeping reads of a Huey task (Huey has no type hints)."""

    id: str
    name: str


def _count(name: str, **increments: float) -> None:
    minute = timezone.now().replace(second=0, microsecond=0)
    add_to_row(JobMinute, {"name": name, "minute": minute}, increments)
    add_to_row(JobTotal, {"name": name}, increments)


def add_to_row(model: type[Model], key: dict[str, object], increments: dict[str, float]) -> None:
    """Add to the counters of the row with `key`, making it if it is missing; concurrent
    workers never lose an increment."""
    changes = {field: F(field) + value for field, value in increments.items()}
    if model._default_manager.filter(**key).update(**changes):
        return
    try:
        with transaction.atomic():
            model._default_manager.create(**key, **increments)
    except IntegrityError:  # another worker made the row first
        model._default_manager.filter(**key).update(**changes)


def _on_enqueued(signal: str, task: _Task, *args: object) -> None:
    PendingJob.objects.update_or_create(task_id=task.id, defaults={"name": task.name, "enqueued_at": timezone.now()})


def _on_executing(signal: str, task: _Task, *args: object) -> None:
    _job_tokens[task.id] = job_id.set(task.id)
    _started[task.id] = time.monotonic()
    PendingJob.objects.filter(task_id=task.id).delete()


def _on_finished(signal: str, task: _Task, *args: object) -> None:
    seconds = time.monotonic() - _started.pop(task.id, time.monotonic())
    if signal == signals.SIGNAL_COMPLETE:
        _count(task.name, completed=1, seconds=seconds)
    elif signal == signals.SIGNAL_RETRYING:
        _count(task.name, retried=1, seconds=seconds)
    else:
        _count(task.name, failed=1, seconds=seconds)
    token = _job_tokens.pop(task.id, None)
    if token is not None:
        try:
            job_id.reset(token)  # back to the enclosing job's id (tasks run inline nest)
        except ValueError:  # set in another context: just clear it
            job_id.set("")


def _safely(handler: Callable[..., None]) -> Callable[..., None]:
    """Bookkeeping never breaks a job: a failed write is logged and forgotten."""

    def guarded(signal: str, task: _Task, *args: object) -> None:
        try:
            handler(signal, task, *args)
        except DatabaseError:
            log.warning("job bookkeeping failed for %s", getattr(task, "name", "?"), exc_info=True)

    return guarded


def connect_signals() -> None:
    HUEY.signal(signals.SIGNAL_ENQUEUED)(_safely(_on_enqueued))
    HUEY.signal(signals.SIGNAL_EXECUTING)(_safely(_on_executing))
    HUEY.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR, signals.SIGNAL_RETRYING)(_safely(_on_finished))


@db_periodic_task(crontab(), name="ops.heartbeat")
def heartbeat() -> None:
    Heartbeat.objects.update_or_create(name="scheduler", defaults={"at": timezone.now()})


@db_periodic_task(crontab(minute="23", hour="4"), name="ops.prune")
def prune() -> None:
    """Job statistics are kept a week; pending rows of jobs lost with a killed worker a day."""
    now = timezone.now()
    JobMinute.objects.filter(minute__lt=now - timedelta(days=7)).delete()
    PendingJob.objects.filter(enqueued_at__lt=now - timedelta(days=1)).delete()
