"""Every benchmark runs, at a small size, and ends with its figures against its target.

The figures of a small run say nothing (timing belongs to the benchmarks, not the tests): what
is checked is that each script still runs against today's code and prints its ratio last, as
the README's Benchmarks section reads them. Before this test `bench/scaleout.py` had failed
at its first queue count since 2026-12-01 (its cluster reads the console's settings), and
`bench/live.py` failed below 120 members.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scaleout.cluster import servers_missing

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = f"rtc_test_bench_{os.getpid()}"  # each bench drops and makes it; dropped after each case

# (script and its small-size arguments, needs PostgreSQL and Redis)
RUNS = {
    "aliyun_client": (["aliyun_client.py", "--requests", "30", "--rounds", "1"], False),
    "report": (["report.py", "--runs", "2"], False),
    "live": (
        ["live.py", "--channels", "40", "--rounds", "1", "--warmup", "0", "--members", "50", "--renders", "2"],
        False,
    ),
    "recordings": (["recordings.py", "--recordings", "500", "--runs", "2"], False),
    "sim_server": (["sim_server.py", "--requests", "60", "--action", "all"], False),
    "sync, SQLite": (["sync.py", "--apps", "2", "--days", "2"], False),
    "sync, PostgreSQL and Redis, worker processes": (
        [
            *("sync.py", "--apps", "2", "--days", "2", "--worker-type", "process"),
            # Redis database 12: no other test uses it (the scale-out tests take 13 and 14, the cache's 15).
            *("--database-url", f"{PG}/{DATABASE}", "--jobs-redis-url", "redis://127.0.0.1:6379/12"),
        ],
        True,
    ),
    "home": (["home.py", "--tenants", "1", "--runs", "2", "--database-url", f"{PG}/{DATABASE}"], True),
    "load": (
        # The cache per gunicorn process: the bench's default Redis database is flushed first.
        [
            "load/run.py",
            "--users",
            "4",
            "--seconds",
            "3",
            "--database-url",
            f"{PG}/{DATABASE}",
            "--cache-redis-url",
            "",
        ],
        True,
    ),
    "scale": (["scale.py", "--tenants", "1", "--runs", "2", "--database-url", f"{PG}/{DATABASE}"], True),
    "scaleout": (["scaleout.py", "--runs", "1"], True),  # its own database; Redis 13 and 14, as the scale-out tests
}

# The console's settings come from each script, as when a person runs it, not from the test run's.
NOT_PASSED = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "JOBS_REDIS_URL", "CACHE_REDIS_URL", "RATE_LIMIT_STORAGE_URL"}


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=[pytest.mark.scaleout] if servers else []) for name, (_, servers) in RUNS.items()]
)
def test_the_benchmark_runs_and_prints_its_ratio_last(name: str, tmp_path: Path) -> None:
    arguments, needs_servers = RUNS[name]
    if needs_servers and (reason := servers_missing()):
        pytest.skip(f"needs the real servers: {reason}")
    env = {key: value for key, value in os.environ.items() if key not in NOT_PASSED}
    env["TMPDIR"] = str(tmp_path)  # the benches' temporary folders (SQLite files, logs) go with the test's
    bench = subprocess.Popen(
        [sys.executable, f"bench/{arguments[0]}", *arguments[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its simulator, gunicorn and workers go with it if it hangs
    )
    try:
        stdout, stderr = bench.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(bench.pid, signal.SIGKILL)
        stdout, stderr = bench.communicate()
        pytest.fail(f"{name} ran over 300 s:\n{stdout[-2000:]}{stderr[-3000:]}")
    finally:
        if needs_servers:
            drop_database()
    assert bench.returncode == 0, stdout[-2000:] + stderr[-3000:]
    last = stdout.strip().splitlines()[-1]
    assert "target" in last and "ratio" in last, last


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
