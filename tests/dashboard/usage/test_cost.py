"""Cost in the usage report: a column and a total on the page, the CSV and the XLSX, all equal."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse

from dashboard.billing import cost
from dashboard.billing.models import Markup, PriceBook
from dashboard.rtc.models import RtcApp
from dashboard.usage import costs, reports, rollups
from dashboard.usage.models import UsageSample
from tests.dashboard.conftest import HTMX, World2, logged_in
from tests.dashboard.usage.conftest import END, custom

pytestmark = pytest.mark.usefixtures("english")

# A range this long holds a whole UTC month whatever the day (60 days held none on Jan 31 and
# Aug 31); the seeded samples start 60 days back (conftest.DAYS).
WHOLE_MONTH_DAYS = 62


def _money(filters: reports.Filters) -> dict[int, dict[str, Decimal]]:
    """The staff overview's money of every tenant."""
    return costs.range_money(filters).by_tenant


def _prices(world: World2) -> None:
    # Audio only: 30 audio minutes a day over Alpha and Beta; the price rises halfway through.
    for days_back, audio in ((60, "0.004"), (15, "0.005")):
        PriceBook.objects.create(
            vendor_account=world.acme_account,
            currency="USD",
            valid_from=(END - timedelta(days=days_back)).date(),
            audio=Decimal(audio),
        )
    Markup.objects.create(tenant=world.acme, percent=Decimal(10))


def _query(**extra: str) -> dict[str, str]:
    return custom(END - timedelta(days=30), END - timedelta(days=1), granularity="day", **extra)


