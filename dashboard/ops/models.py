from __future__ import annotations

from django.db import models


class JobMinute(models.Model):
    """How many jobs of one name finished, failed or were retried in one minute."""

    name = models.CharField(max_length=100)
    minute = models.DateTimeField()
    completed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    retried = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0, help_text="Time spent running them.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "minute"], name="one_row_per_job_minute")]
        indexes = [models.Index(fields=["minute"], name="job_minute_time")]


class JobTotal(models.Model):
    """Everything JobMinute counted for one job name, never pruned: Prometheus counters
    (/metrics) must only grow, across every worker process and machine."""

    name = models.CharField(max_length=100, primary_key=True)
    completed = models.PositiveBigIntegerField(default=0)
    failed = models.PositiveBigIntegerField(default=0)
    retried = models.PositiveBigIntegerField(default=0)
    seconds = models.FloatField(default=0, help_text="Time spent running them.")


class PendingJob(models.Model):
    """A queued job not yet started: how long the oldest one waits tells a stuck queue."""

    task_id = models.CharField(max_length=64, primary_key=True)
    name = models.CharField(max_length=100)
    enqueued_at = models.DateTimeField(db_index=True)


class Heartbeat(models.Model):
    """The scheduler's sign of life: written by a periodic job, so it proves both the
    scheduler (it queued the job) and a worker (it ran it)."""

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()
