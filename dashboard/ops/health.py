"""What the readiness probe and the staff jobs page report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from .models import Heartbeat, JobMinute, PendingJob


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return Check("database", False, f"{type(error).__name__}: {error}"[:200])
    return Check("database", True, connection.vendor)


def job_engine() -> Check:
    try:
        depth = queue_depth()
    except Exception as error:
        return Check("job_engine", False, f"{type(error).__name__}: {error}"[:200])
    return Check("job_engine", True, f"{type(HUEY).__name__}, {depth} queued")


def queue_depth() -> int:
    return HUEY.pending_count() + HUEY.scheduled_count()


def scheduler(now: datetime | None = None) -> Check:
    now = now or timezone.now()
    beat = Heartbeat.objects.filter(name="scheduler").values_list("at", flat=True).first()
    limit = timedelta(seconds=settings.READY_HEARTBEAT_SECONDS)
    if beat is None:
        return Check("scheduler", False, "no heartbeat yet: is exactly one `run_huey` running with the scheduler?")
    age = now - beat
    return Check("scheduler", age <= limit, f"last heartbeat {age.total_seconds():.0f} s ago (limit {limit.seconds} s)")


def oldest_pending_age(now: datetime | None = None) -> timedelta | None:
    oldest = PendingJob.objects.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return (now or timezone.now()) - oldest if oldest else None


def pending_jobs(now: datetime | None = None) -> Check:
    age = oldest_pending_age(now)
    limit = timedelta(seconds=settings.READY_MAX_JOB_WAIT_SECONDS)
    if age is None:
        return Check("oldest_pending_job", True, "nothing waiting")
    return Check("oldest_pending_job", age <= limit, f"waiting {age.total_seconds():.0f} s (limit {limit.seconds} s)")


def readiness() -> list[Check]:
    checks = [database()]
    if checks[0].ok:
        checks += [job_engine(), scheduler(), pending_jobs()]
    return checks


@dataclass(frozen=True)
class JobStats:
    name: str
    completed: int
    failed: int
    retried: int
    seconds: float

    @property
    def mean_ms(self) -> float:
        done = self.completed + self.failed + self.retried
        return self.seconds / done * 1000 if done else 0.0


def throughput(since: datetime) -> list[JobStats]:
    rows = (
        JobMinute.objects.filter(minute__gte=since)
        .values("name")
        .annotate(completed=Sum("completed"), failed=Sum("failed"), retried=Sum("retried"), seconds=Sum("seconds"))
        .order_by("-completed")
    )
    return [JobStats(**row) for row in rows]
