"""A tenant's monthly statement: its total is the sum of its lines and the XLSX's, a price
change splits lines, another tenant's statement is not found, a viewer reads it."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.billing.models import Markup, PriceBook
from dashboard.usage.models import Metric, UsageSample
from tests.dashboard.conftest import World2, logged_in

pytestmark = pytest.mark.usefixtures("english")


def _day(world: World2, day: date, **tiers: int) -> None:
    UsageSample.objects.create(
        app=world.acme_manual_app,
        metric=Metric.DURATION,
        interval=86400,
        timestamp=datetime(day.year, day.month, day.day, tzinfo=UTC),
        value=sum(tiers.values()),
        **tiers,
    )


@pytest.fixture
def march(two_tenants: World2) -> World2:
    world = two_tenants
    PriceBook.objects.create(
        vendor_account=world.acme_account, currency="USD", valid_from=date(2026, 1, 1), audio=Decimal("0.0035")
    )
    PriceBook.objects.create(
        vendor_account=world.acme_account, currency="USD", valid_from=date(2026, 3, 16), audio=Decimal("0.0045")
    )
    Markup.objects.create(tenant=world.acme, percent=Decimal("10"))
    for n in range(1, 32):
        _day(world, date(2026, 3, n), audio=101 * n, v720=7)
    _day(world, date(2026, 4, 1), audio=99999)  # another month
    return world


def _url(slug: str = "acme", **query: str) -> str:
    return reverse("usage:statement", args=[slug]) + ("?" + "&".join(f"{k}={v}" for k, v in query.items()))


def _xlsx_numbers(content: bytes) -> list[Decimal]:
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    return [Decimal(value) for value in re.findall(r'<c r="K\d+"(?: s="\d+")?><v>([^<]+)</v>', sheet)]


def test_the_total_is_the_sum_of_the_lines_and_the_xlsx_total(march: World2) -> None:
    client = logged_in(march.acme_admin)
    page = client.get(_url(month="2026-03"))
    assert page.status_code == 200
    statement = page.context["statement"]
    costs = [item.line.cost for item in statement.lines]
    total = statement.totals()["USD"]
    assert total == sum(costs) and total > 0
    text = page.content.decode()
    assert f"${total:,}" in text
    numbers = _xlsx_numbers(client.get(_url(month="2026-03", export="xlsx")).content)
    assert numbers[:-1] == costs and numbers[-1] == total
    # Minutes of April are not in March's statement; 31 days x 7 minutes of 720p have no price (0).
    assert sum(item.line.minutes for item in statement.lines if item.line.tier == "audio") == 101 * 31 * 32 // 2


def test_a_price_change_mid_month_splits_the_lines(march: World2) -> None:
    statement = logged_in(march.acme_viewer).get(_url(month="2026-03")).context["statement"]
    audio = [item for item in statement.lines if item.line.tier == "audio"]
    assert [(i.line.book.valid_from, i.until) for i in audio] == [
        (date(2026, 1, 1), date(2026, 3, 15)),
        (date(2026, 3, 16), date(2026, 3, 31)),
    ]
    first = 101 * 15 * 16 // 2
    assert [i.line.minutes for i in audio] == [first, 101 * 31 * 32 // 2 - first]
    assert audio[0].line.cost == (Decimal("0.0035") * Decimal("1.1") * first).quantize(Decimal("0.01"))


def test_a_viewer_reads_it_and_another_tenant_gets_404(march: World2) -> None:
    assert logged_in(march.acme_viewer).get(_url(month="2026-03")).status_code == 200
    assert logged_in(march.harbor_admin).get(_url(month="2026-03")).status_code == 404
    other = logged_in(march.harbor_admin).get(_url("harbor", month="2026-03"))
    assert other.status_code == 200 and not other.context["statement"].lines


@pytest.mark.parametrize("bad", ["2026-13", "²026-01", "9999-01", "x" * 300, "2026-3"])
def test_a_bad_month_falls_back_with_a_message(march: World2, bad: str) -> None:
    page = logged_in(march.acme_admin).get(reverse("usage:statement", args=["acme"]), {"month": bad})
    assert page.status_code == 200
    assert "is not a month" in page.content.decode()
    assert page.context["statement"].month.day == 1


def test_coverage_names_the_days_without_data(two_tenants: World2) -> None:
    _day(two_tenants, date(2026, 2, 1), audio=5)
    page = logged_in(two_tenants.acme_admin).get(_url(month="2026-02")).content.decode()
    assert "27 days of this month have no usage data" in page and "2026-02-28" in page
    assert "5 minutes fall on days no price book covers" in page
