"""Requests per vendor account kept under the vendor's limit, with the `limits` library.

Counters live where RATE_LIMIT_STORAGE_URL says: in memory for one process, in Redis to be
shared by every worker of every machine. A request that would break the limit waits.
"""

from __future__ import annotations

import math
import time
from functools import cache

from django.conf import settings
from limits import RateLimitItemPerSecond, storage, strategies

from .models import VendorAccount


@cache
def _limiter(url: str) -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(url))


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
