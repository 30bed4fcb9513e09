"""Job bookkeeping from Huey's signals: throughput and failures per minute, pending jobs,
the job id in logs, and the scheduler's heartbeat."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from contextvars import Token
from datetime import datetime, timedelta
from typing import Protocol

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Model
from django.utils import timezone
from huey import crontab, signals
from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.storage import RedisStorage, SqliteStorage

from dashboard.core.startup import settle_once

from .models import Heartbeat, JobMinute, JobTotal, PendingJob
from .tracing import job_id

log = logging.getLogger(__name__)
_started: dict[str, float] = {}
_job_tokens: dict[str, Token[str]] = {}
# A consumer keeps its jobs' counters, and the pending rows of the jobs it started, this long
# before writing them to the database: one transaction for every job finished or started
# meanwhile. Two writes per job were a tenth of a short job's CPU, and on SQLite the removal at
# a job's start waited behind the other threads' writes in SQLite's sleeping busy handler (a
# ninth of the backfill's worker time, docs/performance-history.md: the tenth pass). The Jobs page, /metrics and the
# oldest waiting job lag by as much.
FLUSH_SECONDS = 1.0
# A started job's row is removed only if it was queued before the job started, give or take
# this (machines' clocks agree within it: NTP). A retry queues the same task id again, later:
# as a job retries, its cutoff moves back to that moment, so the retry's row stays even when
# it is queued at once (Huey's default retry_delay is 0).
CLOCKS_AGREE_WITHIN = timedelta(seconds=1)
# Rows older than this whose job waits neither in the queue nor in the schedule belonged to jobs
# started by a consumer killed between two flushes: the heartbeat removes them (forget_started).
STARTED_ROWS_KEPT = timedelta(seconds=60)


class QueuedTask(Protocol):
    """What the bookkeeping reads of a Huey task (Huey has no type hints)."""

    id: str
    name: str


class Book:
    """Job counters of this process, and the removals of its started jobs' pending rows, not yet
    written to the database.

    Written at once where jobs run inline (HUEY.immediate: tests, a web process without a
    consumer); in a consumer, by a thread of its own every FLUSH_SECONDS and when it stops.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, datetime], dict[str, float]] = {}
        self._cutoffs: dict[str, datetime] = {}  # started jobs: the task id's row goes if queued before
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._also: list[Callable[[], None]] = []

    def also_flush(self, flush: Callable[[], None]) -> None:
        """Another process-wide tally written with this one (dashboard.metrics: vendor calls)."""
        self._also.append(flush)

    def count(self, name: str, **increments: float) -> None:
        minute = timezone.now().replace(second=0, microsecond=0)
        if inline():
            _write_counts({(name, minute): increments})
            return
        with self._lock:
            _add(self._counts, {(name, minute): increments})
            self._ensure_flusher()

    def started(self, task_id: str) -> None:
        """A job started: its pending row goes at the next flush (at once where jobs run inline)."""
        cutoff = timezone.now() + CLOCKS_AGREE_WITHIN
        if inline():
            _remove_pending({task_id: cutoff})
            return
        with self._lock:
            self._cutoffs[task_id] = cutoff
            self._ensure_flusher()

    def retrying(self, task_id: str) -> None:
        """A started job is about to be queued again: only a row queued before now goes."""
        with self._lock:
            if task_id in self._cutoffs:
                self._cutoffs[task_id] = min(self._cutoffs[task_id], timezone.now())

    def flush(self) -> None:
        """Write the counters and remove the started jobs' rows kept so far, in one transaction;
        if it fails, nothing of it was written and all of it is kept for the next try (then the
        error is raised)."""
        with self._lock:
            counts, self._counts = self._counts, {}
            cutoffs, self._cutoffs = self._cutoffs, {}
        try:
            if counts or cutoffs:
                with transaction.atomic():
                    _remove_pending(cutoffs)
                    _write_counts(counts)
        except BaseException:
            with self._lock:
                _add(self._counts, counts)
                for task_id, cutoff in cutoffs.items():  # a later start of the same job kept meanwhile wins
                    self._cutoffs[task_id] = max(cutoff, self._cutoffs.get(task_id, cutoff))
            raise
        for flush in self._also:
            flush()

    def _ensure_flusher(self) -> None:
        """Under the lock: one flushing thread per process (a forked worker starts its own)."""
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._flush_forever, name="ops-job-book", daemon=True)
        self._thread.start()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(FLUSH_SECONDS)
            try:
                self.flush()
            except Exception:  # kept by flush for the next try; this thread must go on
                log.warning("job bookkeeping failed; kept for the next try", exc_info=True)
            finally:
                close_old_connections()  # this thread's own connection, as a job's


