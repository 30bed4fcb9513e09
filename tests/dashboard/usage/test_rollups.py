"""The roll-ups the staff overview reads are always the sums of the samples they stand for:
after a backfill, after a window synced again with corrected figures (an app's or an account's
own peaks), and after an app or an account is deleted; the accounts' hours for the hours kept."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_zone

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Tenant
from dashboard.usage import account_sync, rollups, sync, tasks
from dashboard.usage.models import (
    PEAK_METRICS,
    TIER_FIELDS,
    AccountDayUsage,
    AccountHourUsage,
    AccountPeakSample,
    AppMonthUsage,
    Metric,
    TenantDayUsage,
    UsageSample,
)
from dashboard.usage.plan import Window
from tests.dashboard.conftest import (
    CANARY_KEY_ID,
    CANARY_SECRET,
    OTHER_CANARY_KEY_ID,
    OTHER_CANARY_SECRET,
    make_account,
)
from tests.dashboard.usage.rollup_writes import (
    account_hours,
    rollup_rows,
    tenant_months,
    tenant_months_of,
    write_days,
    write_hours,
    write_own_peaks,
)
from vendors.aliyun.sim import AliyunSimulator
from vendors.base.types import DurationBreakdown, Interval, UsageMetric, UsagePoint
from vendors.sim.server import SimServer
from vendors.sim.world import World, WorldOptions

DAY = 86400
HOUR = 3600


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    world = World(WorldOptions(seed=11, apps_per_vendor=3, channels_per_app=3, users_per_app=100, sessions_per_day=48))
    simulator = AliyunSimulator(world)
    first, second, third = (app.app_id for app in world.apps("aliyun"))
    simulator.add_account(CANARY_KEY_ID, CANARY_SECRET, app_ids={first, second})
    simulator.add_account(OTHER_CANARY_KEY_ID, OTHER_CANARY_SECRET, app_ids={third})
    with SimServer(simulator.handle) as server:
        yield server.base_url


@pytest.fixture
def account(db, simulator_url, settings) -> VendorAccount:
    settings.USAGE_BACKFILL_DAYS = 75  # over two or three UTC months
    tenant = Tenant.objects.create(name="Roll Co", slug="roll")
    account = make_account(tenant, "Aliyun", CANARY_KEY_ID, CANARY_SECRET, simulator_url)
    make_account(tenant, "Aliyun too", OTHER_CANARY_KEY_ID, OTHER_CANARY_SECRET, simulator_url)
    call_command("sync_apps", verbosity=0)
    tasks.plan_usage.call_local()  # the apps' series and the accounts' own peaks
    return account  # two apps; the tenant's other account has the third


def account_days_from_samples() -> dict[tuple, tuple]:
    rows = (
        UsageSample.objects.filter(interval=DAY)
        .values("app__vendor_account", "metric", "timestamp")
        .annotate(total=Sum("value"), **{f"sum_{t}": Sum(t) for t in TIER_FIELDS})
    )
    return {
        (r["app__vendor_account"], r["metric"], r["timestamp"]): (r["total"], *(r[f"sum_{t}"] for t in TIER_FIELDS))
        for r in rows
    }


def account_hours_from_samples(since: datetime) -> dict[tuple, tuple]:
    rows = (
        UsageSample.objects.filter(interval=HOUR, timestamp__gte=since)
        .values("app__vendor_account", "metric", "timestamp")
        .annotate(total=Sum("value"), **{f"sum_{t}": Sum(t) for t in TIER_FIELDS})
    )
    return {
        (r["app__vendor_account"], r["metric"], r["timestamp"]): (r["total"], *(r[f"sum_{t}"] for t in TIER_FIELDS))
        for r in rows
    }


def kept_account_hours(since: datetime) -> dict[tuple, tuple]:
    """The accounts' hours a reader may take from `since` on (older ones wait to be pruned)."""
    return {key: figures for key, figures in account_hours().items() if key[2] >= since}


def account_days() -> dict[tuple, tuple]:
    return {
        (r.vendor_account_id, r.metric, r.day): (r.value, *(getattr(r, t) for t in TIER_FIELDS))
        for r in AccountDayUsage.objects.all()
    }


