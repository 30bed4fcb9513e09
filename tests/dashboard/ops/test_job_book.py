"""dashboard/ops/jobs.py in a consumer (not inline): counters are kept in memory and written
together, all or nothing; a job's pending row is written before it is queued and removed as it
starts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import DatabaseError
from huey import signals

from dashboard.ops import jobs
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
    assert not PendingJob.objects.exists()  # removed as each started

    consumer.flush()
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


def test_a_failed_flush_writes_nothing_and_keeps_everything_for_the_next(
    db: None, consumer: jobs.Book, monkeypatch
) -> None:
    task = FakeTask("t-4", "usage.window")
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

    monkeypatch.setattr(jobs, "add_to_row", written)
    consumer.flush()
    assert JobMinute.objects.get(name="usage.window").completed == 2  # once, not three or four times
    assert JobTotal.objects.get(name="usage.window").completed == 2


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
