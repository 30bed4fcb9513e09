"""Times carry their zone; hours across a daylight-saving change come out right."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.http import QueryDict
from django.urls import reverse

from dashboard.people.models import Preferences
from dashboard.rtc.models import RtcApp
from dashboard.usage import reports
from dashboard.usage.models import UsageSample
from tests.dashboard.conftest import HTMX, World2, logged_in

LA = ZoneInfo("America/Los_Angeles")
# 2026-11-01 in Los Angeles: 07:00 UTC (PDT, -7) to 08:00 UTC the next day (PST, -8), 25 hours.
FALL_BACK = {"range": "custom", "from": "2026-11-01", "to": "2026-11-01", "granularity": "hour"}


def _hours(w: World2) -> RtcApp:
    """An app of its own: the usage fixture's hours may cover that night already."""
    app = RtcApp.objects.create(vendor_account=w.acme_account, app_id="app-dst", name="Dst")
    first = datetime(2026, 11, 1, 6, tzinfo=UTC)
    UsageSample.objects.bulk_create(
        UsageSample(
            app=app, metric="duration", interval=3600, timestamp=first + timedelta(hours=n), value=n + 1, audio=n + 1
        )
        for n in range(28)
    )
    return app


def test_the_day_the_clock_falls_back_has_25_distinctly_labelled_hours(usage: World2) -> None:
    app = _hours(usage)
    filters = reports.parse(QueryDict("&".join(f"{k}={v}" for k, v in FALL_BACK.items())), zone=LA)
    report = reports.build(filters, RtcApp.objects.filter(pk=app.pk))
    labels = [reports.bucket_label(b.start, "hour", LA) for b in report.buckets]
    assert len(labels) == 25 and len(set(labels)) == 25
    assert labels[:3] == ["2026-11-01 00:00", "2026-11-01 01:00 PDT", "2026-11-01 01:00 PST"]
    assert labels[-1] == "2026-11-01 23:00"
    assert report.totals()["duration"] == sum(range(2, 27))  # 07:00 to 07:00 UTC, the 25 hours only


def test_the_page_shows_the_repeated_hour_twice_and_charts_it_as_categories(usage: World2) -> None:
    app = _hours(usage)
    Preferences.objects.create(user=usage.acme_viewer, time_zone="America/Los_Angeles")
    url = reverse("usage:app_usage", args=["acme", usage.acme_account.pk, app.pk])
    page = logged_in(usage.acme_viewer).get(url, FALL_BACK, headers=HTMX).content.decode()
    assert "Rows 1\u201325 of 25." in page
    assert "<td>2026-11-01 01:00 PDT</td>" in page and "<td>2026-11-01 01:00 PST</td>" in page
    figure = json.loads(html.unescape(re.search(r'data-chart="chart-duration" data-figure="([^"]*)"', page).group(1)))
    assert figure["layout"]["xaxis"]["type"] == "category" and len(figure["data"][0]["x"]) == 25


def test_last_24_hours_are_headed_by_hours_with_their_zone(usage: World2) -> None:
    Preferences.objects.create(user=usage.acme_viewer, time_zone="Asia/Kolkata")
    url = reverse("usage:app_usage", args=["acme", usage.acme_account.pk, usage.app_a.pk])
    page = logged_in(usage.acme_viewer).get(url, {"range": "24h"}).content.decode()
    heading = re.search(r'id="range-heading">([^·]*)·', page).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:30 \u2013 \d{4}-\d\d-\d\d \d\d:30 \(Asia/Kolkata\) ", heading), heading
    day = logged_in(usage.acme_viewer).get(url, {"range": "7d"}).content.decode()
    assert re.search(r'id="range-heading">\d{4}-\d\d-\d\d \u2013 \d{4}-\d\d-\d\d ·', day)
    assert re.search(r"at \d{4}-\d\d-\d\d \d\d:\d\d Asia/Kolkata</div>", day)  # the peak's time, with its zone