def app_months_from_samples() -> dict[tuple, tuple]:
    found: dict[tuple, list] = defaultdict(lambda: [0, 0, *([0] * len(TIER_FIELDS))])
    for sample in UsageSample.objects.filter(interval=DAY):
        month = sample.timestamp.replace(day=1)
        figures = found[(sample.app_id, sample.metric, month)]
        figures[0] += sample.value
        figures[1] = max(figures[1], sample.value)
        for n, tier in enumerate(TIER_FIELDS):
            figures[2 + n] += getattr(sample, tier)
    return {key: tuple(value) for key, value in found.items()}


def app_months() -> dict[tuple, tuple]:
    return {
        (r.app_id, r.metric, r.month): (r.total, r.busiest, *(getattr(r, t) for t in TIER_FIELDS))
        for r in AppMonthUsage.objects.all()
    }


def tenant_days_from_samples() -> dict[tuple, tuple]:
    """Each tenant's days as its report combines them: its accounts' days added up, each
    account's peak its own figure where stored for the day, else the sum of its apps'."""
    own = {
        (r.vendor_account_id, r.metric, r.timestamp): r.value for r in AccountPeakSample.objects.filter(interval=DAY)
    }
    tenant_of = dict(VendorAccount.objects.values_list("pk", "tenant_id"))
    found: dict[tuple, list] = defaultdict(lambda: [0] * (1 + len(TIER_FIELDS)))
    for (account, metric, day), (total, *tiers) in account_days_from_samples().items():
        figures = found[(tenant_of[account], metric, day)]
        figures[0] += own.get((account, metric, day), total)
        for n, minutes in enumerate(tiers):
            figures[1 + n] += minutes
    return {key: tuple(value) for key, value in found.items()}


def tenant_days() -> dict[tuple, tuple]:
    return {
        (r.tenant_id, r.metric, r.day): (r.value, *(getattr(r, t) for t in TIER_FIELDS))
        for r in TenantDayUsage.objects.all()
    }


def assert_rollups_are_the_samples_sums() -> None:
    since = rollups.hours_kept_since(timezone.now())
    assert kept_account_hours(since) == account_hours_from_samples(since)
    assert account_days() == account_days_from_samples()
    assert app_months() == app_months_from_samples()
    assert tenant_days() == tenant_days_from_samples()
    assert tenant_months() == tenant_months_of(tenant_days_from_samples())


def test_a_backfill_leaves_rollups_equal_to_the_samples(account) -> None:
    assert UsageSample.objects.filter(interval=DAY).count() == 3 * 5 * 75
    assert AccountDayUsage.objects.count() == 2 * 5 * 75  # two apps, and one, added up per day
    assert AppMonthUsage.objects.filter(app__vendor_account=account).count() >= 2 * 5 * 3
    assert TenantDayUsage.objects.count() == 5 * 75  # the two accounts added up per day
    assert AccountPeakSample.objects.filter(interval=DAY).count() == 2 * 2 * 75
    # The accounts' hours only from the hours kept: the backfill's older windows added nothing.
    assert UsageSample.objects.filter(interval=HOUR, timestamp__lt=rollups.hours_kept_since(timezone.now())).exists()
    oldest = AccountHourUsage.objects.order_by("hour").first()
    assert oldest is not None and oldest.hour >= rollups.hours_kept_since(timezone.now()) - timedelta(hours=1)
    assert_rollups_are_the_samples_sums()
    # The accounts' own peaks are the tenant's, not the sums of the apps' peaks they bound.
    summed = {
        key: value[0] for key, value in account_days_from_samples().items() if key[1] in [m.value for m in PEAK_METRICS]
    }
    own = AccountPeakSample.objects.filter(interval=DAY, vendor_account=account)
    assert any(peak.value < summed[(account.pk, peak.metric, peak.timestamp)] for peak in own)


