"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` around its pool for every get and set; with
redis-py 8 that object's set-up costs about as much CPU as the command itself, and a page view
makes two or three (its session, its stored render). A `redis.Redis` is safe to share between
threads (each command takes a connection from the pool), and the pool checks the process id, so
a forked worker opens its own connections.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django: Any = self  # RedisCacheClient's own attributes (not in django-stubs)
        index = django._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = django._client(connection_pool=django._get_connection_pool(write))
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
