"""Many worker processes on PostgreSQL and Redis: each window once, kills, faults, shared limits."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.usage.models import PEAK_METRICS
from dashboard.usage.plan import INTERVALS, minimum_requests, series

from .cluster import ACCOUNT_SERIES, APPS, DAYS, Cluster

pytestmark = pytest.mark.scaleout
SERIES = len(list(series()))


def backfill(cluster: Cluster, workers: int, *fault_args: str, latency_ms: float = 100, **env: str) -> dict:
    """One full backfill of one account by `workers` processes; the simulator's view of it."""
    cluster.reset()
    started = datetime.now(UTC)
    with cluster.simulator(*fault_args, latency_ms=latency_ms) as sim:
        cluster.add_account(sim, "Production")
        sim.traffic(reset=True)
        cluster.start_workers(workers, **env)
        planned = cluster.plan(**env)
        cluster.wait_until_synced(started, **env)
        traffic = sim.traffic()
        cluster.stop_workers()
    arrivals = sorted(traffic["arrivals"])
    return {
        "planned": planned,
        "requests": traffic["requests"],
        "rate": (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]),
        "rows": cluster.samples(),
    }


@pytest.fixture(scope="module")
def baseline(cluster: Cluster) -> dict:
    """An undisturbed run by two workers: the tables every other run must end with."""
    return backfill(cluster, 2)


def test_two_and_four_workers_fetch_every_window_once(cluster: Cluster, baseline: dict) -> None:
    # Every app's series, and the account's own peak series (Aliyun answers for the whole account).
    assert len(PEAK_METRICS) * len(INTERVALS) == ACCOUNT_SERIES
    minimum = (APPS * SERIES + ACCOUNT_SERIES) * minimum_requests(DAYS, timedelta(days=30))
    assert baseline["planned"] == APPS * SERIES + ACCOUNT_SERIES
    assert baseline["requests"] == minimum, "a window was fetched twice, or one was skipped"
    four = backfill(cluster, 4)
    assert four["requests"] == minimum
    assert four["rows"] == baseline["rows"] and len(baseline["rows"]) > APPS * DAYS
    assert len({row[:4] for row in four["rows"]}) == len(four["rows"])  # no duplicate buckets
    # How much faster four are is a figure for bench/sync.py, not an assertion: on a busy
    # machine it is whatever the other load leaves (it failed CI at 10.1 against 7.26/s).
    print(f"requests/s: 2 workers {baseline['rate']:.1f}, 4 workers {four['rate']:.1f}")


def test_workers_killed_twenty_times_still_converge_to_the_same_tables(cluster: Cluster, baseline: dict) -> None:
    cluster.reset()
    env = {"USAGE_CHAIN_TIMEOUT_MINUTES": "0.15"}  # a lost chain is planned again after 9 s
    rng = random.Random(2026)
    started = datetime.now(UTC)
    with cluster.simulator(latency_ms=150) as sim:
        cluster.add_account(sim, "Production")
        cluster.start_workers(2, **env)
        cluster.plan(**env)
        for _ in range(20):
            time.sleep(rng.uniform(0.2, 0.9))
            cluster.kill_one_worker(rng, **env)
        cluster.wait_until_synced(started, replan_after=10, **env)
        cluster.stop_workers()
    assert cluster.samples() == baseline["rows"]


def test_twenty_percent_faults_converge_to_the_fault_free_tables(cluster: Cluster, baseline: dict) -> None:
    faults = (
        *("--error-rate", "0.08", "--throttle-rate", "0.05", "--malformed-rate", "0.05"),
        *("--slow-rate", "0.02", "--slow-seconds", "2.5", "--seed", "7"),
    )
    faulty = backfill(cluster, 4, *faults, latency_ms=20, VENDOR_JOB_TIMEOUT="1")
    assert faulty["requests"] > faulty["planned"]  # faults were met, and retried
    assert faulty["rows"] == baseline["rows"]


def test_a_permanent_auth_error_stops_the_account_without_a_retry_storm(fresh: Cluster) -> None:
    with fresh.simulator() as sim:
        wrong = {**sim.credentials, "access_key_secret": "not-the-secret-at-all"}
        account = fresh.add_account(sim, "Wrong secret", wrong)
        sim.traffic(reset=True)
        fresh.start_workers(2)
        for _ in range(3):  # three scheduler runs
            fresh.plan()
            time.sleep(2)
        requests = sim.traffic()["requests"]
    apps = fresh.query("SELECT count(*) FROM rtc_rtcapp WHERE vendor_account_id = %s", account)[0][0]
    assert requests <= apps * SERIES, requests  # at most one refused call per series, never retried
    blocked, error = fresh.query(
        "SELECT sync_blocked, sync_error FROM credentials_vendoraccount WHERE id = %s", account
    )[0]
    assert blocked and "Signature" in error, error


def test_the_rate_limit_holds_across_four_processes(fresh: Cluster) -> None:
    limit = 8
    fresh.env = {"VENDOR_DEFAULT_REQUESTS_PER_SECOND": str(limit)}
    with fresh.simulator() as sim:
        fresh.add_account(sim, "Limited")
        sim.traffic(reset=True)
        fresh.start_workers(4)
        fresh.plan()
        time.sleep(6)
        arrivals = sorted(sim.traffic()["arrivals"])
    assert len(arrivals) >= 4 * limit, "too few requests to tell"
    # Arrivals trail the limiter's decisions by a few milliseconds of jitter: allow 50 ms.
    busiest = max(sum(1 for t in arrivals if start <= t < start + 0.95) for start in arrivals)
    assert busiest <= limit, busiest
    assert len(arrivals) / (arrivals[-1] - arrivals[0]) > limit * 0.6  # the four together did use the budget
