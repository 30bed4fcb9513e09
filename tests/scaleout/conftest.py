"""The scale-out path against the real servers: PostgreSQL at 127.0.0.1:5432 and Redis at
127.0.0.1:6379. Where they are absent the tests skip with the reason; under CI=true a skip
fails the run (tests/conftest.py)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .cluster import PG_ADMIN, Cluster, servers_missing


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if reason := servers_missing():
        pytest.skip(f"scale-out tests need the real servers: {reason}")
    import psycopg

    name = f"rtc_scaleout_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    running = Cluster(database=name, var_dir=Path(tempfile.mkdtemp(prefix="scaleout-")))
    try:
        running.manage("migrate", "--verbosity", "0")
        yield running
    finally:
        running.stop_workers()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh(cluster: Cluster) -> Iterator[Cluster]:
    cluster.reset()
    cluster.env = {}
    yield cluster
    cluster.stop_workers()
