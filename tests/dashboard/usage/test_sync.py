"""Usage sync: backfill, incremental runs with overlap, idempotence, errors, and the simulator's own totals."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from huey import signals
from huey.contrib.djhuey import HUEY

from dashboard.credentials.blocking import unblock
from dashboard.credentials.models import VendorAccount
from dashboard.credentials.ratelimit import wait_for_turn
from dashboard.rtc.models import RtcApp
from dashboard.usage import account_sync, sync, tasks
from dashboard.usage.models import AccountPeakCursor, AccountPeakSample, SyncCursor, UsageSample
from dashboard.usage.plan import Window, backfill_start, minimum_requests, windows
from tests.dashboard.conftest import CANARY_KEY_ID, CANARY_SECRET, allow_endpoint, logged_in, make_account, make_user
from vendors import registry
from vendors.aliyun.sim import AliyunSimulator
from vendors.base.errors import PermissionDeniedError, UnavailableError
from vendors.base.provider import Capability
from vendors.base.types import Interval
from vendors.base.windows import floor_to
from vendors.sim import Faults
from vendors.sim.server import SimServer
from vendors.sim.world import World, WorldOptions, to_minute

SERIES_PER_APP = 10  # five statistics, hourly and daily
ACCOUNT_SERIES = 4  # Aliyun answers for the whole account: its two peaks, hourly and daily
DAY_SECONDS = 86400


class Counted(AliyunSimulator):
    """Counts every request that reaches the vendor, refused ones included."""

    received = 0

    def handle(self, request):
        self.received += 1
        return super().handle(request)


@pytest.fixture(scope="module")
def quiet_sim() -> Iterator[tuple[Counted, str]]:
    world = World(WorldOptions(seed=9, apps_per_vendor=2, channels_per_app=3, users_per_app=200, sessions_per_day=96))
    simulator = Counted(world)
    simulator.add_account(CANARY_KEY_ID, CANARY_SECRET)
    with SimServer(simulator.handle) as server:
        yield simulator, server.base_url


@pytest.fixture
def account(db, quiet_sim, settings) -> VendorAccount:
    settings.USAGE_BACKFILL_DAYS = 40
    _, url = quiet_sim
    from dashboard.tenancy.models import Tenant

    tenant = Tenant.objects.create(name="Sync Co", slug="sync")
    account = make_account(tenant, "Aliyun", CANARY_KEY_ID, CANARY_SECRET, url)
    call_command("sync_apps", verbosity=0)
    assert RtcApp.objects.filter(vendor_account=account).count() == 2
    return account


def usage_requests(simulator: Counted) -> int:
    return simulator.received


def rows() -> dict[tuple, tuple]:
    return {
        (r.app_id, r.metric, r.interval, r.timestamp): (
            r.value,
            r.peak_time,
            r.audio,
            r.v360,
            r.v720,
            r.v1080,
            r.content,
        )
        for r in UsageSample.objects.all()
    }


def test_backfill_fetches_every_window_once_and_matches_the_simulator(account, quiet_sim) -> None:
    simulator, _ = quiet_sim
    before = usage_requests(simulator)
    planned = tasks.plan_usage.call_local()
    assert planned == 2 * SERIES_PER_APP + ACCOUNT_SERIES
    spent = usage_requests(simulator) - before
    # two windows per series
    assert spent == (2 * SERIES_PER_APP + ACCOUNT_SERIES) * minimum_requests(40, timedelta(days=30))
    assert SyncCursor.objects.filter(chain_started_at__isnull=False).count() == 0
    assert AccountPeakCursor.objects.filter(vendor_account=account, chain_started_at__isnull=True).count() == 4
    world = simulator.world
    now_minute = to_minute(timezone.now())
    for app in RtcApp.objects.filter(vendor_account=account):
        daily = UsageSample.objects.filter(app=app, metric="duration", interval=86400)
        hourly = UsageSample.objects.filter(app=app, metric="duration", interval=3600)
        assert daily.count() == 40 and 40 * 24 - 24 < hourly.count() <= 40 * 24
        # the minutes of the last full day, from the world itself
        day_start = to_minute(daily.order_by("-timestamp")[1].timestamp)
        stats = world.bucket_stats((app.app_id,), day_start, 24 * 60)
        stored = daily.get(timestamp=daily.order_by("-timestamp")[1].timestamp)
        assert stored.value == stats.total_minutes
        assert (stored.audio, stored.v360, stored.v720, stored.v1080, stored.content) == stats.duration
        hour_sum = hourly.filter(timestamp__gte=stored.timestamp, timestamp__lt=stored.timestamp + timedelta(days=1))
        assert hour_sum.aggregate(total=Sum("value"))["total"] == stored.value
        peak = UsageSample.objects.get(app=app, metric="peak_users", interval=86400, timestamp=stored.timestamp)
        assert (peak.value, to_minute(peak.peak_time)) == (stats.peak_users, stats.peak_users_at)
        assert now_minute  # the sync ran against the world's present
        # Both granularities start on the same day: a report by hour and one by day agree.
        before_today = {"timestamp__lt": floor_to(timezone.now(), DAY_SECONDS)}
        assert daily.order_by("timestamp")[0].timestamp == hourly.order_by("timestamp")[0].timestamp
        assert hourly.filter(**before_today).aggregate(total=Sum("value")) == daily.filter(**before_today).aggregate(
            total=Sum("value")
        )
    # The account's own peaks: both apps at once, as the world counts them, not a sum.
    app_ids = tuple(RtcApp.objects.filter(vendor_account=account).order_by("app_id").values_list("app_id", flat=True))
    days = AccountPeakSample.objects.filter(vendor_account=account, interval=86400)
    assert days.filter(metric="peak_users").count() == 40 and days.filter(metric="peak_channels").count() == 40
    hours = AccountPeakSample.objects.filter(vendor_account=account, interval=3600)
    assert hours.order_by("timestamp")[0].timestamp == days.order_by("timestamp")[0].timestamp
    for sample in days.filter(timestamp__lt=timezone.now() - timedelta(days=1)):
        stats = world.bucket_stats(app_ids, to_minute(sample.timestamp), 24 * 60)
        assert sample.value == (stats.peak_users if sample.metric == "peak_users" else stats.peak_channels)
        each = UsageSample.objects.filter(app__vendor_account=account, metric=sample.metric, interval=86400)
        assert sample.value <= each.filter(timestamp=sample.timestamp).aggregate(total=Sum("value"))["total"]


def test_incremental_run_fetches_only_what_is_new_plus_the_overlap(account, quiet_sim, settings) -> None:
    simulator, _ = quiet_sim
    tasks.plan_usage.call_local()
    before_rows = rows()
    # late data: the last hours changed at the vendor after we read them; an old row we corrupt stays corrupt
    app = RtcApp.objects.filter(vendor_account=account).first()
    latest = UsageSample.objects.filter(app=app, metric="duration", interval=3600).order_by("-timestamp")
    recent, old = latest[1], latest[60]
    UsageSample.objects.filter(pk=recent.pk).update(value=recent.value + 999)
    UsageSample.objects.filter(pk=old.pk).update(value=old.value + 999)
    spent = usage_requests(simulator)
    tasks.plan_usage.call_local()
    assert usage_requests(simulator) - spent == 2 * SERIES_PER_APP + ACCOUNT_SERIES  # one window per series
    assert UsageSample.objects.get(pk=recent.pk).value == recent.value  # re-read within the overlap
    assert UsageSample.objects.get(pk=old.pk).value == old.value + 999  # not fetched again
    after = rows()
    assert set(after) >= set(before_rows) and len(after) - len(before_rows) <= 2 * SERIES_PER_APP


def test_a_chain_lost_with_its_worker_is_planned_again_after_the_timeout(account, settings) -> None:
    """A worker killed mid-chain never finishes it: its series is left alone while the chain may
    still be alive, and planned again once nothing was heard of it for USAGE_CHAIN_TIMEOUT_MINUTES."""
    settings.USAGE_CHAIN_TIMEOUT_MINUTES = 30
    start = timezone.now()

    def planned(minutes: float) -> set[tuple]:
        now = start + timedelta(minutes=minutes)
        apps = {("app", job.app_pk, job.metric, job.interval) for job in sync.plan(now=now)}
        return apps | {("account", job.account_pk, job.metric, job.interval) for job in account_sync.plan(now=now)}

    lost = planned(0)  # queued, and never run: the worker that took each job was killed
    assert len(lost) == 2 * SERIES_PER_APP + ACCOUNT_SERIES
    assert planned(29) == set()
    # One chain stored a window at minute 20 before its worker died: alive until minute 50.
    heard = SyncCursor.objects.filter(chain_started_at__isnull=False).first()
    SyncCursor.objects.filter(pk=heard.pk).update(last_run_at=start + timedelta(minutes=20))
    late = ("app", heard.app_id, heard.metric, heard.interval)
    assert planned(31) == lost - {late}
    assert planned(51) == {late}


def test_a_silent_chain_whose_next_job_waits_to_run_is_not_planned_again(account, settings, waiting_queue) -> None:
    """Behind a long backlog a chain is silent for longer than the timeout without being lost:
    while its next window job waits in the queue, or its retry in the schedule, it is left alone.
    Only a job of the series' own kind counts (an account's series can share an app's numbers)."""
    settings.USAGE_CHAIN_TIMEOUT_MINUTES = 30
    start = timezone.now()
    app_jobs, account_jobs = sync.plan(now=start), account_sync.plan(now=start)
    queued, retrying, mistaken, *lost = app_jobs
    waiting_queue.enqueue(HUEY.serialize_task(tasks.sync_series_window.s(*dataclasses.astuple(queued))), 0)
    waiting_queue.add_to_schedule(
        HUEY.serialize_task(tasks.sync_series_window.s(*dataclasses.astuple(retrying))), start + timedelta(minutes=40)
    )
    # An account's window job whose arguments name the same numbers as an app's series.
    waiting_queue.enqueue(HUEY.serialize_task(tasks.sync_account_window.s(*dataclasses.astuple(mistaken))), 0)
    account_queued, *account_lost = account_jobs
    waiting_queue.enqueue(HUEY.serialize_task(tasks.sync_account_window.s(*dataclasses.astuple(account_queued))), 0)

    def keys(jobs: list) -> set[tuple]:
        return {dataclasses.astuple(job)[:3] for job in jobs}

    later = start + timedelta(minutes=31)
    assert keys(sync.plan(now=later)) == keys([mistaken, *lost])
    assert keys(account_sync.plan(now=later)) == keys(account_lost)
    # The queue emptied (a worker took the jobs, or Redis restarted without them) and the chains
    # were silent another timeout: lost, so planned again.
    for empty in (waiting_queue.flush_queue, waiting_queue.flush_schedule):
        empty()
    much_later = later + timedelta(minutes=31)
    assert keys(sync.plan(now=much_later)) == keys(app_jobs)
    assert keys(account_sync.plan(now=much_later)) == keys(account_jobs)


