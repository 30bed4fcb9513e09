"""dashboard/core/cache.py: Django's Redis cache keeping one client per pool behaves as Django's
(get, set, add, delete, many, incr, expiry) and reuses its client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from dashboard.core.cache import SharedClientRedisCache

URL = os.environ.get("CACHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def cache() -> Iterator[SharedClientRedisCache]:
    try:
        redis.Redis.from_url(URL, socket_connect_timeout=3).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {URL}")
    made = SharedClientRedisCache(URL, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    yield made
    made.delete_many(["a", "b", "c", "n"])


def test_behaves_as_djangos_redis_cache(cache: SharedClientRedisCache) -> None:
    assert cache.get("a") is None and cache.get("a", 1) == 1
    cache.set("a", {"page": b"\x00csrf\x00"}, 30)
    assert cache.get("a") == {"page": b"\x00csrf\x00"}
    assert cache.add("a", 2) is False and cache.add("b", 2) is True
    cache.set_many({"c": 3, "n": 1})
    assert cache.get_many(["a", "b", "c"]) == {"a": {"page": b"\x00csrf\x00"}, "b": 2, "c": 3}
    assert cache.incr("n") == 2
    cache.delete("a")
    assert cache.get("a") is None
    cache.set("b", 1, 0)  # a timeout of 0: not kept
    assert cache.get("b") is None


def test_one_client_for_every_call(cache: SharedClientRedisCache) -> None:
    client = cache._cache.get_client()
    cache.set("a", 1)
    assert cache._cache.get_client() is client and cache._cache.get_client(write=True) is client
