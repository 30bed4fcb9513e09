"""dashboard/ops/jobs.py in a consumer (not inline): counters, and the removal of started jobs'
pending rows, are kept in memory and written together, all or nothing; a job's pending row is
written before it is queued; rows a killed consumer left behind are found and removed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from huey import signals

from dashboard.core.schedules import RETRY_DELAY
from dashboard.ops import jobs
from dashboard.ops.health import pending_jobs
from dashboard.ops.models import JobMinute, JobTotal, PendingJob


@dataclass
class FakeTask:
    id: str
    name: str


@pytest.fixture
def consumer(monkeypatch) -> jobs.Book:
    """Bookkeeping as in a consumer, with no flushing thread: the test flushes."""
    monkeypatch.setattr(jobs, "inline", lambda: False)
    book = jobs.Book()
    monkeypatch.setattr(book, "_ensure_flusher", lambda: None)
    monkeypatch.setattr(jobs, "book", book)
    return book


def test_a_consumer_writes_its_counts_and_started_jobs_when_it_flushes(db: None, consumer: jobs.Book) -> None:
    first, second = FakeTask("t-1", "usage.window"), FakeTask("t-2", "usage.window")
    for task in (first, second):
        jobs._on_enqueued(signals.SIGNAL_ENQUEUED, task)
    assert set(PendingJob.objects.values_list("task_id", flat=True)) == {"t-1", "t-2"}  # before they are queued
    jobs._on_executing(signals.SIGNAL_EXECUTING, first)
    jobs._on_finished(signals.SIGNAL_COMPLETE, first)
    jobs._on_executing(signals.SIGNAL_EXECUTING, second)
    jobs._on_finished(signals.SIGNAL_ERROR, second)
    assert not JobMinute.objects.exists()  # kept in memory
    assert PendingJob.objects.count() == 2  # their removal too

    consumer.flush()
    assert not PendingJob.objects.exists()
    minute = JobMinute.objects.get(name="usage.window")
    assert (minute.completed, minute.failed, minute.retried) == (1, 1, 0)
    total = JobTotal.objects.get(name="usage.window")
    assert (total.completed, total.failed) == (1, 1) and total.seconds == pytest.approx(minute.seconds)

    jobs._on_executing(signals.SIGNAL_EXECUTING, first)
    jobs._on_finished(signals.SIGNAL_COMPLETE, first)
    jobs._flush_on_stop()  # what the consumer's shutdown hook does
    assert JobTotal.objects.get(name="usage.window").completed == 2  # added to, never replaced


def test_a_retry_queued_again_keeps_its_new_pending_row(db: None, consumer: jobs.Book) -> None:
    task = FakeTask("t-3", "usage.window")
    jobs._on_enqueued(signals.SIGNAL_ENQUEUED, task)
    jobs._on_executing(signals.SIGNAL_EXECUTING, task)
    jobs._on_finished(signals.SIGNAL_RETRYING, task)
    consumer.flush()
    jobs._on_enqueued(signals.SIGNAL_ENQUEUED, task)  # the retry, queued again after a flush
    consumer.flush()
    assert PendingJob.objects.filter(task_id="t-3").exists()
    assert JobTotal.objects.get(name="usage.window").retried == 1


def test_a_retry_queued_again_before_the_flush_keeps_its_new_row(db: None, consumer: jobs.Book) -> None:
    task = FakeTask("t-5", "usage.window")
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=UTC), tick=False) as clock:
        jobs._on_enqueued(signals.SIGNAL_ENQUEUED, task)
        clock.shift(timedelta(seconds=2))
        jobs._on_executing(signals.SIGNAL_EXECUTING, task)
        jobs._on_finished(signals.SIGNAL_RETRYING, task)
        clock.shift(RETRY_DELAY)
        jobs._on_enqueued(signals.SIGNAL_ENQUEUED, task)  # the retry, out of the schedule
        consumer.flush()
        assert PendingJob.objects.get(task_id="t-5").enqueued_at == timezone.now()  # the retry's row
        jobs._on_executing(signals.SIGNAL_EXECUTING, task)  # the retry starts
        consumer.flush()
    assert not PendingJob.objects.filter(task_id="t-5").exists()


def test_rows_of_jobs_a_killed_consumer_had_started_are_removed_by_the_heartbeat(
    db: None, consumer: jobs.Book, waiting_queue
) -> None:
    from dashboard.rtc.tasks import refresh_account_apps

    queued, scheduled, started, young = (refresh_account_apps.s(number) for number in range(4))
    waiting_queue.enqueue(jobs.HUEY.serialize_task(queued), 0)
    waiting_queue.add_to_schedule(jobs.HUEY.serialize_task(scheduled), datetime.now(UTC) + timedelta(hours=1))
    long_ago = timezone.now() - jobs.STARTED_ROWS_KEPT - timedelta(seconds=1)
    for task in (queued, scheduled, started):
        PendingJob.objects.create(task_id=task.id, name=task.name, enqueued_at=long_ago)
    PendingJob.objects.create(task_id=young.id, name=young.name, enqueued_at=timezone.now())  # maybe not queued yet
    assert not pending_jobs(now=timezone.now() + timedelta(seconds=settings.READY_MAX_JOB_WAIT_SECONDS)).ok

    jobs.heartbeat.call_local()  # the periodic job's own work
    assert set(PendingJob.objects.values_list("task_id", flat=True)) == {queued.id, scheduled.id, young.id}
    assert jobs.forget_started() == 0  # nothing more to remove


def test_a_retry_queued_at_once_keeps_its_row(db: None, consumer: jobs.Book) -> None:
    task = FakeTask("t-7", "usage.window")
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=UTC), tick=False) as clock:
        jobs._on_enqueued(signals.SIGNAL_ENQUEUED, task)
        clock.shift(0.1)
        jobs._on_executing(signals.SIGNAL_EXECUTING, task)
        clock.shift(0.1)
        jobs._on_finished(signals.SIGNAL_RETRYING, task)
        clock.shift(0.001)
        jobs._on_enqueued(signals.SIGNAL_ENQUEUED, task)  # no retry delay: within a second of the start
        consumer.flush()
    assert PendingJob.objects.filter(task_id="t-7").exists()


def test_a_start_kept_during_a_failed_flush_is_not_lost_to_the_earlier_one(
    db: None, consumer: jobs.Book, monkeypatch
) -> None:
    task = FakeTask("t-8", "usage.window")
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=UTC), tick=False) as clock:
        jobs._on_enqueued(signals.SIGNAL_ENQUEUED, task)
        jobs._on_executing(signals.SIGNAL_EXECUTING, task)
        written = jobs.add_to_row

        def the_retry_starts_meanwhile_then_the_flush_fails(model, key, increments):
            clock.shift(RETRY_DELAY)
            jobs._on_executing(signals.SIGNAL_EXECUTING, task)  # on another worker thread
            raise DatabaseError("database is locked")

        jobs._on_finished(signals.SIGNAL_RETRYING, task)
        monkeypatch.setattr(jobs, "add_to_row", the_retry_starts_meanwhile_then_the_flush_fails)
        with pytest.raises(DatabaseError):
            consumer.flush()
        # The retry's row, as another connection committed it before the retry started.
        retried_at = timezone.now() - timedelta(milliseconds=10)
        PendingJob.objects.filter(task_id="t-8").update(enqueued_at=retried_at)
        monkeypatch.setattr(jobs, "add_to_row", written)
        consumer.flush()
    assert not PendingJob.objects.filter(task_id="t-8").exists()  # the retry's start removed its row


def test_without_old_rows_the_queue_is_not_read(db: None, consumer: jobs.Book, monkeypatch) -> None:
    PendingJob.objects.create(task_id="t-6", name="usage.window", enqueued_at=timezone.now())
    monkeypatch.setattr(jobs.HUEY.storage, "enqueued_items", lambda: pytest.fail("read the queue"))
    assert jobs.forget_started() == 0
    assert PendingJob.objects.filter(task_id="t-6").exists()


def test_a_row_written_again_while_the_queue_is_read_stays(db: None, consumer: jobs.Book, monkeypatch) -> None:
    long_ago = timezone.now() - jobs.STARTED_ROWS_KEPT - timedelta(seconds=1)
    PendingJob.objects.create(task_id="t-9", name="usage.window", enqueued_at=long_ago)

    def moved_from_the_schedule_meanwhile():
        jobs._on_enqueued(signals.SIGNAL_ENQUEUED, FakeTask("t-9", "usage.window"))  # in neither, for now
        return []

    monkeypatch.setattr(jobs.HUEY.storage, "enqueued_items", moved_from_the_schedule_meanwhile)
    assert jobs.forget_started() == 0
    assert PendingJob.objects.filter(task_id="t-9").exists()


def test_an_unreadable_waiting_job_leaves_every_row(db: None, consumer: jobs.Book, waiting_queue, caplog) -> None:
    long_ago = timezone.now() - jobs.STARTED_ROWS_KEPT - timedelta(seconds=1)
    PendingJob.objects.create(task_id="t-10", name="usage.window", enqueued_at=long_ago)
    waiting_queue.enqueue(b"not a job this release can read", 0)
    assert jobs.forget_started() == 0
    assert PendingJob.objects.filter(task_id="t-10").exists() and "not reconciled" in caplog.text


def test_a_failed_flush_writes_nothing_and_keeps_everything_for_the_next(
    db: None, consumer: jobs.Book, monkeypatch
) -> None:
    task = FakeTask("t-4", "usage.window")
    jobs._on_enqueued(signals.SIGNAL_ENQUEUED, task)
    for _ in range(2):
        jobs._on_executing(signals.SIGNAL_EXECUTING, task)
        jobs._on_finished(signals.SIGNAL_COMPLETE, task)
    written = jobs.add_to_row

    def fails_on_the_total(model, key, increments):
        if model is JobTotal:
            raise DatabaseError("database is locked")
        written(model, key, increments)

    monkeypatch.setattr(jobs, "add_to_row", fails_on_the_total)
    with pytest.raises(DatabaseError):
        consumer.flush()
    assert not JobMinute.objects.exists()  # the minute row written before the failure is rolled back
    assert PendingJob.objects.filter(task_id="t-4").exists()  # and the started job's row kept

    monkeypatch.setattr(jobs, "add_to_row", written)
    consumer.flush()
    assert JobMinute.objects.get(name="usage.window").completed == 2  # once, not three or four times
    assert JobTotal.objects.get(name="usage.window").completed == 2
    assert not PendingJob.objects.filter(task_id="t-4").exists()


def test_many_jobs_are_queued_at_once_with_their_pending_rows(db: None, consumer: jobs.Book, monkeypatch) -> None:
    from dashboard.usage.tasks import sync_series_window

    queued = []
    monkeypatch.setattr(jobs.HUEY, "storage", type("Storage", (), {"enqueue": lambda self, d, p: queued.append(d)})())
    tasks = [sync_series_window.s(index, "duration", 3600, (("a", "b"),)) for index in range(3)]
    jobs.enqueue_many(tasks)
    assert len(queued) == 3
    assert set(PendingJob.objects.values_list("task_id", flat=True)) == {task.id for task in tasks}


def test_many_jobs_go_into_a_sqlite_queue_in_order(db: None, consumer: jobs.Book, monkeypatch, tmp_path) -> None:
    from huey.storage import SqliteStorage

    from dashboard.usage.tasks import sync_series_window

    storage = SqliteStorage(name="test", filename=str(tmp_path / "jobs.sqlite3"))
    monkeypatch.setattr(jobs.HUEY, "storage", storage)
    tasks = [sync_series_window.s(index, "duration", 3600, (("a", "b"),)) for index in range(3)]
    jobs.enqueue_many(tasks)
    assert [jobs.HUEY.deserialize_task(data).id for data in storage.enqueued_items()] == [task.id for task in tasks]