def test_the_planner_reads_the_queue_only_for_silent_chains_and_once_a_run(account, settings, monkeypatch) -> None:
    settings.USAGE_CHAIN_TIMEOUT_MINUTES = 30
    reads = []
    monkeypatch.setattr(sync, "waiting_jobs", lambda: reads.append(1) or [])
    start = timezone.now()
    app_jobs, account_jobs = sync.plan(now=start), account_sync.plan(now=start)
    assert sync.plan(now=start + timedelta(minutes=29)) == [] and reads == []  # every chain alive by its news
    # Silent chains, every one's job waiting: one read for the app and the account planners of a
    # run together, and nothing planned.
    waiting = [(sync.WINDOW_JOB, dataclasses.astuple(job)) for job in app_jobs]
    waiting += [(account_sync.WINDOW_JOB, dataclasses.astuple(job)) for job in account_jobs]
    monkeypatch.setattr(sync, "waiting_jobs", lambda: reads.append(1) or waiting)
    with time_machine.travel(start + timedelta(minutes=31), tick=True):  # a rate limit's wait needs the clock
        assert tasks.plan_usage.call_local() == 0
    assert reads == [1]


def test_a_job_waiting_a_day_keeps_its_chain_alive_no_more(account, settings, waiting_queue) -> None:
    """A queue no consumer works must not hold a series back for ever."""
    settings.USAGE_CHAIN_TIMEOUT_MINUTES = 30
    start = timezone.now()
    stranded, *_ = sync.plan(now=start)
    waiting_queue.enqueue(HUEY.serialize_task(tasks.sync_series_window.s(*dataclasses.astuple(stranded))), 0)
    key = dataclasses.astuple(stranded)[:3]
    assert key not in {dataclasses.astuple(job)[:3] for job in sync.plan(now=start + timedelta(hours=23))}
    assert key in {dataclasses.astuple(job)[:3] for job in sync.plan(now=start + timedelta(hours=24))}


