"""dashboard/usage/page_version.py: a stored report is never shown once its data changed: a
sync window, a price book, a markup, an observed figure, an app renamed each make a new page
with the new figures (the same as a report built from scratch)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dashboard.billing.models import Markup, PriceBook
from dashboard.usage import page_version, sync, views
from dashboard.usage.models import ObservedSample
from dashboard.usage.plan import Window
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.usage.conftest import END
from vendors.base.types import DurationBreakdown, Interval, UsageMetric, UsagePoint

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built: list[int] = []
    real = views.complete_report

    def counted(filters: Any, apps: Any) -> Any:
        built.append(1)
        return real(filters, apps)

    monkeypatch.setattr(views, "complete_report", counted)
    return built


@pytest.fixture
def client(usage: World2) -> Client:
    client = logged_in(usage.acme_admin)
    client.get(reverse("credentials:account_list", args=["acme"]))  # the CSRF cookie
    return client


URL = reverse("usage:tenant_usage", args=["acme"])


def shown(client: Client) -> dict[str, Any]:
    """What the page shows, from a render (a stored page has no template context)."""
    page = client.get(URL)
    assert page.status_code == 200 and page.context is not None, "a stored page after the data changed"
    return {"totals": page.context["totals"], "cost": page.context["cost"], "apps": page.context["all_apps"]}


def from_scratch(client: Client) -> dict[str, Any]:
    cache.clear()
    return shown(client)


def test_a_sync_window_makes_a_new_page_with_its_figures(
    usage: World2, client: Client, builds: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = shown(client)
    assert client.get(URL).context is None and len(builds) == 1  # stored while nothing changes
    day = END - timedelta(days=2)
    point = UsagePoint(
        UsageMetric.DURATION, Interval.DAY, day, 50_000, duration=DurationBreakdown(audio=50_000, total=50_000)
    )

    class Vendor:
        def usage(self, *args: object) -> list[UsagePoint]:
            return [point]

    @contextmanager
    def provider_for(*args: object, **kwargs: object) -> Iterator[Vendor]:
        yield Vendor()

    monkeypatch.setattr(sync, "provider_for", provider_for)
    assert sync.run_window(usage.app_a.pk, "duration", 86400, Window(day, day + timedelta(days=1))) == 1
    after = shown(client)
    assert after["totals"] != before["totals"]
    assert after["totals"] == from_scratch(client)["totals"]


def test_prices_and_markup_make_a_new_page(usage: World2, client: Client, builds: list[int]) -> None:
    shown(client)
    prices = {tier: Decimal("0.01") for tier in ("audio", "v360", "v720", "v1080", "content")}
    book = PriceBook.objects.create(
        vendor_account=usage.acme_account, currency="USD", valid_from=date(2020, 1, 1), **prices
    )
    priced = shown(client)
    assert priced["cost"]
    PriceBook.objects.filter(pk=book.pk).update(audio=Decimal("0.02"))
    repriced = shown(client)
    assert repriced["cost"] != priced["cost"]
    Markup.objects.create(tenant=usage.acme, percent=Decimal(10))
    marked = shown(client)
    assert marked["cost"] != repriced["cost"] and marked["cost"] == from_scratch(client)["cost"]


def test_an_observed_figure_and_a_renamed_app_make_a_new_page(usage: World2, client: Client) -> None:
    shown(client)
    ObservedSample.objects.create(
        app=usage.app_a,
        metric="duration",
        interval=86400,
        timestamp=END - timedelta(days=1),
        value=7,
        sampling_seconds=30,
    )
    shown(client)
    usage.app_a.name = "Alpha renamed"
    usage.app_a.save()
    assert "Alpha renamed" in str(shown(client)["apps"])


def test_another_tenants_changes_leave_the_page_stored(usage: World2, client: Client, builds: list[int]) -> None:
    shown(client)
    PriceBook.objects.create(
        vendor_account=usage.harbor_account,
        currency="USD",
        valid_from=date(2020, 1, 1),
        **{tier: Decimal("0.01") for tier in ("audio", "v360", "v720", "v1080", "content")},
    )
    assert client.get(URL).context is None and len(builds) == 1


def test_a_stored_report_is_redrawn_when_the_quarter_hour_turns(
    usage: World2, client: Client, builds: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranges such as "last 24 hours" move with the clock: a render is not served past the
    quarter hour it was drawn in, where a range boundary of some time zone may fall."""
    quarter = page_version.clock_quarter()
    monkeypatch.setattr(page_version, "clock_quarter", lambda: quarter)
    shown(client)
    assert client.get(URL).context is None and len(builds) == 1  # stored within the quarter hour
    monkeypatch.setattr(page_version, "clock_quarter", lambda: quarter + 1)
    shown(client)
    assert len(builds) == 2