def _add(
    into: dict[tuple[str, datetime], dict[str, float]], counts: dict[tuple[str, datetime], dict[str, float]]
) -> None:
    for key, increments in counts.items():
        kept = into.setdefault(key, {})
        for field, value in increments.items():
            kept[field] = kept.get(field, 0.0) + value


def _remove_pending(cutoffs: dict[str, datetime]) -> None:
    """The rows of started jobs, each only if it was queued before its cutoff (plain SQL, one
    statement for all: Django's delete() collects first)."""
    if not cutoffs:
        return
    field = PendingJob._meta.get_field("enqueued_at")
    table = connection.ops.quote_name(PendingJob._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {table} WHERE task_id = %s AND enqueued_at <= %s",
            [
                (task_id, field.get_db_prep_save(cutoff, connection))
                for task_id, cutoff in sorted(cutoffs.items())  # one order in every process, as below
            ],
        )


def _write_counts(counts: dict[tuple[str, datetime], dict[str, float]]) -> None:
    totals: dict[str, dict[str, float]] = {}
    # In one order in every process: two flushing at once then wait for each other, never deadlock.
    for (name, minute), increments in sorted(counts.items()):
        add_to_row(JobMinute, {"name": name, "minute": minute}, increments)
        total = totals.setdefault(name, {})
        for field, value in increments.items():
            total[field] = total.get(field, 0.0) + value
    for name, increments in sorted(totals.items()):
        add_to_row(JobTotal, {"name": name}, increments)


book = Book()


def inline() -> bool:
    """Jobs run where they are queued (tests, JOBS_IMMEDIATE): nothing waits for a flush."""
    return bool(HUEY.immediate)


def add_to_row(model: type[Model], key: dict[str, object], increments: dict[str, float]) -> None:
    """Add to the counters of the row with `key` (its unique fields), making it if it is missing,
    in one statement: concurrent workers never lose an increment. Plain SQL (SQLite and
    PostgreSQL both speak the upsert): Django's update() with F() and its create() cost more
    CPU than the write, once a second in every job process."""
    if not increments:
        return
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field.name in key or not field.primary_key]
    columns = {field.name: connection.ops.quote_name(field.column or field.name) for field in fields}
    values = [
        field.get_db_prep_save(key[field.name] if field.name in key else increments.get(field.name, 0), connection)
        for field in fields
    ]
    table = connection.ops.quote_name(meta.db_table)
    adds = ", ".join(f"{columns[name]} = {table}.{columns[name]} + excluded.{columns[name]}" for name in increments)
    keys = ", ".join(columns[name] for name in key)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns.values())}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({keys}) DO UPDATE SET {adds}",
            values,
        )


def pending(tasks: list[QueuedTask]) -> None:
    """The pending rows of jobs about to be queued (a new row or a new time), in plain SQL: every
    window of a usage chain queues the next, and Django's bulk_create cost more CPU than the write.
    PENDING_BATCH rows a statement (PostgreSQL takes at most 65,535 parameters)."""
    now = PendingJob._meta.get_field("enqueued_at").get_db_prep_save(timezone.now(), connection)
    table = connection.ops.quote_name(PendingJob._meta.db_table)
    with connection.cursor() as cursor:
        for first in range(0, len(tasks), PENDING_BATCH):
            batch = tasks[first : first + PENDING_BATCH]
            cursor.execute(
                f"INSERT INTO {table} (task_id, name, enqueued_at) VALUES {', '.join(['(%s, %s, %s)'] * len(batch))} "
                "ON CONFLICT (task_id) DO UPDATE SET name = excluded.name, enqueued_at = excluded.enqueued_at",
                [value for task in batch for value in (task.id, task.name, now)],
            )


