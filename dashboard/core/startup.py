"""What a web process does once it has loaded the app, before its first request.

Python's cyclic garbage collector scans every tracked object of the process in a full
(generation 2) collection, which runs about once every ten page views of a year's report: the
app's own modules, views, URL patterns, templates and libraries, about 180,000 objects, made
each such pause 120 ms on the two-core machine (bench/scale.py; the page itself takes 80-150).
Those objects live as long as the process, so after the URL configuration has imported every
view they are moved out of the collector's sight (`gc.freeze()`); what a request makes is still
collected as before. The same is done by large Django deployments (Instagram's, among others)
for this reason and for copy-on-write after fork.
"""

from __future__ import annotations

import gc

from django.urls import get_resolver


def settle() -> int:
    """Import every view (the URL resolver's patterns), collect once, freeze what is left;
    returns the number of objects frozen."""
    get_resolver().url_patterns  # noqa: B018 - importing the URL configuration imports every view
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