def test_a_window_job_starting_after_a_long_wait_says_its_chain_is_alive(account, settings) -> None:
    """Taken from the queue, the job is found nowhere until it stores its window: a chain silent
    for half the timeout when its job starts moves its news to that moment."""
    settings.USAGE_CHAIN_TIMEOUT_MINUTES = 30
    start = timezone.now()
    job, *_ = sync.plan(now=start)
    account_job, *_ = account_sync.plan(now=start)

    def started(model, **series) -> datetime:
        return model.objects.get(**series).chain_started_at

    series = {"app_id": job.app_pk, "metric": job.metric, "interval": job.interval}
    account_series = {
        "vendor_account_id": account_job.account_pk,
        "metric": account_job.metric,
        "interval": account_job.interval,
    }
    with time_machine.travel(start + timedelta(minutes=14), tick=False):  # not yet half the timeout: no write
        sync.say_alive(job.app_pk, job.metric, job.interval)
        account_sync.say_alive(account_job.account_pk, account_job.metric, account_job.interval)
    assert started(SyncCursor, **series) == start and started(AccountPeakCursor, **account_series) == start
    later = start + timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        sync.say_alive(job.app_pk, job.metric, job.interval)
        account_sync.say_alive(account_job.account_pk, account_job.metric, account_job.interval)
    assert started(SyncCursor, **series) == later and started(AccountPeakCursor, **account_series) == later
    other = {**series, "interval": 86400 if job.interval == 3600 else 3600}
    assert started(SyncCursor, **other) == start  # the same statistic's other granularity: not its job
    key = (job.app_pk, job.metric, job.interval)
    assert key not in {(j.app_pk, j.metric, j.interval) for j in sync.plan(now=start + timedelta(minutes=31))}
    assert key in {(j.app_pk, j.metric, j.interval) for j in sync.plan(now=later + timedelta(minutes=31))}