def test_cost_column_and_total_on_the_page_and_in_the_csv(usage: World2) -> None:
    _prices(usage)
    url = reverse("usage:tenant_usage", args=["acme"])
    client = logged_in(usage.acme_admin)
    rows = list(csv.reader(io.StringIO(client.get(url, _query(export="csv")).content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Cost (USD)"
    days = rows[1:-1]
    assert len(days) == 30
    # A day: Alpha's 10 audio minutes and Beta's 20, each app priced on its own, rounded half up:
    # 10 * 0.004 * 1.1 = 0.044 -> 0.04 and 20 * 0.0044 = 0.088 -> 0.09, so 0.13; after the price
    # change 10 * 0.0055 = 0.055 -> 0.06 and 20 * 0.0055 = 0.11, so 0.17.
    assert [row[-1] for row in days] == ["0.13"] * 15 + ["0.17"] * 15
    # The total is the range's money (billing.cost): each app's minutes per price over the 30
    # days, rounded once: Alpha 150 * 0.0044 = 0.66 and 150 * 0.0055 = 0.825 -> 0.83, Beta 300 *
    # 0.0044 = 1.32 and 300 * 0.0055 = 1.65; 4.46, four cents under the days' 4.50 (said on the page).
    unit = {"old": Decimal("0.004") * Decimal("1.1"), "new": Decimal("0.005") * Decimal("1.1")}
    lines = [unit[price] * 15 * per_day for price in unit for per_day in (10, 20)]
    expected = sum(line.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for line in lines)
    assert rows[-1][-1] == str(expected) == "4.46"
    assert sum(Decimal(row[-1]) for row in days) == Decimal("4.50")
    page = client.get(url, _query()).content.decode()
    assert "$4.46" in page and "markup 10.00 % included" in page and "$0.17</td>" in page
    assert 'id="cost-rule"' in page
    xlsx = zipfile.ZipFile(io.BytesIO(client.get(url, _query(export="xlsx")).content))
    assert "Cost (USD)" in xlsx.read("xl/sharedStrings.xml").decode()
    assert "<v>4.46</v>" in xlsx.read("xl/worksheets/sheet1.xml").decode()


def test_no_price_book_no_cost_column(usage: World2) -> None:
    url = reverse("usage:tenant_usage", args=["acme"])
    rows = list(csv.reader(io.StringIO(logged_in(usage.acme_admin).get(url, _query(export="csv")).content.decode())))
    assert not any("Cost" in cell for cell in rows[0])


def test_several_currencies_are_not_summed(usage: World2) -> None:
    _prices(usage)
    PriceBook.objects.create(
        vendor_account=usage.acme_account,
        currency="CNY",
        valid_from=(END - timedelta(days=5)).date(),
        audio=Decimal("0.03"),
    )
    url = reverse("usage:tenant_usage", args=["acme"])
    client = logged_in(usage.acme_admin)
    rows = list(csv.reader(io.StringIO(client.get(url, _query(export="csv")).content.decode("utf-8-sig"))))
    assert not any("Cost" in cell for cell in rows[0])
    page = client.get(url, _query()).content.decode()
    assert 'id="cost-mixed"' in page and "CN¥" in page and "$" in page


def test_days_before_any_price_book_are_said_to_be_unpriced(usage: World2) -> None:
    PriceBook.objects.create(
        vendor_account=usage.acme_account, currency="USD", valid_from=(END - timedelta(days=10)).date()
    )
    page = logged_in(usage.acme_admin).get(reverse("usage:tenant_usage", args=["acme"]), _query()).content.decode()
    assert 'id="cost-unpriced"' in page


def test_the_cost_chart_draws_each_periods_cost(usage: World2) -> None:
    _prices(usage)
    url = reverse("usage:tenant_usage", args=["acme"])
    client = logged_in(usage.acme_admin)
    fragment = client.get(url, _query(), headers=HTMX).content.decode()
    figure = json.loads(html.unescape(re.search(r'data-chart="chart-cost" data-figure="([^"]*)"', fragment).group(1)))
    (trace,) = figure["data"]
    assert [Decimal(y) for y in trace["y"]] == [Decimal("0.13")] * 15 + [Decimal("0.17")] * 15
    assert figure["layout"]["yaxis"]["title"]["text"] == "USD" and "USD" in trace["hovertemplate"]


def test_no_price_book_no_cost_chart(usage: World2) -> None:
    fragment = logged_in(usage.acme_admin).get(reverse("usage:tenant_usage", args=["acme"]), _query(), headers=HTMX)
    assert 'data-chart="chart-cost"' not in fragment.content.decode()


def _books_around_a_whole_month(world: World2, start: datetime, end: datetime) -> datetime:
    """Acme's price changes on the first of the range's first whole UTC month and again on its
    10th; Harbor's on the 16th of the same month. Returns that month."""
    month = rollups.whole_months(start, end)[0]
    tiers = ("audio", "v360", "v720", "v1080", "content")
    for account, changes in (
        (world.acme_account, [start - timedelta(days=30), month, month + timedelta(days=9)]),
        (world.harbor_account, [start - timedelta(days=30), month + timedelta(days=15)]),
    ):
        for n, valid_from in enumerate(changes):
            prices = {tier: Decimal("0.0037") * (n + 1) + Decimal("0.0011") * k for k, tier in enumerate(tiers)}
            PriceBook.objects.create(vendor_account=account, currency="USD", valid_from=valid_from.date(), **prices)
    Markup.objects.create(tenant=world.acme, percent=Decimal("12.5"))
    return month


def _day_by_day(
    world: World2, start: datetime, end: datetime, key: Callable[[datetime], object], interval: int = 86400
) -> dict:
    """Each tenant's pricing made from every stored day (or hour) of every app, one by one."""
    books = cost.books_for([world.acme_account.pk, world.harbor_account.pk])
    days = UsageSample.objects.filter(metric="duration", interval=interval, timestamp__gte=start, timestamp__lt=end)
    found = {}
    for tenant in (world.acme, world.harbor):
        usage = [
            cost.Usage(key(day.timestamp), day.app.vendor_account_id, day.app_id, day.timestamp.date(), tiers)
            for day in days.filter(app__vendor_account__tenant=tenant).select_related("app")
            if (tiers := {t: getattr(day, t) for t in ("audio", "v360", "v720", "v1080", "content")})
        ]
        found[tenant.pk] = cost.price(usage, books, cost.markup_percent(tenant))
    return found


def test_the_overviews_money_is_the_day_by_day_money_where_prices_change_on_the_first_and_mid_month(
    usage: World2,
) -> None:
    # The staff overview reads whole months from the apps' month roll-ups and falls back to the
    # days of a month in which an account's book starts after its first day.
    first, last = END - timedelta(days=WHOLE_MONTH_DAYS), END - timedelta(days=1)
    _books_around_a_whole_month(usage, first, END)
    filters = reports.parse(QueryDict(urlencode(custom(first, last, granularity="month"))))
    expected = _day_by_day(usage, first, END, lambda day: None)
    assert _money(filters) == {tenant: found.totals() for tenant, found in expected.items()}
    assert all(expected[tenant.pk].totals() for tenant in (usage.acme, usage.harbor))


@pytest.mark.parametrize("days", [60, 2])
def test_the_overviews_money_leaves_unpriced_accounts_and_days_out(usage: World2, days: int) -> None:
    # Only Acme's account has books, the first starting inside the range and the second mid-
    # month: Harbor has no money, Acme's days before its first book are unpriced. Two days:
    # hours, from the samples.
    first, last = END - timedelta(days=days), END - timedelta(days=1)
    for days_back, audio in ((40, "0.004"), (25, "0.005"), (1, "0.006")):
        valid_from = (END - timedelta(days=days_back)).date()
        PriceBook.objects.create(vendor_account=usage.acme_account, currency="USD", valid_from=valid_from, audio=audio)
    granularity = "hour" if days == 2 else "month"
    filters = reports.parse(QueryDict(urlencode(custom(first, last, granularity=granularity))))
    expected = _day_by_day(usage, first, END, lambda day: None, 3600 if days == 2 else 86400)[usage.acme.pk]
    found = _money(filters)
    assert found == {usage.acme.pk: expected.totals()}
    assert found[usage.acme.pk]
    if days == 60:
        assert expected.unpriced_minutes  # the range starts before the first book


@pytest.mark.parametrize("granularity", ["week", "month"])
def test_a_reports_weeks_and_months_cost_what_their_days_do(usage: World2, granularity: str) -> None:
    # Weeks and months are summed by the database, split where a book starts inside one.
    first, last = END - timedelta(days=WHOLE_MONTH_DAYS), END - timedelta(days=1)
    _books_around_a_whole_month(usage, first, END)
    filters = reports.parse(QueryDict(urlencode(custom(first, last, granularity=granularity))))
    report = reports.build(filters, RtcApp.objects.filter(vendor_account__tenant=usage.acme))
    pricing = costs.price(report)
    expected = _day_by_day(usage, first, END, lambda day: reports.period_start(day, granularity))[usage.acme.pk]
    assert pricing is not None
    assert pricing.by_key() == expected.by_key() and len(pricing.by_key()) >= 2
    assert pricing.totals() == expected.totals()
    assert sorted((line.key, line.app_id, line.tier, line.book.pk, line.cost) for line in pricing.lines) == sorted(
        (line.key, line.app_id, line.tier, line.book.pk, line.cost) for line in expected.lines
    )


@pytest.mark.parametrize(
    ("from_day", "to_day", "book_day"),
    [
        (1, None, None),  # from a month's 2nd day: the month less its 1st
        (-5, 20, None),  # up to its 21st: the month less its last days, which are stored
        (1, None, 12),  # a book starts on its 13th: its days, one by one
        (-5, 8, 20),  # a book starts after the range, inside its last month: that month's days
        (1, None, 0),  # a book starts on its 1st: one stretch, the month less its 1st
    ],
)
def test_the_overviews_money_of_partial_months_is_the_day_by_day_money(
    usage: World2, from_day: int, to_day: int | None, book_day: int | None
) -> None:
    # A month the range covers mostly is read as its roll-up less its days outside the range,
    # unless a price changes inside it.
    month = rollups.whole_months(END - timedelta(days=WHOLE_MONTH_DAYS), END)[0]
    first = month + timedelta(days=from_day)
    end = END if to_day is None else month + timedelta(days=to_day + 1)
    for account, valid_from in ((usage.acme_account, first - timedelta(days=40)), (usage.harbor_account, first)):
        PriceBook.objects.create(vendor_account=account, currency="USD", valid_from=valid_from.date(), audio="0.0041")
    if book_day is not None:
        day = (month + timedelta(days=book_day)).date()
        PriceBook.objects.create(vendor_account=usage.harbor_account, currency="USD", valid_from=day, audio="0.007")
    Markup.objects.create(tenant=usage.acme, percent=Decimal("7.5"))
    filters = reports.parse(QueryDict(urlencode(custom(first, end - timedelta(days=1), granularity="day"))))
    expected = _day_by_day(usage, first, end, lambda day: None)
    assert _money(filters) == {tenant: found.totals() for tenant, found in expected.items()}
    assert all(expected[tenant.pk].totals() for tenant in (usage.acme, usage.harbor))
    plan = rollups.sum_plan(first, end, partial=lambda candidate: book_day in (None, 0) or candidate != month)
    assert (month in plan.months and bool(plan.taken)) == (book_day in (None, 0))


@pytest.mark.parametrize("harbor_changes", [True, False])
def test_the_overviews_money_by_the_hour_over_whole_months_is_the_hour_by_hour_money(
    usage: World2, harbor_changes: bool
) -> None:
    # Hours are read from the samples whatever months the range covers: a month in which a
    # price changes was added again, and where another account's price did not change there,
    # its month was looked for among the month roll-ups of the range's (no) whole months.
    first, last = END - timedelta(days=WHOLE_MONTH_DAYS), END - timedelta(days=1)
    month = _books_around_a_whole_month(usage, first, END)
    if not harbor_changes:
        PriceBook.objects.filter(vendor_account=usage.harbor_account, valid_from__gt=month.date()).delete()
    filters = reports.parse(QueryDict(urlencode(custom(first, last, granularity="hour"))))
    expected = _day_by_day(usage, first, END, lambda day: None, 3600)
    assert _money(filters) == {tenant: found.totals() for tenant, found in expected.items()}
    assert all(expected[tenant.pk].totals() for tenant in (usage.acme, usage.harbor))


@pytest.mark.parametrize("granularity", ["hour", "day"])
def test_the_overviews_money_of_some_tiers_is_each_tenants_report_money(usage: World2, granularity: str) -> None:
    # The money's read brings every tier (the ranking's minutes count them all); the money
    # prices the tiers asked for, as each tenant's own report does.
    first, last = END - timedelta(days=WHOLE_MONTH_DAYS), END - timedelta(days=1)
    _books_around_a_whole_month(usage, first, END)
    UsageSample.objects.filter(metric="duration", interval=3600).update(v720=3)  # the seeded hours: audio alone
    query = QueryDict(urlencode(custom(first, last, granularity=granularity)) + "&tier=v720")
    filters = reports.parse(query)
    assert filters.tiers == ["v720"]
    found = _money(filters)
    for tenant in (usage.acme, usage.harbor):
        pricing = costs.price(reports.build(filters, RtcApp.objects.filter(vendor_account__tenant=tenant)))
        assert pricing is not None and pricing.totals()
        assert found[tenant.pk] == pricing.totals()
    every_tier = _money(reports.parse(QueryDict(urlencode(custom(first, last, granularity=granularity)))))
    assert every_tier[usage.acme.pk]["USD"] > found[usage.acme.pk]["USD"]


@pytest.mark.parametrize("harbor_changes", [True, False])
def test_the_overviews_cost_by_the_hour_is_each_tenants_page_cost(usage: World2, harbor_changes: bool) -> None:
    # What a user saw: over a range of hours holding a month whose price changes mid-month, the
    # overview showed Acme's cost added twice, or failed when Harbor's price did not change.
    first, last = END - timedelta(days=WHOLE_MONTH_DAYS), END - timedelta(days=1)
    month = _books_around_a_whole_month(usage, first, END)
    if not harbor_changes:
        PriceBook.objects.filter(vendor_account=usage.harbor_account, valid_from__gt=month.date()).delete()
    overview = logged_in(usage.staff).get(reverse("staff:usage_overview"), custom(first, last, granularity="hour"))
    assert overview.status_code == 200
    ranking = overview.content.decode()
    ranking = ranking[ranking.index('id="tenant-ranking"') :]
    for tenant, reader in ((usage.acme, usage.acme_viewer), (usage.harbor, usage.harbor_admin)):
        row = ranking[ranking.index(f'data-tenant="{tenant.slug}"') :]
        shown = re.search(r'data-figure="cost">([^<]*)<', row)
        link = re.search(r'href="([^"]*)">', row)
        assert shown is not None and link is not None and "granularity=hour" in link.group(1)
        page = logged_in(reader).get(html.unescape(link.group(1))).content.decode()
        assert re.findall(r'data-total="cost">([^<]*)<', page) == [shown.group(1)] != ["—"]
