"""Requests per vendor account kept under the vendor's limit, with the `limits` library.

Counters live where RATE_LIMIT_STORAGE_URL says: in memory for one process, in Redis to be
shared by every worker of every machine. A request that would break the limit waits.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from django.conf import settings
from limits import RateLimitItem, RateLimitItemPerSecond, WindowStats, storage, strategies

from .models import VendorAccount


class ProcessWindows:
    """`limits`' moving window (hit, test, get_window_stats) for counters in this process.

    Its MemoryStorage trims old entries from a threading.Timer it starts again whenever the
    last one has run out, every 10 ms under load: a thread started and ended a hundred
    times a second, about 30 us of CPU per vendor call of a live poll. Here each key keeps
    the times of its requests in the window, trimmed by the request that reads them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: dict[str, deque[float]] = {}

    def _in_window(self, key: str, expiry: int, now: float) -> deque[float]:
        times = self._times.setdefault(key, deque())
        while times and times[0] < now - expiry:
            times.popleft()
        return times

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        with self._lock:
            now = time.time()
            times = self._in_window(item.key_for(*identifiers), item.get_expiry(), now)
            if len(times) + cost > item.amount:
                return False
            times.extend([now] * cost)
            return True

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        with self._lock:
            times = self._in_window(item.key_for(*identifiers), item.get_expiry(), time.time())
            return len(times) + cost <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        with self._lock:
            now = time.time()
            times = self._in_window(item.key_for(*identifiers), item.get_expiry(), now)
            start = times[0] if times else now
            return WindowStats(start + item.get_expiry(), item.amount - len(times))


_limiters: dict[str, strategies.MovingWindowRateLimiter | ProcessWindows] = {}
_limiters_lock = threading.Lock()


def _limiter(url: str) -> strategies.MovingWindowRateLimiter | ProcessWindows:
    """One per storage URL and process. Made under a lock: two threads making the first call at
    once would each count in a limiter of its own, and one's requests would not be counted."""
    try:
        return _limiters[url]
    except KeyError:
        pass
    with _limiters_lock:
        if url not in _limiters:
            memory = url.startswith("memory://")
            _limiters[url] = (
                ProcessWindows() if memory else strategies.MovingWindowRateLimiter(storage.storage_from_string(url))
            )
        return _limiters[url]


def per_second(account: VendorAccount) -> float:
    return account.info.limits.requests_per_second or settings.VENDOR_DEFAULT_REQUESTS_PER_SECOND


def limit_for(account: VendorAccount, api: str = "", rate: float | None = None) -> tuple[RateLimitItemPerSecond, str]:
    """The moving window and the counter key of one account (and API, where the vendor
    counts per API)."""
    limits = account.info.limits if account.vendor_known else None
    rate = rate or per_second(account)
    # `limits` counts whole requests per window: 0.5/s becomes 1 per 2 seconds.
    window = max(limits.rate_window_seconds if limits else 1, 1 if rate >= 1 else math.ceil(1 / rate))
    item = RateLimitItemPerSecond(max(1, int(rate * window)), window)
    key = f"vendor-account-{account.pk}"
    if api and limits and limits.per_api:
        key += f"-api-{api}"
    return item, key


def has_room(account: VendorAccount, api: str = "") -> bool:
    item, key = limit_for(account, api)
    return _limiter(settings.RATE_LIMIT_STORAGE_URL).test(item, "rtc-dashboard", key)


def wait_for_turn(account: VendorAccount, rate: float | None = None, api: str = "") -> float:
    """Block until one more request to this account (and API) fits; returns the seconds waited."""
    item, key = limit_for(account, api, rate)
    limiter = _limiter(settings.RATE_LIMIT_STORAGE_URL)
    waited = 0.0
    while not limiter.hit(item, "rtc-dashboard", key):
        reset = limiter.get_window_stats(item, "rtc-dashboard", key).reset_time
        pause = min(max(reset - time.time(), 0.005), 1.0)
        time.sleep(pause)
        waited += pause
    return waited