def test_a_window_job_says_so_before_it_fetches_and_a_finished_chain_stays_finished(
    account, settings, monkeypatch
) -> None:
    settings.USAGE_CHAIN_TIMEOUT_MINUTES = 30
    start = timezone.now()
    job, *_ = sync.plan(now=start)
    series = {"app_id": job.app_pk, "metric": job.metric, "interval": job.interval}
    seen = []  # the chain's news when the fetch begins; None: the app is gone, the chain ends there
    monkeypatch.setattr(
        sync, "run_series_window", lambda *a, **kw: seen.append(SyncCursor.objects.get(**series)) and None
    )
    later = start + timedelta(minutes=20)
    before = SyncCursor.objects.get(**series)  # what a late job of the chain read as it started
    with time_machine.travel(later, tick=False):
        tasks.sync_series_window.call_local(job.app_pk, job.metric, job.interval, job.windows)
    assert [cursor.chain_started_at for cursor in seen] == [later]
    cursor = seen[0]
    sync.finish_chain(job.app_pk, job.metric, job.interval)
    with time_machine.travel(later + timedelta(minutes=20), tick=False):
        sync.hear_from(SyncCursor, [(before.pk, before.chain_started_at, before.last_run_at)])
    assert SyncCursor.objects.get(pk=cursor.pk).chain_started_at is None


def test_a_window_twice_changes_nothing(account) -> None:
    app = RtcApp.objects.filter(vendor_account=account).first()
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    window = Window(end - timedelta(days=3), end)
    sync.run_window(app.pk, "duration", 3600, window)
    first = rows()
    sync.run_window(app.pk, "duration", 3600, window)
    assert rows() == first and len(first) == 72


@pytest.mark.parametrize("clock", ["00:00", "00:50", "12:30", "23:59"])
def test_hourly_and_daily_backfills_start_at_the_same_utc_midnight(clock) -> None:
    now = datetime.fromisoformat(f"2026-12-04T{clock}:00+00:00")
    backfill, overlap, span = timedelta(days=90), timedelta(hours=3), timedelta(days=30)
    starts = {
        interval: windows(None, now=now, interval=interval, backfill=backfill, overlap=overlap, span=span)
        for interval in (Interval.HOUR, Interval.DAY)
    }
    first_day = datetime(2026, 9, 6, tzinfo=UTC) if clock != "00:00" else datetime(2026, 9, 5, tzinfo=UTC)
    assert backfill_start(now, backfill) == first_day
    assert {found[0].start for found in starts.values()} == {first_day}
    assert len(starts[Interval.HOUR]) == minimum_requests(90, span) == 3
    # a cursor older than the backfill moves from the same day
    old = now - timedelta(days=200)
    again = windows(old, now=now, interval=Interval.HOUR, backfill=backfill, overlap=overlap, span=span)
    assert again[0].start == first_day


def test_a_cursors_overlap_stops_at_the_backfills_start_for_hours_and_days_alike() -> None:
    """A new series of a one-day backfill, its cursor at midnight: the day before is fetched by
    neither granularity (the daily overlap would fetch all of it, the hourly its last hours)."""
    midnight, ten = datetime(2026, 12, 4, tzinfo=UTC), datetime(2026, 12, 4, 10, tzinfo=UTC)
    overlap, span = timedelta(hours=3), timedelta(days=30)
    later = {
        interval: windows(midnight, now=ten, interval=interval, backfill=timedelta(days=1), overlap=overlap, span=span)
        for interval in (Interval.HOUR, Interval.DAY)
    }
    assert {found[0].start for found in later.values()} == {midnight}
    # a cursor inside the backfill keeps its overlap
    cursor = ten - timedelta(days=2)
    again = windows(cursor, now=ten, interval=Interval.HOUR, backfill=timedelta(days=90), overlap=overlap, span=span)
    assert again[0].start == cursor - overlap