def test_a_window_synced_again_with_corrected_figures_corrects_the_rollups(account) -> None:
    app = RtcApp.objects.filter(vendor_account=account).order_by("pk").first()
    days = UsageSample.objects.filter(app=app, metric="duration", interval=DAY).order_by("-timestamp")
    changed = days[3]
    # What was stored differs from what the vendor says now (the vendor corrected its figures):
    # a window synced again writes the vendor's figures, and the roll-ups follow.
    UsageSample.objects.filter(pk=changed.pk).update(value=changed.value + 5000, audio=changed.audio + 5000)
    rollups.rebuild_account(account.pk)
    assert (
        account_days()[(account.pk, "duration", changed.timestamp)][0]
        == account_days_from_samples()[(account.pk, "duration", changed.timestamp)][0]
    )
    end = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    sync.run_window(app.pk, "duration", DAY, Window(end - timedelta(days=10), end))
    assert UsageSample.objects.get(pk=changed.pk).value == changed.value  # the vendor's figure again
    assert_rollups_are_the_samples_sums()


def test_an_accounts_own_peaks_synced_again_with_corrected_figures_correct_the_tenants_days(account) -> None:
    end = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    changed = AccountPeakSample.objects.filter(vendor_account=account, metric="peak_users", interval=DAY).order_by(
        "-timestamp"
    )[3]
    AccountPeakSample.objects.filter(pk=changed.pk).update(value=changed.value + 5000)
    rollups.refresh_account_peaks(
        account.pk, "peak_users", DAY, changed.timestamp, changed.timestamp + timedelta(days=1)
    )
    assert (
        tenant_days()[(account.tenant_id, "peak_users", changed.timestamp)][0]
        == (tenant_days_from_samples()[(account.tenant_id, "peak_users", changed.timestamp)][0])
    )
    account_sync.run_window(account.pk, "peak_users", DAY, Window(end - timedelta(days=10), end))
    assert AccountPeakSample.objects.get(pk=changed.pk).value == changed.value  # the vendor's figure again
    assert_rollups_are_the_samples_sums()


def test_deleting_an_app_takes_it_out_of_its_accounts_rollups(account, django_capture_on_commit_callbacks) -> None:
    app = RtcApp.objects.filter(vendor_account=account).order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        app.delete()
    assert not after_commit  # in the deleting transaction: no page sees the app's minutes after it
    assert not UsageSample.objects.filter(app_id=app.pk).exists()
    assert AccountDayUsage.objects.count() == 2 * 5 * 75
    assert_rollups_are_the_samples_sums()


def test_deleting_an_account_deletes_its_rollups_and_its_tenants_days_are_without_it(
    account, django_capture_on_commit_callbacks
) -> None:
    other = VendorAccount.objects.exclude(pk=account.pk).get()
    before = tenant_days()
    with django_capture_on_commit_callbacks(execute=True):
        account.delete()
    assert not AccountDayUsage.objects.filter(vendor_account_id=account.pk).exists()
    assert not AppMonthUsage.objects.filter(app__vendor_account_id=account.pk).exists()
    assert AppMonthUsage.objects.filter(app__vendor_account=other).exists()
    assert tenant_days() != before and len(tenant_days()) == 5 * 75
    assert_rollups_are_the_samples_sums()
    with django_capture_on_commit_callbacks(execute=True):
        other.tenant.delete()
    assert not AccountDayUsage.objects.exists() and not AppMonthUsage.objects.exists()
    assert not TenantDayUsage.objects.exists() and not tenant_months()


def test_rebuild_gives_the_rollups_the_sync_keeps(account) -> None:
    kept = rollup_rows()
    rollups.rebuild()
    # The accounts' hours from the hours kept now: a rebuild in the next hour keeps one fewer.
    since = rollups.hours_kept_since(timezone.now())
    rebuilt = rollup_rows()
    assert rebuilt[:4] == kept[:4]
    assert {key: figures for key, figures in rebuilt[4].items() if key[2] >= since} == {
        key: figures for key, figures in kept[4].items() if key[2] >= since
    }
    rollups.rebuild_tenants()
    assert tenant_days() == kept[2] and tenant_months() == kept[3]
    rollups.rebuild_tenant_months()
    assert tenant_months() == kept[3]


