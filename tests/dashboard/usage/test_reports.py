"""Usage reports: filters in the URL, numbers against the database, roll-ups, exports, the staff overview."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from dashboard.billing.models import PriceBook
from dashboard.rtc.models import RtcApp
from dashboard.usage import reports, rollups
from dashboard.usage.models import TIER_FIELDS, AccountPeakSample, UsageSample
from tests.dashboard.conftest import HTMX, World2, logged_in
from tests.dashboard.usage.conftest import DAYS, END, custom


def test_filters_parse_presets_custom_ranges_and_bad_input() -> None:
    today = date(2026, 3, 15)
    zone = ZoneInfo("Asia/Shanghai")
    f = reports.parse(QueryDict("range=last_month"), today=today, zone=zone)
    assert (f.start, f.end, f.resolved) == (date(2026, 2, 1), date(2026, 2, 28), "day")
    f = reports.parse(QueryDict("range=12m"), today=today, zone=zone)
    assert f.resolved == "week" and f.start == date(2025, 3, 1)
    f = reports.parse(QueryDict("range=custom&from=2026-03-10&to=2026-03-01&granularity=hour"), today=today, zone=zone)
    assert (f.start, f.end, f.resolved) == (date(2026, 3, 1), date(2026, 3, 10), "hour") and f.problems
    assert f.start_utc == datetime(2026, 2, 28, 16, tzinfo=UTC)  # local midnight in UTC
    f = reports.parse(QueryDict("range=nonsense&granularity=fortnight&tier=bogus"), today=today, zone=zone)
    assert f.preset == "30d" and f.granularity == "auto" and len(f.problems) == 2 and f.tiers == list(TIER_FIELDS)
    f = reports.parse(QueryDict("range=custom&from=yesterday"), today=today, zone=zone)
    assert f.preset == "30d" and f.problems


def test_tenant_report_numbers_match_the_database(usage: World2) -> None:
    client = logged_in(usage.acme_viewer)
    start, end = END - timedelta(days=30), END - timedelta(days=1)
    response = client.get(reverse("usage:tenant_usage", args=["acme"]), custom(start, end, granularity="day"))
    page = response.content.decode()
    expected = sum(
        UsageSample.objects.filter(
            app__in=[usage.app_a, usage.app_b],
            metric="duration",
            interval=86400,
            timestamp__gte=start,
            timestamp__lt=end + timedelta(days=1),
        ).values_list("value", flat=True)
    )
    assert f'data-total="duration">{expected:,} min' in page
    assert "Harbor app" not in page  # another tenant's app is neither listed nor counted
    assert "Peaks are added up too" in page and "upper bound" in page  # no account-wide series stored


def test_tier_filter_changes_the_duration(usage: World2) -> None:
    client = logged_in(usage.acme_admin)
    start, end = END - timedelta(days=10), END - timedelta(days=1)
    url = reverse("usage:app_usage", args=["acme", usage.acme_account.pk, usage.app_a.pk])
    page = client.get(url, custom(start, end, granularity="day", tier="v1080")).content.decode()
    expected = sum(range(DAYS - 10, DAYS))  # v1080 minutes are the day index
    assert f'data-total="duration">{expected:,} min' in page


def test_weeks_sum_minutes_and_take_the_busiest_day(usage: World2) -> None:
    start = END - timedelta(days=DAYS)
    filters = reports.parse(
        QueryDict(
            f"range=custom&from={start:%Y-%m-%d}&to={END - timedelta(days=1):%Y-%m-%d}"
            "&granularity=week&app=" + str(usage.app_a.pk)
        ),
        zone=ZoneInfo("UTC"),
    )
    report = reports.build(filters, RtcApp.objects.filter(pk=usage.app_a.pk))
    days = UsageSample.objects.filter(app=usage.app_a, interval=86400)
    assert sum(b.values["duration"] for b in report.buckets) == sum(
        days.filter(metric="duration").values_list("value", flat=True)
    )
    for bucket in report.buckets:
        week = days.filter(
            metric="active_users", timestamp__gte=bucket.start, timestamp__lt=bucket.start + timedelta(days=7)
        )
        assert bucket.values["active_users"] == max(week.values_list("value", flat=True))
        assert bucket.start.weekday() == 0


def test_hours_follow_the_readers_time_zone(usage: World2) -> None:
    filters = reports.parse(QueryDict("range=7d&granularity=hour"), zone=ZoneInfo("Asia/Shanghai"))
    report = reports.build(filters, RtcApp.objects.filter(pk=usage.app_a.pk))
    assert report.buckets[0].start == filters.start_utc  # Shanghai midnight, 16:00 UTC the day before
    assert json.loads(reports_figure(report))["data"][0]["x"][0].endswith("00:00")


def reports_figure(report: reports.Report) -> str:
    from dashboard.usage.charts import duration

    return duration(report)


def test_htmx_swaps_only_the_report_and_keeps_filters_in_the_url(usage: World2) -> None:
    client = logged_in(usage.acme_admin)
    url = reverse("usage:account_usage", args=["acme", usage.acme_account.pk])
    fragment = client.get(url, {"range": "7d", "granularity": "day"}, headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="report"') and "<html" not in fragment
    assert "export=csv" in fragment and "range=7d" in fragment
    figures = {
        name: json.loads(html.unescape(text))
        for name, text in re.findall(r'data-chart="chart-(\w+)" data-figure="([^"]*)"', fragment)
    }
    assert set(figures) == {"duration", "active_users", "active_channels", "peak_users", "peak_channels"}
    assert [trace["name"] for trace in figures["duration"]["data"]][:2] == ["Audio", "Video up to 360p"]
    assert len(figures["active_users"]["data"][0]["x"]) == 6  # seven days, today not yet seeded


def test_csv_export_is_exactly_the_table(usage: World2) -> None:
    client = logged_in(usage.acme_viewer)
    start, end = END - timedelta(days=14), END - timedelta(days=1)
    url = reverse("usage:app_usage", args=["acme", usage.acme_account.pk, usage.app_b.pk])
    response = client.get(url, custom(start, end, granularity="day", export="csv"))
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[0] == "Period starting" and len(body) == 14
    stored = UsageSample.objects.filter(
        app=usage.app_b, metric="duration", interval=86400, timestamp__gte=start, timestamp__lt=end + timedelta(days=1)
    ).order_by("timestamp")
    assert [int(row[1]) for row in body] == list(stored.values_list("value", flat=True))
    assert int(total[1]) == sum(stored.values_list("value", flat=True))
    peak_users = UsageSample.objects.get(app=usage.app_b, metric="peak_users", interval=86400, timestamp=start)
    column = header.index("Peak concurrent users")
    assert body[0][column] == str(peak_users.value)
    assert body[0][column + 1] == f"{peak_users.peak_time:%Y-%m-%d %H:%M}"
    xlsx = client.get(url, custom(start, end, granularity="day", export="xlsx"))
    assert zipfile.ZipFile(io.BytesIO(xlsx.content)).testzip() is None


def test_comparison_with_the_previous_period(usage: World2) -> None:
    client = logged_in(usage.acme_admin)
    start, end = END - timedelta(days=10), END - timedelta(days=1)
    url = reverse("usage:app_usage", args=["acme", usage.acme_account.pk, usage.app_a.pk])
    page = client.get(url, custom(start, end, granularity="day", compare="1")).content.decode()
    assert "vs previous period" in page and "Previous period" in page


def test_a_year_of_hours_is_not_shipped_unless_asked(usage: World2) -> None:
    client = logged_in(usage.acme_admin)
    url = reverse("usage:app_usage", args=["acme", usage.acme_account.pk, usage.app_a.pk])
    year = client.get(url, {"range": "12m"}, headers=HTMX).content.decode()
    assert "Week" in year and len(year) < 250_000
    asked = client.get(url, {"range": "90d", "granularity": "hour"}, headers=HTMX).content.decode()
    assert asked.count("00:00") > 50  # hours, because they were asked for


def test_empty_states(usage: World2) -> None:
    client = logged_in(usage.harbor_admin)
    url = reverse("usage:tenant_usage", args=["harbor"])
    page = client.get(url, custom(END - timedelta(days=400), END - timedelta(days=300))).content.decode()
    assert "No usage stored for this range yet." in page


def test_staff_overview_ranks_tenants_with_trend(usage: World2) -> None:
    page = logged_in(usage.staff).get(reverse("staff:usage_overview"), {"range": "30d"}).content.decode()
    ranking = page[page.index('id="tenant-ranking"') :]
    assert ranking.index("Blue Harbor") < ranking.index("Acme Rooms")  # 7x the minutes
    assert "%" in ranking
    assert logged_in(usage.acme_admin).get(reverse("staff:usage_overview")).status_code == 403


def test_staff_overviews_tenant_links_open_their_report_of_the_same_range(usage: World2) -> None:
    query = custom(END - timedelta(days=20), END - timedelta(days=5), granularity="week")
    client = logged_in(usage.staff)
    page = client.get(reverse("staff:usage_overview"), query).content.decode()
    row = page[page.index('data-tenant="acme"') :]
    link = html.unescape(re.search(r'href="([^"]+)"', row)[1])
    assert link.startswith(reverse("usage:tenant_usage", args=["acme"]) + "?")
    assert dict(parse_qsl(link.split("?", 1)[1])) == {
        "range": "custom",
        "from": query["from"],
        "to": query["to"],
        "granularity": "week",
        "compare": "1",
    }
    assert client.get(link).status_code == 200


def test_a_tier_asked_for_twice_counts_once(usage: World2) -> None:
    # ?tier=audio&tier=audio: the same page as ?tier=audio (the overview's money query named the
    # column twice on PostgreSQL: an error).
    once = reports.parse(QueryDict("tier=audio&tier=v720"))
    assert reports.parse(QueryDict("tier=v720&tier=audio&tier=audio")).tiers == once.tiers == ["audio", "v720"]
    valid_from = (END - timedelta(days=90)).date()
    PriceBook.objects.create(vendor_account=usage.acme_account, currency="USD", valid_from=valid_from, audio="0.004")
    client = logged_in(usage.staff)
    pages = [
        client.get(reverse("staff:usage_overview"), QueryDict(f"range=30d&{tiers}")).content.decode()
        for tiers in ("tier=audio", "tier=audio&tier=audio")
    ]
    tables = [page[page.index('id="tenant-ranking"') : page.index('id="app-ranking"')] for page in pages]
    assert tables[0] == tables[1] and "$" in tables[0]


def test_staff_overview_says_which_filters_it_could_not_use(usage: World2) -> None:
    page = logged_in(usage.staff).get(reverse("staff:usage_overview"), {"range": "bogus"}).content.decode()
    assert "Unknown range; showing the last 30 days." in page
    assert 'id="tenant-ranking"' in page


def test_recheck_is_for_admins(usage: World2) -> None:
    url = reverse("usage:account_recheck", args=["acme", usage.acme_account.pk])
    assert logged_in(usage.acme_viewer).post(url).status_code == 403
    usage.acme_account.sync_blocked = True
    usage.acme_account.save()
    logged_in(usage.acme_admin).post(url)
    usage.acme_account.refresh_from_db()
    assert not usage.acme_account.sync_blocked


def test_tenants_without_usage_vendors_are_told_which_vendors_have_it(two_tenants: World2) -> None:
    from dashboard.credentials.models import VendorAccount
    from dashboard.tenancy.models import Membership, Role, Tenant

    tenant = Tenant.objects.create(name="Rooms only", slug="rooms")
    account = VendorAccount(tenant=tenant, vendor="uprtc", label="uprtc")
    account.set_credentials({"app_secret": "a-secret-of-enough-length"})
    account.save()
    RtcApp.objects.create(vendor_account=account, app_id="project-1")
    Membership.objects.create(user=two_tenants.acme_viewer, tenant=tenant, role=Role.VIEWER)
    page = logged_in(two_tenants.acme_viewer).get(reverse("usage:tenant_usage", args=["rooms"])).content.decode()
    assert "These vendors publish no usage statistics." in page and "Vendors that do: Alibaba Cloud RTC." in page


NOW = datetime(2026, 3, 15, 10, 37, tzinfo=UTC)


@pytest.mark.parametrize("zone_name", ["UTC", "Asia/Shanghai", "Asia/Kolkata"])
def test_last_24_hours_are_24_complete_hours_in_any_zone(usage: World2, zone_name: str) -> None:
    UsageSample.objects.bulk_create(
        UsageSample(
            app=usage.app_a,
            metric="duration",
            interval=3600,
            timestamp=NOW.replace(minute=0) - timedelta(hours=n),
            value=n,
            audio=n,
        )
        for n in range(-1, 49)
    )
    zone = ZoneInfo(zone_name)
    filters = reports.parse(QueryDict("range=24h"), now=NOW, zone=zone)
    report = reports.build(filters, RtcApp.objects.filter(pk=usage.app_a.pk))
    starts = [b.start for b in report.buckets]
    assert len(starts) == 24 and filters.resolved == "hour"
    assert starts[0] == datetime(2026, 3, 14, 10, tzinfo=UTC) and starts[-1] == datetime(2026, 3, 15, 9, tzinfo=UTC)
    assert report.totals()["duration"] == sum(range(1, 25))  # the running hour (10:00) is not in it
    assert not any(report.partial(b) for b in report.buckets)
    labels = [reports.bucket_label(b.start, "hour", zone) for b in report.buckets]
    minute = {"UTC": ":00", "Asia/Shanghai": ":00", "Asia/Kolkata": ":30"}[zone_name]
    assert all(label.endswith(minute) for label in labels)
    previous = filters.previous()
    assert (previous.start_utc, previous.end_utc) == (starts[0] - timedelta(hours=24), starts[0])


def test_calendar_ranges_and_the_running_period_marked_partial(usage: World2) -> None:
    zone = ZoneInfo("Asia/Kolkata")
    today = reports.parse(QueryDict("range=today"), now=NOW, zone=zone)
    assert (today.start, today.end, today.resolved) == (date(2026, 3, 15),) * 2 + ("hour",)
    year = reports.parse(QueryDict("range=this_year"), now=NOW, zone=zone)
    assert (year.start, year.end) == (date(2026, 1, 1), date(2026, 3, 15))
    assert set(reports.ROLLING).isdisjoint(reports.CALENDAR)
    client = logged_in(usage.acme_viewer)
    url = reverse("usage:app_usage", args=["acme", usage.acme_account.pk, usage.app_a.pk])
    rows = list(csv.reader(io.StringIO(client.get(url, {"range": "30d", "export": "csv"}).content.decode("utf-8-sig"))))
    # The seed's last day is yesterday (UTC); the running week of a weekly table is partial.
    assert not any("(partial)" in row[0] for row in rows)
    weekly = client.get(url, {"range": "30d", "granularity": "week", "export": "csv"}).content.decode("utf-8-sig")
    weeks = list(csv.reader(io.StringIO(weekly)))[1:-1]
    current_week = END - timedelta(days=END.weekday())
    assert [row[0].endswith("(partial)") for row in weeks] == [
        row[0].startswith(f"{current_week:%Y-%m-%d}") for row in weeks
    ]


def test_whole_accounts_take_the_accounts_own_peaks_and_anything_less_the_sum(usage: World2) -> None:
    start = END - timedelta(days=DAYS)
    for day in range(DAYS - 1):  # the last day not reached by the account series yet
        for metric, value in (("peak_users", 1), ("peak_channels", 2)):
            AccountPeakSample.objects.create(
                vendor_account=usage.acme_account,
                metric=metric,
                interval=86400,
                timestamp=start + timedelta(days=day),
                value=value,
            )
    filters = reports.parse(
        QueryDict(f"range=custom&from={start:%Y-%m-%d}&to={END - timedelta(days=2):%Y-%m-%d}&granularity=day"),
        zone=ZoneInfo("UTC"),
    )
    whole = reports.build(filters, usage.acme_account.apps.all())
    assert whole.peak_basis == reports.WHOLE_ACCOUNT and not whole.peaks_are_bounds
    assert {(b.values["peak_users"], b.values["peak_channels"]) for b in whole.buckets} == {(1, 2)}
    assert whole.totals()["peak_users"] == 1 and whole.totals()["peak_users_at"] is None
    # Two of the account's three apps: not the whole account, so the apps' peaks added up.
    part = reports.build(filters, RtcApp.objects.filter(pk__in=[usage.app_a.pk, usage.app_b.pk]))
    assert part.peak_basis == reports.SUM_OF_PEAKS
    assert part.buckets[0].values["peak_users"] == (20 * 1 + 0) + (20 * 2 + 0)
    # A day the account series has not reached: that day's sum, and the whole range is a bound.
    later = reports.parse(
        QueryDict(f"range=custom&from={start:%Y-%m-%d}&to={END - timedelta(days=1):%Y-%m-%d}&granularity=day"),
        zone=ZoneInfo("UTC"),
    )
    mixed = reports.build(later, usage.acme_account.apps.all())
    assert mixed.peak_basis == reports.SUM_OF_PEAKS
    assert mixed.buckets[-1].values["peak_users"] == (20 + DAYS - 1) + (40 + DAYS - 1)
    assert mixed.buckets[0].values["peak_users"] == 1


@pytest.mark.parametrize("range_", ["30d", "12m", "7d"])
def test_a_report_of_no_apps_is_empty_not_an_error(usage: World2, range_: str) -> None:
    """Django knows a query of no apps is empty without asking the database (EmptyResultSet):
    the figures read without its converters must know it too."""
    from dashboard.usage import costs

    report = reports.build(reports.parse(QueryDict(f"range={range_}")), RtcApp.objects.none())
    assert report.apps == [] and not any(bucket.values for bucket in report.buckets)
    assert costs.price(report) is None or costs.price(report).totals() == {}


def test_a_trend_compares_a_running_range_by_its_complete_part() -> None:
    zone = ZoneInfo("UTC")
    now = datetime(2026, 3, 15, 10, 20, tzinfo=UTC)
    week = reports.parse(QueryDict("range=7d"), zone=zone, now=now).compared()
    assert week is not None and week.running
    assert (week.now.start, week.now.end) == (date(2026, 3, 9), date(2026, 3, 14))  # today is not over
    assert (week.before.start, week.before.end) == (date(2026, 3, 2), date(2026, 3, 7))  # as many days before
    with translation.override("en"):  # a test before may leave another language active
        stretches = week.stretches()
    assert stretches == "2026-03-09 \N{EN DASH} 2026-03-14 against 2026-03-02 \N{EN DASH} 2026-03-07"
    today = reports.parse(QueryDict("range=today"), zone=zone, now=now).compared()
    assert today is not None and today.running  # by the hour: the hours before this one, and yesterday's
    assert today.now.hours == (datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 3, 15, 10, tzinfo=UTC))
    assert today.before.hours == (datetime(2026, 3, 14, tzinfo=UTC), datetime(2026, 3, 14, 10, tzinfo=UTC))
    assert reports.parse(QueryDict("range=today"), zone=zone, now=now.replace(hour=0)).compared() is None
    over = reports.parse(QueryDict("range=last_month"), zone=zone, now=now).compared()
    assert over is not None and not over.running  # a range that is over: the whole period before
    assert (over.before.start, over.before.end) == (date(2026, 1, 4), date(2026, 1, 31))
    day = reports.parse(QueryDict("range=24h"), zone=zone, now=now).compared()
    assert day is not None and not day.running  # 24 complete hours
    by_day = reports.parse(QueryDict("range=24h&granularity=day"), zone=zone, now=now).compared()
    assert by_day is not None and by_day.running  # read by whole UTC days, today's among them
    assert (by_day.now.start, by_day.now.end, by_day.now.hours) == (date(2026, 3, 14), date(2026, 3, 14), None)
    assert (by_day.before.start, by_day.before.end) == (date(2026, 3, 12), date(2026, 3, 12))


def test_a_running_range_trends_the_same_on_the_report_and_the_overview(usage: World2) -> None:
    """Seven days with today, at noon with today's first minutes stored: the trend is the six
    complete days against the previous period's first six, from the samples themselves, on the
    tenant's report and on the staff overview alike (the old sum, today's part included against
    seven whole days, gives another figure)."""
    today = UsageSample(app=usage.app_a, metric="duration", interval=86400, timestamp=END, value=5000, audio=5000)
    UsageSample.objects.bulk_create([today])
    rollups.rebuild()

    def minutes(first: datetime, last: datetime) -> int:
        return sum(
            UsageSample.objects.filter(
                app__vendor_account__tenant=usage.acme,
                metric="duration",
                interval=86400,
                timestamp__range=(first, last),
            ).values_list("value", flat=True)
        )

    now_minutes = minutes(END - timedelta(days=6), END - timedelta(days=1))
    before_minutes = minutes(END - timedelta(days=13), END - timedelta(days=8))
    expected = f"{(now_minutes - before_minutes) / before_minutes * 100:.1f}"
    report = logged_in(usage.acme_admin).get(
        reverse("usage:tenant_usage", args=["acme"]), {"range": "7d", "compare": "1"}
    )
    page = report.content.decode()
    assert f'data-change="{expected}"' in page, re.findall(r'data-change="[^"]*"', page)
    assert "vs the same part of the previous period" in page
    stretch = f"{END - timedelta(days=6):%Y-%m-%d} \N{EN DASH} {END - timedelta(days=1):%Y-%m-%d} against"
    assert stretch in html.unescape(page)
    overview = logged_in(usage.staff).get(reverse("staff:usage_overview"), {"range": "7d"}).content.decode()
    ranking = overview[overview.index('id="tenant-ranking"') :]
    row = ranking[ranking.index(">Acme Rooms</a>") :]
    assert re.findall(r'<td class="text-end"[^>]*>(?:<span[^>]*>)?([^<]*)', row[: row.index("</tr>")])[1] == (
        f"{expected}%"
    )
    assert "The range is not over" in overview
    # By the week, whose buckets straddle the cut, the complete days are read again: the same rule.
    weeks = custom(END - timedelta(days=20), END, granularity="week", compare="1")
    page = logged_in(usage.acme_admin).get(reverse("usage:tenant_usage", args=["acme"]), weeks).content.decode()
    now_minutes = minutes(END - timedelta(days=20), END - timedelta(days=1))
    before_minutes = minutes(END - timedelta(days=41), END - timedelta(days=22))
    assert f'data-change="{(now_minutes - before_minutes) / before_minutes * 100:.1f}"' in page