def _first_windows(settings, count: int = 3) -> list[Window]:
    return sync.due_windows(
        None,
        now=timezone.now(),
        interval=Interval.HOUR,
        backfill=timedelta(days=settings.USAGE_BACKFILL_DAYS),
        overlap=timedelta(hours=settings.USAGE_OVERLAP_HOURS),
        span=timedelta(days=15),
    )[:count]


def test_a_window_after_a_hole_stores_its_buckets_and_leaves_the_cursor(account, settings) -> None:
    """A lost commit whose chain's next job survived (SQLite's last commits after a power cut;
    the job queue is another file): the next window must not move the cursor over the hole."""
    app = RtcApp.objects.filter(vendor_account=account).first()
    sync.plan(apps=[app])  # the series' cursors, not yet anywhere
    first, second, third = _first_windows(settings)

    def cursor() -> datetime | None:
        return SyncCursor.objects.get(app=app, metric="duration", interval=3600).synced_until

    sync.run_window(app.pk, "duration", 3600, second, follows=True)  # the first window's commit was lost
    assert cursor() is None
    sync.run_window(app.pk, "duration", 3600, first)  # a chain's first window: where the planner started it
    assert cursor() == first.end
    sync.run_window(app.pk, "duration", 3600, third, follows=True)  # the second lost again: a hole
    assert cursor() == first.end
    assert UsageSample.objects.filter(app=app, metric="duration", interval=3600, timestamp__gte=third.start).exists()
    sync.run_window(app.pk, "duration", 3600, second, follows=True)
    assert cursor() == second.end
    sync.run_window(app.pk, "duration", 3600, third, follows=True)
    assert cursor() > second.end


def test_an_account_peak_window_after_a_hole_leaves_its_cursor_too(account, settings) -> None:
    first, second, third = _first_windows(settings)

    def cursor() -> datetime | None:
        found = AccountPeakCursor.objects.filter(vendor_account=account, metric="peak_users", interval=3600).first()
        return found and found.synced_until

    account_sync.run_window(account.pk, "peak_users", 3600, second, follows=True)
    assert cursor() is None
    account_sync.run_window(account.pk, "peak_users", 3600, first)
    account_sync.run_window(account.pk, "peak_users", 3600, third, follows=True)
    assert cursor() == first.end
    account_sync.run_window(account.pk, "peak_users", 3600, second, follows=True)
    assert cursor() == second.end


def test_a_cursor_older_than_the_backfill_moves_from_the_backfills_start(account, settings) -> None:
    app = RtcApp.objects.filter(vendor_account=account).first()
    now = timezone.now()
    old = now - timedelta(days=settings.USAGE_BACKFILL_DAYS + 30)
    SyncCursor.objects.create(app=app, metric="duration", interval=3600, synced_until=old)
    backfill, overlap = timedelta(days=settings.USAGE_BACKFILL_DAYS), timedelta(hours=settings.USAGE_OVERLAP_HOURS)
    window = sync.due_windows(
        SyncCursor.objects.get(app=app, metric="duration", interval=3600),
        now=now,
        interval=Interval.HOUR,
        backfill=backfill,
        overlap=overlap,
        span=timedelta(days=15),
    )[0]
    assert window.start > old
    sync.run_window(app.pk, "duration", 3600, window)
    assert SyncCursor.objects.get(app=app, metric="duration", interval=3600).synced_until == window.end


def test_bad_credentials_stop_the_account_without_a_retry_storm(account, quiet_sim) -> None:
    simulator, _ = quiet_sim
    account.set_credentials({"access_key_id": CANARY_KEY_ID, "access_key_secret": "not-the-secret-anymore"})
    account.save()
    spent = usage_requests(simulator)
    tasks.plan_usage.call_local()
    assert usage_requests(simulator) - spent == 1  # the first window failed; nothing else was tried
    account.refresh_from_db()
    assert account.sync_blocked and "SignatureDoesNotMatch" in account.sync_error and "request id" in account.sync_error
    assert sync.plan() == []
    tasks.plan_usage.call_local()
    assert usage_requests(simulator) - spent == 1
    # new credentials: the block is lifted and the sync resumes
    account.set_credentials({"access_key_id": CANARY_KEY_ID, "access_key_secret": CANARY_SECRET})
    account.save()
    unblock(account=account)
    assert len(sync.plan()) == 2 * SERIES_PER_APP


