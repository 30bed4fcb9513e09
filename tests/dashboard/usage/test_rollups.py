"""The roll-ups the staff overview reads are always the sums of the samples they stand for:
after a backfill, after a window synced again with corrected figures, and after an app is deleted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Tenant
from dashboard.usage import rollups, sync, tasks
from dashboard.usage.models import TIER_FIELDS, AccountDayUsage, AppMonthUsage, UsageSample
from dashboard.usage.plan import Window
from tests.dashboard.conftest import CANARY_KEY_ID, CANARY_SECRET, make_account
from vendors.aliyun.sim import AliyunSimulator
from vendors.sim.server import SimServer
from vendors.sim.world import World, WorldOptions

DAY = 86400


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    world = World(WorldOptions(seed=11, apps_per_vendor=3, channels_per_app=3, users_per_app=100, sessions_per_day=48))
    simulator = AliyunSimulator(world)
    simulator.add_account(CANARY_KEY_ID, CANARY_SECRET)
    with SimServer(simulator.handle) as server:
        yield server.base_url


@pytest.fixture
def account(db, simulator_url, settings) -> VendorAccount:
    settings.USAGE_BACKFILL_DAYS = 75  # over two or three UTC months
    tenant = Tenant.objects.create(name="Roll Co", slug="roll")
    account = make_account(tenant, "Aliyun", CANARY_KEY_ID, CANARY_SECRET, simulator_url)
    call_command("sync_apps", verbosity=0)
    tasks.plan_usage.call_local()
    return account


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


def assert_rollups_are_the_samples_sums() -> None:
    assert account_days() == account_days_from_samples()
    assert app_months() == app_months_from_samples()


def test_a_backfill_leaves_rollups_equal_to_the_samples(account) -> None:
    assert UsageSample.objects.filter(interval=DAY).count() == 3 * 5 * 75
    assert AccountDayUsage.objects.count() == 5 * 75  # three apps added up per day
    assert AppMonthUsage.objects.filter(app__vendor_account=account).count() >= 3 * 5 * 3
    assert_rollups_are_the_samples_sums()


def test_a_window_synced_again_with_corrected_figures_corrects_the_rollups(account) -> None:
    app = RtcApp.objects.filter(vendor_account=account).order_by("pk").first()
    days = UsageSample.objects.filter(app=app, metric="duration", interval=DAY).order_by("-timestamp")
    changed = days[3]
    # What was stored differs from what the vendor says now (the vendor corrected its figures):
    # a window synced again writes the vendor's figures, and the roll-ups follow.
    UsageSample.objects.filter(pk=changed.pk).update(value=changed.value + 5000, audio=changed.audio + 5000)
    rollups.refresh(app, "duration", DAY, changed.timestamp, changed.timestamp + timedelta(days=1))
    assert (
        account_days()[(account.pk, "duration", changed.timestamp)][0]
        == account_days_from_samples()[(account.pk, "duration", changed.timestamp)][0]
    )
    end = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    sync.run_window(app.pk, "duration", DAY, Window(end - timedelta(days=10), end))
    assert UsageSample.objects.get(pk=changed.pk).value == changed.value  # the vendor's figure again
    assert_rollups_are_the_samples_sums()


def test_deleting_an_app_takes_it_out_of_its_accounts_rollups(account, django_capture_on_commit_callbacks) -> None:
    app = RtcApp.objects.filter(vendor_account=account).order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        app.delete()
    assert not UsageSample.objects.filter(app_id=app.pk).exists()
    assert AccountDayUsage.objects.count() == 5 * 75
    assert_rollups_are_the_samples_sums()


def test_deleting_an_account_deletes_its_rollups(account, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        account.delete()
    assert not AccountDayUsage.objects.exists() and not AppMonthUsage.objects.exists()


def test_rebuild_gives_the_rollups_the_sync_keeps(account) -> None:
    kept = (account_days(), app_months())
    rollups.rebuild()
    assert (account_days(), app_months()) == kept