PENDING_BATCH = 1_000


def enqueue_many(tasks: list) -> None:
    """Queue many Huey tasks (`task.s(...)`) at once: their pending rows in one statement, then
    one transaction on a SQLite queue or one pipeline on Redis. Inline (HUEY.immediate) each
    runs as `HUEY.enqueue` would run it."""
    if inline() or not tasks:
        for task in tasks:
            HUEY.enqueue(task)
        return
    for task in tasks:
        if task.expires:
            task.resolve_expires(HUEY.utc)
    try:
        pending(tasks)
    except DatabaseError:
        log.warning("job bookkeeping failed for %s jobs", len(tasks), exc_info=True)
    messages = [(HUEY.serialize_task(task), task.priority or 0) for task in tasks]
    storage = HUEY.storage
    enqueue = type(storage).enqueue  # a storage that queues otherwise (priorities) is left to itself
    if enqueue is SqliteStorage.enqueue:
        with storage.db(commit=True) as cursor:
            cursor.executemany(
                "insert into task (queue, data, priority) values (?, ?, ?)",
                [(storage.name, storage.to_blob(data), priority) for data, priority in messages],
            )
    elif enqueue is RedisStorage.enqueue and not any(priority for _, priority in messages):
        pipe = storage.conn.pipeline(transaction=False)
        for data, _priority in messages:
            pipe.lpush(storage.queue_key, data)
        pipe.execute()
    else:
        for data, priority in messages:
            storage.enqueue(data, priority)


def waiting_jobs() -> list[tuple[str, tuple]]:
    """The name and arguments of every job that waits to run: in the queue, or in the schedule
    (a retry's delay, a job given a time). Reads and decodes the whole queue: for the planner's
    rare doubt about a silent chain, not for every job. The schedule is read first: a job the
    consumer moves from it to the queue after that read is found in the queue (while Huey moves
    it, between its two steps, it is in neither for a moment). (Huey's own pending() and
    scheduled() log every message they cannot decode as an error, with its traceback; here one
    warning counts them.)"""
    storage = HUEY.storage
    found = []
    unreadable = 0
    for message in [*storage.scheduled_items(), *storage.enqueued_items()]:
        try:
            task = HUEY.deserialize_task(message)
        except Exception:  # a message this release cannot read (its task renamed or gone)
            unreadable += 1
            continue
        found.append((task.name, tuple(task.args)))
    if unreadable:
        log.warning("%s of %s waiting jobs could not be read", unreadable, unreadable + len(found))
    return found


def forget_started(now: datetime | None = None) -> int:
    """Remove the pending rows, older than STARTED_ROWS_KEPT, of jobs that wait neither in the
    queue nor in the schedule: a consumer killed between two flushes had started them (their
    removal was still in its memory). Reads the queue's ids only when such old rows exist, and
    removes nothing if a message cannot be read; returns how many rows it removed.

    A job moving between the schedule and the queue meanwhile can be in neither (Huey takes it
    from the schedule, signals, then queues it): its row is written again (the signal) before
    it is queued, and the removal keeps rows written since they were read as old."""
    before = (now or timezone.now()) - STARTED_ROWS_KEPT
    old = set(PendingJob.objects.filter(enqueued_at__lt=before).values_list("task_id", flat=True))
    if not old:
        return 0
    storage = HUEY.storage
    try:  # the message's id only: no task looked up, so jobs of another release count too
        waiting = {
            HUEY.serializer.deserialize(message).id
            for message in [*storage.scheduled_items(), *storage.enqueued_items()]
        }
    except Exception:
        log.warning("pending rows not reconciled: a waiting job could not be read", exc_info=True)
        return 0
    gone = sorted(old - waiting)  # one order, as the flushes delete
    removed, _ = PendingJob.objects.filter(task_id__in=gone, enqueued_at__lt=before).delete()
    if removed:
        log.info("removed %s pending rows of jobs no longer waiting (their consumer stopped)", removed)
    return removed


