"""Times on pages carry their zone; relative times show the absolute time, with its zone, on hover."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from dashboard.live.charts import concurrency_figure
from dashboard.people.models import Preferences
from tests.dashboard.conftest import World2, logged_in

MOMENT = datetime(2026, 3, 8, 9, 30, 15, tzinfo=UTC)


def _render(text: str, **context: object) -> str:
    with translation.override("en"):
        return Template("{% load console %}" + text).render(Context(context))


def test_a_time_is_shown_in_the_readers_zone_with_the_zones_name() -> None:
    with timezone.override(ZoneInfo("Asia/Kolkata")):
        assert _render('{{ at|zoned:"Y-m-d H:i" }}', at=MOMENT) == "2026-03-08 15:00 Asia/Kolkata"
        assert _render("{{ at|zoned }}", at=None) == ""


def test_a_relative_time_shows_the_absolute_one_on_hover() -> None:
    with timezone.override(ZoneInfo("America/Los_Angeles")):
        text = _render("{{ at|ago }}", at=timezone.now() - timedelta(minutes=5, seconds=2))
    assert re.fullmatch(
        r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d America/Los_Angeles">5.minutes ago</time>', text
    ), text
    with timezone.override(ZoneInfo("UTC")):
        since = _render("{{ at|since:now }}", at=MOMENT, now=MOMENT + timedelta(hours=2))
    assert since == f'<time datetime="{MOMENT.isoformat()}" title="2026-03-08 09:30:15 UTC">2\xa0hours</time>'


def test_no_template_formats_a_time_without_its_zone() -> None:
    """Every `date` filter that shows a time of day is `zoned`, has the zone in its format (T), or
    sits on a line that names the report's zone (the usage pages)."""
    time_of_day = re.compile(r'\|date:"[^"]*[HGgh]:i[^"]*"')
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for line_number, line in enumerate(path.read_text().splitlines(), 1):
            if "zone.key" in line:
                continue
            found += [f"{path.name}:{line_number}: {match}" for match in time_of_day.findall(line) if " T" not in match]
    assert found == []


def test_the_account_page_says_the_zone_of_its_last_test(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    account.last_check_at = MOMENT
    account.last_check_outcome = "ok"
    account.save()
    Preferences.objects.create(user=two_tenants.acme_admin, time_zone="Asia/Shanghai")
    page = logged_in(two_tenants.acme_admin).get(reverse("rtc:account_detail", args=["acme", account.pk]))
    assert "2026-03-08 17:30:15 Asia/Shanghai</time>" in page.content.decode()


def test_the_live_charts_time_axes_name_their_zone() -> None:
    moments = [(MOMENT + timedelta(seconds=30 * n), n, 1, 0) for n in range(3)]
    with translation.override("en"):
        figure = json.loads(concurrency_figure(moments, ZoneInfo("Asia/Kolkata")))
    assert figure["layout"]["xaxis"]["title"]["text"] == "Time (Asia/Kolkata)"
    assert figure["data"][0]["x"][0] == "2026-03-08 15:00:15"
