from __future__ import annotations

import html
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard.live.models import Snapshot
from dashboard.usage.models import ObservedSample, UsageSample
from dashboard.usage.observe import DAY, HOUR, compute, observe
from tests.dashboard.conftest import World2, logged_in

from .conftest import END
from .polls import plant_day

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def thirty_seconds(settings) -> None:
    settings.LIVE_POLL_SECONDS = 30


DAY_START = END - timedelta(days=2)


def stored(app, interval: int) -> dict:
    return {
        (row.timestamp, row.metric): (row.value, row.peak_time, row.polls, row.missed_polls)
        for row in ObservedSample.objects.filter(app=app, interval=interval)
    }


def test_observed_figures_from_planted_polls(two_tenants: World2) -> None:
    app = two_tenants.acme_manual_app
    plant_day(app, DAY_START)
    observe(app, DAY_START, DAY_START + timedelta(days=1))
    ten, peak_at = DAY_START.replace(hour=10), DAY_START.replace(hour=10, minute=30)
    hours = stored(app, HOUR)
    assert hours[(ten, "duration")] == (210, None, 180, 0)
    assert hours[(ten, "active_users")][0] == 4
    assert hours[(ten, "active_channels")][0] == 2
    assert hours[(ten, "peak_users")][:2] == (5, peak_at)
    assert hours[(ten, "peak_channels")][:2] == (2, peak_at)
    eleven = ten + timedelta(hours=1)
    assert [hours[(eleven, m)][0] for m in ("duration", "active_users", "active_channels", "peak_users")] == [0] * 4
    days = stored(app, DAY)
    assert days[(DAY_START, "duration")] == (210, None, 182, 0)
    assert days[(DAY_START, "active_users")][0] == 4
    assert days[(DAY_START, "peak_users")][:2] == (5, peak_at)
    assert ObservedSample.objects.get(app=app, interval=DAY, metric="duration").sampling_seconds == 30
    assert not UsageSample.objects.filter(app=app).exists()  # never mixed into the vendor's figures


def test_missed_polls_are_counted_and_their_gap_is_not(two_tenants: World2) -> None:
    app = two_tenants.acme_manual_app
    plant_day(app, DAY_START, skip=(10, 40))  # c1 unpolled from 10:10 to 10:40
    day = compute(app, DAY_START, DAY_START + timedelta(days=1), DAY)[DAY_START]
    assert day.missed == 60  # polls 10:10:00..10:39:30 missed (10:40:00 is there)
    assert round(day.minutes) == 210 - 2 * 30.5  # the 30.5-minute gap is not counted
    assert day.peak_users == 5


def test_observe_is_idempotent_and_outlives_pruned_polls(two_tenants: World2) -> None:
    app = two_tenants.acme_manual_app
    plant_day(app, DAY_START)
    observe(app, DAY_START, DAY_START + timedelta(days=1))
    first = stored(app, DAY)
    call_command("observe_usage", "--days", "3", stdout=StringIO())
    assert stored(app, DAY) == first
    Snapshot.objects.all().delete()
    observe(app, DAY_START, DAY_START + timedelta(days=1))
    assert stored(app, DAY) == first


def test_the_app_filter_says_where_each_apps_usage_comes_from(usage: World2, other_vendors) -> None:
    """uprtc has only the console's polls, ISDP+ neither a usage API nor a membership read, and an
    Aliyun app not synced yet has nothing stored: each says so beside its name, and the page too."""
    page = logged_in(usage.acme_viewer).get(reverse("usage:tenant_usage", args=["acme"])).content.decode()
    select = page[page.index('id="f-app"') :]
    options = {
        html.unescape(name).split(" · ")[0]: html.unescape(note)
        for name, note in re.findall(
            r"<option [^>]*>([^<(]*)(?:\(([^)]*)\))?</option>", select[: select.index("</select>")]
        )
    }
    _, accounts = other_vendors
    uprtc, isdp = (accounts[vendor].apps.get() for vendor in ("uprtc", "isdp"))
    assert options[str(uprtc).strip()] == "observed only: the vendor has no usage API"
    assert options[str(isdp).strip()] == "no usage data: the vendor has neither a usage API nor a membership read"
    assert options[str(usage.acme_manual_app)] == "no usage stored yet"
    assert options["Alpha"] == ""  # synced: no note
    assert "neither a usage API nor a membership read, so their apps have no usage here" in page