def pending_written_now(task: QueuedTask) -> None:
    """Write a job's pending row now, in the caller's transaction, before the job is queued
    after it: its queueing then writes none. A usage window writes its chain's next job's row
    with its samples: written on its own after the commit, on SQLite the row waited for the
    other threads' windows in SQLite's sleeping busy handler (docs/performance-history.md, the eleventh pass). A
    failure here fails the caller's transaction, as any of its writes would (the window is
    retried), where a row written on its own is only logged if it fails."""
    pending([task])
    setattr(task, _ROW_WRITTEN, True)  # on this object only: a retry, read from the queue, writes its own


_ROW_WRITTEN = "pending_row_written"


def _on_enqueued(signal: str, task: QueuedTask, *args: object) -> None:
    if not getattr(task, _ROW_WRITTEN, False):
        pending([task])


def _on_executing(signal: str, task: QueuedTask, *args: object) -> None:
    _job_tokens[task.id] = job_id.set(task.id)
    _started[task.id] = time.monotonic()
    book.started(task.id)


def _on_finished(signal: str, task: QueuedTask, *args: object) -> None:
    seconds = time.monotonic() - _started.pop(task.id, time.monotonic())
    if signal == signals.SIGNAL_COMPLETE:
        book.count(task.name, completed=1, seconds=seconds)
    elif signal == signals.SIGNAL_RETRYING:  # Huey queues the retry next, on this thread
        book.retrying(task.id)
        book.count(task.name, retried=1, seconds=seconds)
    else:
        book.count(task.name, failed=1, seconds=seconds)
    token = _job_tokens.pop(task.id, None)
    if token is not None:
        try:
            job_id.reset(token)  # back to the enclosing job's id (tasks run inline nest)
        except ValueError:  # set in another context: just clear it
            job_id.set("")


def _safely(handler: Callable[..., None]) -> Callable[..., None]:
    """Bookkeeping never breaks a job: a failed write is logged and forgotten."""

    def guarded(signal: str, task: QueuedTask, *args: object) -> None:
        try:
            handler(signal, task, *args)
        except DatabaseError:
            log.warning("job bookkeeping failed for %s", getattr(task, "name", "?"), exc_info=True)

    return guarded


def _flush_on_stop() -> None:
    try:
        book.flush()
    except Exception:
        log.warning("job bookkeeping lost at shutdown", exc_info=True)


def connect_signals() -> None:
    HUEY.signal(signals.SIGNAL_ENQUEUED)(_safely(_on_enqueued))
    HUEY.signal(signals.SIGNAL_EXECUTING)(_safely(_on_executing))
    HUEY.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR, signals.SIGNAL_RETRYING)(_safely(_on_finished))
    HUEY.on_shutdown("ops.job_book")(_flush_on_stop)  # each worker, when the consumer stops
    HUEY.on_startup("core.settle")(settle_once)  # each worker, when the consumer starts: once per process


@db_periodic_task(crontab(), name="ops.heartbeat")
def heartbeat() -> None:
    Heartbeat.objects.update_or_create(name="scheduler", defaults={"at": timezone.now()})
    try:
        forget_started()
    except DatabaseError:  # e.g. a deadlock with a flush on PostgreSQL: next minute again
        log.warning("pending rows not reconciled", exc_info=True)


@db_periodic_task(crontab(minute="23", hour="4"), name="ops.prune")
def prune() -> None:
    """Job statistics are kept a week; pending rows of jobs lost with a killed worker a day."""
    now = timezone.now()
    JobMinute.objects.filter(minute__lt=now - timedelta(days=7)).delete()
    PendingJob.objects.filter(enqueued_at__lt=now - timedelta(days=1)).delete()