def test_windows_add_their_differences_exactly_as_a_rebuild_sums_them(db) -> None:
    """Windows of two apps of one account and of an app of another account of the tenant, each
    written more than once with other figures (the vendor's corrections, a day falling to zero),
    around the first account's own peaks (some days stored before any app's figures, some after):
    after every window the roll-ups are the samples' sums, and a rebuild changes nothing."""
    tenant = Tenant.objects.create(name="Diff Co", slug="diff")
    first = make_account(tenant, "First", CANARY_KEY_ID, CANARY_SECRET, "http://127.0.0.1:9")
    second = make_account(tenant, "Second", OTHER_CANARY_KEY_ID, OTHER_CANARY_SECRET, "http://127.0.0.1:9")
    one, two = (RtcApp.objects.create(vendor_account=first, app_id=f"app-{n}") for n in (1, 2))
    three = RtcApp.objects.create(vendor_account=second, app_id="app-3")
    rng = random.Random(18)
    start = datetime(2026, 1, 24, tzinfo=UTC)  # the days cross a month
    write_own_peaks(first, start, 0, 8, rng)
    steps = [
        (one, 0, 10),
        (three, 4, 14),
        (two, 5, 15),
        (one, 5, 15),  # corrects days 5-9
        (two, 0, 20),
        (three, 0, 6),
    ]
    for number, (app, low, high) in enumerate(steps):
        for metric in ("duration", "peak_users"):
            write_days(app, metric, start, low, high, rng)
            assert_rollups_are_the_samples_sums()
        if number == 2:
            write_own_peaks(first, start, 6, 12, rng)  # over days the apps have, and a correction
            assert_rollups_are_the_samples_sums()
    assert AccountDayUsage.objects.filter(value=0).exists()  # a day at zero is a day
    kept = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == kept


def test_hourly_windows_add_their_differences_to_the_kept_hours_only(db) -> None:
    """Hourly windows of two apps of one account and of an app of another, written more than
    once with other figures, one of them reaching back past the hours kept: after every window
    the kept hours are the samples' sums, no older hour is written, and a rebuild changes
    nothing. Pruning deletes only hours a day older than the kept ones."""
    with time_machine.travel(timezone.now().replace(minute=30), tick=False):  # the hours kept stay put
        _hourly_windows_add_their_differences_to_the_kept_hours_only()


def _hourly_windows_add_their_differences_to_the_kept_hours_only() -> None:
    tenant = Tenant.objects.create(name="Hour Co", slug="hour")
    first = make_account(tenant, "First", CANARY_KEY_ID, CANARY_SECRET, "http://127.0.0.1:9")
    second = make_account(tenant, "Second", OTHER_CANARY_KEY_ID, OTHER_CANARY_SECRET, "http://127.0.0.1:9")
    one, two = (RtcApp.objects.create(vendor_account=first, app_id=f"app-{n}") for n in (1, 2))
    three = RtcApp.objects.create(vendor_account=second, app_id="app-3")
    rng = random.Random(4)
    kept_since = rollups.hours_kept_since(timezone.now())
    start = kept_since - timedelta(hours=6)  # the first 6 hours are older than the kept ones
    steps = [(one, 0, 30), (three, 10, 40), (two, 20, 50), (one, 4, 36), (two, 0, 24), (three, 30, 34)]
    for app, low, high in steps:
        for metric in ("duration", "peak_users"):
            write_hours(app, metric, start, low, high, rng)
            assert_rollups_are_the_samples_sums()
    assert UsageSample.objects.filter(interval=HOUR, timestamp__lt=kept_since).count() == 2 * 2 * 6  # one and two
    assert not AccountHourUsage.objects.filter(hour__lt=kept_since).exists()
    assert AccountHourUsage.objects.filter(vendor_account=first, hour=kept_since + timedelta(hours=20)).count() == 2
    kept = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == kept
    stale = kept_since - timedelta(days=1)
    AccountHourUsage.objects.create(vendor_account=first, metric="duration", hour=stale, value=1)
    for metric in Metric:  # every statistic's older hours go (the prune names each one)
        AccountHourUsage.objects.create(vendor_account=first, metric=metric, hour=stale - timedelta(hours=1), value=1)
    assert rollups.prune_hours(timezone.now()) == len(Metric)
    assert AccountHourUsage.objects.filter(hour=stale).exists() and rollup_rows()[4] == kept[4] | {
        (first.pk, "duration", stale): (1, 0, 0, 0, 0, 0)
    }


