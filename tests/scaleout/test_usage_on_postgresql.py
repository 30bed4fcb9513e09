"""The usage figures' tests again, on PostgreSQL: the reports, the staff overview's ranking and
money, the roll-ups and the sync have SQL of their own there (arrays, COPY, GREATEST, advisory locks)
that the suite's SQLite runs never reach. Run as a pytest of their own, in a subprocess, with
DATABASE_URL pointing at the real server (pytest-django makes and drops its test database)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .cluster import ROOT, servers_missing

pytestmark = pytest.mark.scaleout

ARGUMENTS = [
    "tests/dashboard/usage/test_ground_truth.py",
    "tests/dashboard/usage/test_reports.py",
    "tests/dashboard/usage/test_views.py",
    "tests/dashboard/usage/test_ranking.py",  # PostgreSQL keeps the (metric, interval, timestamp) index
    "tests/dashboard/usage/test_cost.py",
    "tests/dashboard/usage/test_rollups.py",
    "tests/dashboard/alerts/test_conditions.py",
    # The sync's planner and writes (the queue check, a starting job's news: prepared reads,
    # which PostgreSQL binds otherwise).
    "tests/dashboard/usage/test_sync.py",
    # Writing samples (COPY straight in or through the staging table, the series' row
    # comparison, the app's checks by triggers), all but the test of SQLite's own time text.
    "tests/dashboard/usage/test_samples.py",
    "tests/dashboard/usage/postgresql_samples.py",  # other sessions against the triggers
    "tests/dashboard/usage/postgresql_sync.py",  # windows of one app against each other
    "tests/dashboard/usage/test_migrations.py",  # the samples' key, changed by hand per database
    "--deselect",
    "tests/dashboard/usage/test_samples.py::test_times_are_written_to_sqlite_as_django_writes_them",
]


def test_the_usage_figures_tests_pass_on_postgresql() -> None:
    if reason := servers_missing():
        pytest.skip(f"needs the real servers: {reason}")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/rtc_usage_pg_{os.getpid()}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--create-db", *ARGUMENTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    tail = "\n".join(done.stdout.splitlines()[-30:])
    assert done.returncode == 0, tail
    assert " passed" in tail and "skipped" not in tail, tail
