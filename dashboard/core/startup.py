"""What a web or job process does once it has loaded the app, before its first request or job.

Python's cyclic garbage collector scans every tracked object of the process in a full
(generation 2) collection, which runs about once every ten page views of a year's report: the
app's own modules, views, URL patterns, templates and libraries, about 180,000 objects, made
each such pause 120 ms on the two-core machine (bench/scale.py; the page itself takes 80-150).
Those objects live as long as the process, so after the URL configuration has imported every
view they are moved out of the collector's sight (`gc.freeze()`); what a request makes is still
collected as before. The same is done by large Django deployments (Instagram's, among others)
for this reason and for copy-on-write after fork. A job consumer does the same as its worker
threads start (ops/jobs.py): in the backfill bench, ten full collections a run took 1.1 s of the
worker process's 13 s of CPU, 108 ms each, against 33-55 ms each frozen.
"""

from __future__ import annotations

import gc
import threading

from django.urls import get_resolver

_settling = threading.Lock()
_settled = False


def settle() -> int:
    """Import every view (the URL resolver's patterns), collect once, freeze what is left;
    returns the number of objects frozen."""
    get_resolver().url_patterns  # noqa: B018 - importing the URL configuration imports every view
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def settle_once() -> None:
    """settle(), the first time a process asks (each of a consumer's worker threads does)."""
    global _settled
    with _settling:
        if not _settled:
            settle()
            _settled = True