def test_new_days_add_to_the_apps_month_and_its_busiest_day_stays_the_highest(db) -> None:
    """Windows of days none of which was stored add them to the app's month (no sum of its
    samples again): a later window's lower days leave the busiest day where it was, a higher
    one moves it; a window in another zone's times counts each day in its UTC month."""
    tenant = Tenant.objects.create(name="Month Co", slug="month")
    account = make_account(tenant, "Month", CANARY_KEY_ID, CANARY_SECRET, "http://127.0.0.1:9")
    app = RtcApp.objects.create(vendor_account=account, app_id="month-app")
    start = datetime(2026, 5, 28, tzinfo=UTC)

    def window(first: int, values: list[int], zone: fixed_zone = UTC) -> None:
        days = [start + timedelta(days=first + n) for n in range(len(values))]
        points = [
            UsagePoint(
                UsageMetric.DURATION, Interval.DAY, day.astimezone(zone), v, None, DurationBreakdown(v, 0, 0, 0, 0, v)
            )
            for day, v in zip(days, values, strict=True)
        ]
        sync.write_window(
            app,
            "duration",
            DAY,
            Window(days[0], days[-1] + timedelta(days=1)),
            points,
            reached=days[-1] + timedelta(days=1),
            now=timezone.now(),
        )

    window(0, [50, 900, 40])  # May 28-30
    window(3, [10, 20, 30])  # May 31, June 1-2: lower
    window(6, [5, 1000], zone=fixed_zone(timedelta(hours=-7)))  # June 3-4, written at -07:00
    assert app_months_from_samples() == app_months()
    months = {r.month.month: (r.total, r.busiest) for r in AppMonthUsage.objects.filter(app=app)}
    assert months == {5: (1000, 900), 6: (1055, 1000)}
    assert_rollups_are_the_samples_sums()


def test_an_hourly_window_over_stored_older_hours_and_new_kept_ones_overwrites_the_older(db) -> None:
    """The window's look for stored hours covers only the kept ones: that it found none there
    says nothing of the older hours, which are stored already and written over (on PostgreSQL a
    COPY straight into the table would fail on them)."""
    with time_machine.travel(timezone.now().replace(minute=30), tick=False):
        tenant = Tenant.objects.create(name="Older Co", slug="older")
        account = make_account(tenant, "Older", CANARY_KEY_ID, CANARY_SECRET, "http://127.0.0.1:9")
        app = RtcApp.objects.create(vendor_account=account, app_id="older-app")
        rng = random.Random(5)
        kept_since = rollups.hours_kept_since(timezone.now())
        start = kept_since - timedelta(hours=6)
        write_hours(app, "duration", start, 0, 4, rng)  # older hours only
        write_hours(app, "duration", start, 0, 12, rng)  # those again, and six kept ones, new
        assert UsageSample.objects.filter(app=app, interval=HOUR).count() == 12
        assert_rollups_are_the_samples_sums()


def test_a_sum_plan_reads_a_mostly_covered_month_as_its_roll_up_less_its_other_days() -> None:
    def day(month: int, number: int) -> datetime:
        return datetime(2026, month, number, tzinfo=UTC)

    # November from its 2nd, then two days of December: November less its 1st, December's days.
    plan = rollups.sum_plan(day(11, 2), day(12, 3))
    assert plan == rollups.SumPlan([day(11, 1)], [(day(12, 1), day(12, 3))], [(day(11, 1), day(11, 2))])
    # Whole months as they are; a month ending at the 20th less its last 10 days.
    plan = rollups.sum_plan(day(9, 1), day(11, 21))
    assert plan == rollups.SumPlan([day(9, 1), day(10, 1), day(11, 1)], [], [(day(11, 21), day(12, 1))])
    # Ten days of a month, or a month the caller keeps whole: its days.
    assert rollups.sum_plan(day(11, 10), day(11, 20)) == rollups.SumPlan([], [(day(11, 10), day(11, 20))], [])
    plan = rollups.sum_plan(day(11, 2), day(12, 3), partial=lambda month: month != day(11, 1))
    assert plan == rollups.SumPlan([], [(day(11, 2), day(12, 1)), (day(12, 1), day(12, 3))], [])
    assert rollups.sum_plan(day(11, 2), day(11, 2)) == rollups.SumPlan([], [], [])