def test_a_stopped_app_stops_alone(account, quiet_sim) -> None:
    simulator, _ = quiet_sim
    stopped, running = RtcApp.objects.filter(vendor_account=account).order_by("app_id")
    simulator.set_app_status(stopped.app_id, 2)
    try:
        tasks.plan_usage.call_local()
    finally:
        simulator.set_app_status(stopped.app_id, 1)
    stopped.refresh_from_db()
    account.refresh_from_db()
    assert stopped.sync_blocked and "App.Stop" in stopped.sync_error
    assert not account.sync_blocked
    assert UsageSample.objects.filter(app=running).count() > 0 and not UsageSample.objects.filter(app=stopped).exists()


def test_transient_errors_raise_for_a_retry_and_keep_the_account(db, account, settings) -> None:
    flaky = AliyunSimulator(World(WorldOptions(seed=9, apps_per_vendor=2)), faults=Faults(error_rate=1.0))
    flaky.add_account(CANARY_KEY_ID, CANARY_SECRET)
    with SimServer(flaky.handle) as server:
        account.endpoint = allow_endpoint("aliyun", server.base_url)
        account.set_credentials(account.credentials())  # an admin re-enters the secrets for the new endpoint
        account.save()
        app = RtcApp.objects.filter(vendor_account=account).first()
        with pytest.raises(UnavailableError):
            sync.run_window(app.pk, "duration", 3600, Window(timezone.now() - timedelta(hours=2), timezone.now()))
    account.refresh_from_db()
    assert not account.sync_blocked
    assert "ServiceUnavailable" in SyncCursor.objects.get(app=app, metric="duration", interval=3600).last_error


def test_rate_limit_makes_requests_wait(account, settings) -> None:
    settings.RATE_LIMIT_STORAGE_URL = "memory://"
    waits = [wait_for_turn(account, rate=5) for _ in range(6)]
    assert waits[:5] == [0.0] * 5 and waits[5] > 0


def test_management_commands(account, capsys) -> None:
    call_command("sync_usage")
    out = capsys.readouterr().out
    assert "20 series planned for 2 apps and 4 for whole accounts: 48 windows fetched" in out
    call_command("sync_apps")
    assert "2 updated" in capsys.readouterr().out


def test_a_vendor_that_counts_per_api_gets_a_budget_per_api(two_tenants, settings) -> None:
    """ISDP+ allows 60 requests a minute to each API: a busy API does not hold up another."""
    from dashboard.credentials.ratelimit import has_room, limit_for

    settings.RATE_LIMIT_STORAGE_URL = "memory://isdp-per-api"
    account = VendorAccount(tenant=two_tenants.acme, vendor="isdp", label="ISDP+")
    account.set_credentials({"app_id": "a", "app_token": "t"})
    account.save()
    item, key = limit_for(account, "POST /rest/captureVideo")
    assert (item.amount, item.get_expiry()) == (60, 60) and key.endswith("-api-POST /rest/captureVideo")
    waits = [wait_for_turn(account, api="POST /rest/captureVideo") for _ in range(60)]
    assert waits == [0.0] * 60  # a minute's burst is allowed
    assert not has_room(account, "POST /rest/captureVideo")
    assert has_room(account, "POST /rest/releaseUser")
    # Aliyun counts per account: every API shares one budget.
    assert limit_for(two_tenants.acme_account, "DescribeApps")[1] == limit_for(two_tenants.acme_account, "ModifyApp")[1]


def test_the_account_page_says_how_far_behind_the_sync_is_and_why(account) -> None:
    """The page is rtc's, the figures usage's (its sync_state tag): lag, series in flight, errors."""
    from django.urls import reverse

    from dashboard.tenancy.models import Role
    from tests.dashboard.conftest import logged_in, make_user

    app = RtcApp.objects.filter(vendor_account=account).first()
    SyncCursor.objects.create(
        app=app,
        metric="duration",
        interval=3600,
        synced_until=timezone.now() - timedelta(hours=3),
        chain_started_at=timezone.now(),
        last_error="[Throttling] slow down",
    )
    VendorAccount.objects.filter(pk=account.pk).update(last_synced_at=timezone.now())
    viewer = make_user("sync-viewer", roles={account.tenant: Role.VIEWER})
    page = logged_in(viewer).get(reverse("rtc:account_detail", args=["sync", account.pk])).content.decode()
    assert "3 hours behind" in page and "1 series in progress" in page and "[Throttling] slow down" in page


