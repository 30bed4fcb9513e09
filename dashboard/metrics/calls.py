"""Counting vendor calls across processes.

Web and job processes (on any number of machines) make vendor calls; /metrics is answered by
any web process. Each process adds up its calls in memory (vendors.base.observe tells it of
each) and adds them to shared totals in the database (VendorCallTotal) at most every
METRICS_FLUSH_SECONDS, after each request and after each job (in a job consumer, with its job
counters: dashboard.ops.jobs.Book). A scrape reads the totals, so
every process's calls are in every answer, and counters survive restarts. Prometheus'
multiprocess mode was not used: it shares files on one machine only.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time

from django.conf import settings
from django.core.signals import request_finished
from django.db import DatabaseError
from huey import signals
from huey.contrib.djhuey import HUEY

from dashboard.ops import jobs
from dashboard.ops.jobs import add_to_row
from vendors.base.observe import CallObservation, set_call_observer

from .models import LATENCY_BUCKETS, VendorCallTotal, bucket_field

log = logging.getLogger(__name__)
FIELDS = ["calls", "seconds", *(bucket_field(bound) for bound in LATENCY_BUCKETS)]
_lock = threading.Lock()
_pending: dict[tuple[str, str, str], list[float]] = {}
_last_flush = time.monotonic()


def observe(call: CallObservation) -> None:
    if not settings.METRICS_COUNT_VENDOR_CALLS:
        return
    key = (call.vendor[:20], call.action[:100], call.error[:60])
    with _lock:
        row = _pending.setdefault(key, [0.0] * len(FIELDS))
        row[0] += 1
        row[1] += call.seconds
        for index, bound in enumerate(LATENCY_BUCKETS, start=2):
            if call.seconds <= bound:
                row[index] += 1
        due = time.monotonic() - _last_flush >= settings.METRICS_FLUSH_SECONDS
    if due:
        flush()


def flush(*_args: object, **_kwargs: object) -> None:
    """Add what this process counted to the shared totals (kept for the next try if the database fails)."""
    global _last_flush
    with _lock:
        taken = dict(sorted(_pending.items()))  # one order in every process: no deadlock between two
        _pending.clear()
        _last_flush = time.monotonic()
    for index, ((vendor, action, error), row) in enumerate(taken.items()):
        try:
            add_to_row(
                VendorCallTotal,
                {"vendor": vendor, "action": action, "error": error},
                {field: value for field, value in zip(FIELDS, row, strict=True) if value},
            )
        except DatabaseError:
            log.warning("could not store vendor call counts; kept for the next try", exc_info=True)
            with _lock:
                for key, rest in list(taken.items())[index:]:
                    kept = _pending.setdefault(key, [0.0] * len(FIELDS))
                    for position, value in enumerate(rest):
                        kept[position] += value
            return


def flush_after_job(*_args: object) -> None:
    """Inline jobs write their calls at once; a consumer's go with its job counters (ops.jobs.book)."""
    if jobs.inline():
        flush()


def install() -> None:
    set_call_observer(observe)
    request_finished.connect(flush, dispatch_uid="metrics-flush-vendor-calls")
    HUEY.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR, signals.SIGNAL_RETRYING)(flush_after_job)
    jobs.book.also_flush(flush)
    atexit.register(flush)
