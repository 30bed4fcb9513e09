from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from dashboard.usage.models import SyncCursor, UsageSample
from dashboard.usage.observe import observe
from dashboard.usage.reconcile import reconcile
from tests.dashboard.conftest import World2, logged_in

from .conftest import END
from .polls import plant_day

pytestmark = pytest.mark.django_db
COMPLETE, GAPPY = END - timedelta(days=3), END - timedelta(days=2)
VENDOR_DAY = {"duration": 210, "active_users": 4, "active_channels": 2, "peak_users": 5, "peak_channels": 2}


@pytest.fixture
def app(two_tenants: World2, settings):
    settings.LIVE_POLL_SECONDS = 30
    settings.USAGE_RECONCILE_THRESHOLD_PERCENT = 5
    app = two_tenants.acme_manual_app
    plant_day(app, COMPLETE)
    plant_day(app, GAPPY, skip=(10, 40))
    observe(app, COMPLETE, END)
    for day in (COMPLETE, GAPPY):
        UsageSample.objects.bulk_create(
            UsageSample(app=app, metric=metric, interval=86400, timestamp=day, value=value)
            for metric, value in VENDOR_DAY.items()
        )
    SyncCursor.objects.create(app=app, metric="duration", interval=86400, synced_until=END)
    return app


def test_a_day_with_missed_polls_is_flagged_and_a_complete_day_is_not(app) -> None:
    complete, gappy = reconcile(app, COMPLETE.date(), GAPPY.date())
    assert complete.day == COMPLETE.date() and not complete.flagged and complete.causes == []
    assert all(c.percent == 0 for c in complete.comparisons)
    assert gappy.day == GAPPY.date() and gappy.flagged
    assert gappy.causes == ["missed polls (60)"]
    minutes = next(c for c in gappy.comparisons if c.metric == "duration")
    assert (minutes.vendor, minutes.observed) == (210, 149)


def test_the_threshold_is_a_setting(app, settings) -> None:
    settings.USAGE_RECONCILE_THRESHOLD_PERCENT = 50  # 149 against 210 is 29 % off
    assert [check.flagged for check in reconcile(app, COMPLETE.date(), GAPPY.date())] == [False, False]


def test_a_day_the_vendor_has_not_settled_is_late_vendor_data(app) -> None:
    SyncCursor.objects.filter(app=app).update(synced_until=GAPPY + timedelta(hours=20))
    UsageSample.objects.filter(app=app, timestamp=GAPPY, metric="duration").update(value=120)
    gappy = reconcile(app, GAPPY.date(), GAPPY.date())[0]
    assert gappy.flagged and "late vendor data (the day is not synced to its end yet)" in gappy.causes


def test_the_app_page_shows_observed_usage_and_flags_the_gappy_day(app, two_tenants: World2) -> None:
    url = reverse("usage:app_usage", args=[two_tenants.acme.slug, app.vendor_account_id, app.pk])
    query = {"range": "custom", "from": f"{COMPLETE:%Y-%m-%d}", "to": f"{GAPPY:%Y-%m-%d}"}
    page = logged_in(two_tenants.acme_viewer).get(url, query).content.decode()
    assert "Observed by the console (sampled every 30 s)" in page
    assert 'data-observed="duration">359 min' in page  # 210 + 149, apart from the vendor's 420
    assert f'data-day="{COMPLETE:%Y-%m-%d}" data-flagged="0"' in page
    assert f'data-day="{GAPPY:%Y-%m-%d}" data-flagged="1"' in page
    assert "missed polls (60)" in page