def test_a_vendor_without_account_usage_keeps_the_labelled_sum_of_app_peaks(account, quiet_sim) -> None:
    """The same vendor declaring no account-wide usage: no account series, the report adds the apps' peaks."""
    aliyun = registry.get("aliyun")
    registry.unregister("aliyun")
    registry.register(dataclasses.replace(aliyun, capabilities=aliyun.capabilities - {Capability.ACCOUNT_USAGE}))
    try:
        assert tasks.plan_usage.call_local() == 2 * SERIES_PER_APP
        assert not AccountPeakSample.objects.exists() and not AccountPeakCursor.objects.exists()
        page = logged_in(make_user("sum-staff", staff=True)).get(
            reverse("usage:account_usage", args=["sync", account.pk]), {"range": "7d", "granularity": "day"}
        )
    finally:
        registry.unregister("aliyun")
        registry.register(aliyun)
    text = page.content.decode()
    assert 'data-peak-basis="sum"' in text and "upper bound" in text
    days = UsageSample.objects.filter(app__vendor_account=account, metric="peak_users", interval=86400)
    since = datetime.combine(timezone.now().date() - timedelta(days=6), datetime.min.time(), UTC)
    per_day = days.filter(timestamp__gte=since).values("timestamp").annotate(total=Sum("value"))
    assert f'data-total="peak_users">{max(row["total"] for row in per_day):,}<' in text


def _record_queueing(monkeypatch) -> tuple[list, list]:
    """The jobs queued and the pending rows written, each checked for where it happens: a row
    inside the window's transaction and before any queueing, a job queued after the commit."""
    from dashboard.ops import jobs

    queued: list = []
    rows_at_once: list = []
    depth = len(connection.savepoint_ids)  # inside the test's own transaction: the window's is a savepoint

    def enqueue(task) -> None:
        assert len(connection.savepoint_ids) == depth, "queued inside the window's transaction"
        queued.append(task)

    def pending(tasks, write=jobs.pending) -> None:
        assert len(connection.savepoint_ids) > depth and not queued, "the row after the window or its queueing"
        rows_at_once.append(tasks)
        write(tasks)

    monkeypatch.setattr(HUEY, "enqueue", enqueue)
    monkeypatch.setattr(jobs, "pending", pending)
    return queued, rows_at_once


