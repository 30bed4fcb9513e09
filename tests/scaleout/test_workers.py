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


def assert_concurrent(run: dict, workers: int) -> None:
    """The workers fetched side by side, shown by counts: windows by several processes, and
    requests the simulator held at the same moment. Each worker has one thread, so one
    process alone never has two requests in flight; the simulator holds every request for its
    added latency, so workers that run at all at the same time overlap, however slowly."""
    jobs = run["window_jobs"]
    assert len(jobs) == workers and sum(jobs.values()) >= run["planned"], jobs
    assert sum(1 for count in jobs.values() if count) > 1, f"one worker ran every window: {jobs}"
    assert 1 < run["most_in_flight"] <= workers, run["most_in_flight"]


@pytest.fixture(scope="module")
def baseline(cluster: Cluster) -> dict:
    """An undisturbed run by two workers: the tables every other run must end with."""
    return cluster.backfill(2)


def test_two_and_four_workers_fetch_every_window_once(cluster: Cluster, baseline: dict) -> None:
    # Every app's series, and the account's own peak series (Aliyun answers for the whole account).
    assert len(PEAK_METRICS) * len(INTERVALS) == ACCOUNT_SERIES
    minimum = (APPS * SERIES + ACCOUNT_SERIES) * minimum_requests(DAYS, timedelta(days=30))
    assert baseline["planned"] == APPS * SERIES + ACCOUNT_SERIES
    assert baseline["requests"] == minimum, "a window was fetched twice, or one was skipped"
    assert_concurrent(baseline, 2)
    four = cluster.backfill(4)
    assert four["requests"] == minimum
    assert_concurrent(four, 4)
    assert four["rows"] == baseline["rows"] and len(baseline["rows"]) > APPS * DAYS
    assert len({row[:4] for row in four["rows"]}) == len(four["rows"])  # no duplicate buckets
    # A job queued by one worker and started by another: its row is gone, removed with the
    # starting worker's job counters, never before the row was written.
    assert baseline["pending_rows"] == four["pending_rows"] == 0
    # How much faster four are than two is a figure for bench/scaleout.py, not an assertion.


def test_the_queue_count_sees_every_planned_job(fresh: Cluster) -> None:
    # The waits stop, and the killed-workers test plans again, on what `queued` counts: with no
    # worker to take them, every job the planner queued is there.
    with fresh.simulator() as sim:
        fresh.add_account(sim, "Queued")
        planned = fresh.plan()
    assert planned == APPS * SERIES + ACCOUNT_SERIES
    assert fresh.queued() == planned


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
    faulty = cluster.backfill(4, *faults, latency_ms=20, VENDOR_JOB_TIMEOUT="1")
    assert faulty["requests"] > faulty["planned"]  # faults were met, and retried
    assert faulty["rows"] == baseline["rows"]


def test_a_permanent_auth_error_stops_the_account_without_a_retry_storm(fresh: Cluster) -> None:
    with fresh.simulator() as sim:
        wrong = {**sim.credentials, "access_key_secret": "not-the-secret-at-all"}
        account = fresh.add_account(sim, "Wrong secret", wrong)
        sim.traffic(reset=True)
        fresh.start_workers(2)
        planned = []
        for _ in range(3):  # three scheduler runs, each until its jobs are done
            planned.append(fresh.plan())
            fresh.wait_until_idle()
        requests = sim.traffic()["requests"]
    apps = fresh.query("SELECT count(*) FROM rtc_rtcapp WHERE vendor_account_id = %s", account)[0][0]
    assert planned[0] == apps * SERIES + ACCOUNT_SERIES and planned[1:] == [0, 0], planned  # stopped
    assert requests <= apps * SERIES, requests  # at most one refused call per series, never retried
    blocked, error = fresh.query(
        "SELECT sync_blocked, sync_error FROM credentials_vendoraccount WHERE id = %s", account
    )[0]
    assert blocked and "Signature" in error, error


def test_the_rate_limit_holds_across_four_processes(fresh: Cluster) -> None:
    # Two requests in any second, shared by four workers that each ask for far more: a
    # window job is one request, and a worker on the busiest machine runs several a second.
    # Limited each on its own, they would send four times as many.
    limit = 2
    fresh.env = {"VENDOR_DEFAULT_REQUESTS_PER_SECOND": str(limit)}
    with fresh.simulator() as sim:
        fresh.add_account(sim, "Limited")
        sim.traffic(reset=True)
        fresh.start_workers(4)
        fresh.wait_until_consuming()
        fresh.plan()
        arrivals = sorted(sim.wait_for_requests(8 * limit)["arrivals"])
        jobs = fresh.window_jobs()
    assert sum(1 for count in jobs.values() if count) > 1, f"one worker took every job: {jobs}"
    # The limiter lets request n + limit go a second after request n at the earliest; each
    # reaches the simulator a little later (up to half a second later for a worker stalled by
    # a busy machine), so `limit` + 1 arrivals within half a second would be a broken limit.
    closest = min(last - first for first, last in zip(arrivals, arrivals[limit:], strict=False))
    assert closest >= 0.5, f"{limit + 1} requests within {closest:.3f} s"
    # And all of them: n requests take (n - 1) // limit seconds at least; allow a second of lag.
    least = (len(arrivals) - 1) // limit - 1
    assert arrivals[-1] - arrivals[0] >= least, f"{len(arrivals)} requests in {arrivals[-1] - arrivals[0]:.2f} s"