def test_a_windows_next_job_gets_its_pending_row_with_the_window_and_a_failed_window_queues_none(
    account, settings, monkeypatch
) -> None:
    """In a consumer: the chain's next job's pending row is written in the window's transaction,
    before the job is queued, and queuing it writes none (docs/performance-history.md, the eleventh pass)."""
    from dashboard.ops import jobs
    from dashboard.ops.models import PendingJob

    app = RtcApp.objects.filter(vendor_account=account).first()
    sync.plan(apps=[app])
    first, second = _first_windows(settings, count=2)
    windows = tuple((w.start.isoformat(), w.end.isoformat()) for w in (first, second))
    queued, rows_at_once = _record_queueing(monkeypatch)

    tasks.sync_series_window.call_local(app.pk, "duration", 3600, windows)
    [follower] = queued
    assert follower.args == (app.pk, "duration", 3600, windows[1:]) and follower.kwargs == {"follows": True}
    assert PendingJob.objects.filter(task_id=follower.id, name=follower.name).exists()
    jobs._on_enqueued(signals.SIGNAL_ENQUEUED, follower)  # what queuing it signals
    assert rows_at_once == [[follower]]  # the window's write only

    queued.clear()
    monkeypatch.setattr(sync, "store", lambda app, points, **_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        tasks.sync_series_window.call_local(app.pk, "duration", 3600, windows)
    assert not queued and PendingJob.objects.count() == 1  # the first run's row alone


def test_a_chains_last_window_ends_it_when_the_account_is_disabled_meanwhile(account, settings) -> None:
    app = RtcApp.objects.filter(vendor_account=account).first()
    sync.plan(apps=[app])
    [last] = _first_windows(settings, count=1)
    series = {"app": app, "metric": "duration", "interval": 3600}
    SyncCursor.objects.filter(**series).update(chain_started_at=timezone.now())
    VendorAccount.objects.filter(pk=account.pk).update(enabled=False)
    windows = ((last.start.isoformat(), last.end.isoformat()),)
    assert tasks.sync_series_window.call_local(app.pk, "duration", 3600, windows) == 0
    assert SyncCursor.objects.get(**series).chain_started_at is None


def test_an_account_windows_next_job_gets_its_pending_row_with_the_window_and_its_last_ends_the_chain(
    account, settings, monkeypatch
) -> None:
    """As an app's series: the next job's pending row and the chain's end are written in the
    window's transaction (no write of their own after it), the job queued after the commit."""
    from dashboard.ops import jobs
    from dashboard.ops.models import PendingJob

    account_sync.plan(accounts=[account])
    series = {"vendor_account": account, "metric": "peak_users", "interval": 3600}
    assert AccountPeakCursor.objects.get(**series).chain_started_at is not None
    first, second = _first_windows(settings, count=2)
    windows = tuple((w.start.isoformat(), w.end.isoformat()) for w in (first, second))
    queued, rows_at_once = _record_queueing(monkeypatch)
    ended: list = []
    monkeypatch.setattr(account_sync, "finish_chain", lambda *args: ended.append(args))

    tasks.sync_account_window.call_local(account.pk, "peak_users", 3600, windows)
    [follower] = queued
    assert follower.args == (account.pk, "peak_users", 3600, windows[1:]) and follower.kwargs == {"follows": True}
    assert PendingJob.objects.filter(task_id=follower.id, name=follower.name).exists()
    jobs._on_enqueued(signals.SIGNAL_ENQUEUED, follower)  # what queuing it signals
    assert rows_at_once == [[follower]]  # the window's write only
    assert AccountPeakCursor.objects.get(**series).chain_started_at is not None  # the chain goes on

    queued.clear()
    tasks.sync_account_window.call_local(*follower.args, **follower.kwargs)
    assert not queued and not ended  # the last window: no next job, no write of its own to end the chain
    cursor = AccountPeakCursor.objects.get(**series)
    assert cursor.chain_started_at is None and cursor.synced_until > second.start

    monkeypatch.setattr(account_sync.AccountPeakSample.objects, "bulk_create", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        tasks.sync_account_window.call_local(account.pk, "peak_users", 3600, windows)
    assert not queued and PendingJob.objects.count() == 1  # the first run's row alone


def test_an_account_chains_last_window_ends_it_when_the_account_is_disabled_meanwhile(account, settings) -> None:
    account_sync.plan(accounts=[account])
    series = {"vendor_account": account, "metric": "peak_users", "interval": 3600}
    assert AccountPeakCursor.objects.get(**series).chain_started_at is not None
    [last] = _first_windows(settings, count=1)
    VendorAccount.objects.filter(pk=account.pk).update(enabled=False)
    windows = ((last.start.isoformat(), last.end.isoformat()),)
    assert tasks.sync_account_window.call_local(account.pk, "peak_users", 3600, windows) == 0
    assert AccountPeakCursor.objects.get(**series).chain_started_at is None


class _RefusingAccountUsage:
    """A provider whose vendor refuses the account's own usage for good."""

    def __enter__(self) -> _RefusingAccountUsage:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def account_usage(self, *args: object) -> list:
        raise PermissionDeniedError("not allowed", code="Forbidden.RAM", request_id="REQ-1")


def test_an_account_window_the_vendor_refuses_for_good_ends_its_chain_and_queues_no_next(
    account, settings, monkeypatch
) -> None:
    """Its next windows would be refused too (an app's series blocks the app instead, whose
    next windows do nothing); the error stays on the cursor for the account's page."""
    account_sync.plan(accounts=[account])
    series = {"vendor_account": account, "metric": "peak_users", "interval": 3600}
    assert AccountPeakCursor.objects.get(**series).chain_started_at is not None
    first, second = _first_windows(settings, count=2)
    windows = tuple((w.start.isoformat(), w.end.isoformat()) for w in (first, second))
    monkeypatch.setattr(account_sync, "provider_for", lambda account, **kwargs: _RefusingAccountUsage())
    queued: list = []
    monkeypatch.setattr(HUEY, "enqueue", queued.append)
    assert tasks.sync_account_window.call_local(account.pk, "peak_users", 3600, windows) == 0
    assert queued == []
    cursor = AccountPeakCursor.objects.get(**series)
    assert cursor.chain_started_at is None and "Forbidden.RAM" in cursor.last_error and "REQ-1" in cursor.last_error


def test_sync_usage_reports_an_account_series_the_vendor_refuses_for_good(account, monkeypatch, capsys) -> None:
    monkeypatch.setattr(account_sync, "provider_for", lambda account, **kwargs: _RefusingAccountUsage())
    call_command("sync_usage")
    captured = capsys.readouterr()
    # Each of the 4 account series stops at its first window; the apps' 20 series are fetched.
    assert "4 for whole accounts: 44 windows fetched" in captured.out and "4 failed." in captured.out
    refused = [line for line in captured.err.splitlines() if line.startswith(f"account {account.pk} ")]
    assert len(refused) == 4 and all("Forbidden.RAM" in line and "REQ-1" in line for line in refused)
