"""The API's usage is the page's: the same figures, rows, time zone and CSV, for the same range."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.billing.models import PriceBook
from dashboard.people.models import Preferences
from dashboard.usage.models import AccountPeakSample, Metric
from tests.dashboard.api.conftest import Tokens, api_client
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.usage.conftest import END, seeded_today, usage  # noqa: F401 - the fixtures

ZONE = "America/Los_Angeles"
RANGES = [
    {"range": "custom", "from": f"{END - timedelta(days=20):%Y-%m-%d}", "to": f"{END - timedelta(days=3):%Y-%m-%d}"},
    {
        "range": "custom",
        "from": f"{END - timedelta(days=5):%Y-%m-%d}",
        "to": f"{END - timedelta(days=4):%Y-%m-%d}",
        "granularity": "hour",
    },
    {"range": "30d", "granularity": "week", "tier": ["audio", "v720"]},
    {"range": "90d", "granularity": "month"},
    {"range": "7d", "granularity": "day"},
]


def _page(world: World2, query: dict) -> object:
    Preferences.objects.update_or_create(user=world.acme_viewer, defaults={"time_zone": ZONE})
    return logged_in(world.acme_viewer).get(reverse("usage:tenant_usage", args=["acme"]), query)


@pytest.mark.parametrize("query", RANGES, ids=lambda q: "-".join(str(v) for v in q.values()))
def test_api_usage_figures_equal_the_pages(usage: World2, api_tokens: Tokens, query: dict) -> None:  # noqa: F811
    page = _page(usage, query)
    assert page.status_code == 200
    report, totals = page.context["report"], page.context["totals"]
    answer = api_client(api_tokens.acme_read).get("/api/v1/tenants/acme/usage", {**query, "tz": ZONE})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["time_zone"] == ZONE and body["resolved_granularity"] == report.filters.resolved
    assert (body["start"], body["end"]) == (report.filters.start.isoformat(), report.filters.end.isoformat())
    assert body["totals"]["minutes"] == totals["duration"] > 0
    assert body["totals"]["tier_minutes"] == {tier: totals["tiers"][tier] for tier in report.filters.tiers}
    for metric in (Metric.ACTIVE_USERS, Metric.ACTIVE_CHANNELS, Metric.PEAK_USERS, Metric.PEAK_CHANNELS):
        assert body["totals"][metric.value] == totals[metric]
    assert body["peak_basis"] == report.peak_basis
    rows = [
        (row["label"], row["no_data"], row["figures"]["minutes"] if row["figures"] else None) for row in body["rows"]
    ]
    shown = [(b.start, b.no_data, None if b.no_data else b.duration(report.filters.tiers)) for b in report.table_rows]
    assert [(no_data, minutes) for _label, no_data, minutes in rows] == [(n, m) for _s, n, m in shown]
    assert len(rows) == len(report.table_rows)


@pytest.mark.parametrize("query", RANGES, ids=lambda q: "-".join(str(v) for v in q.values()))
def test_api_csv_is_the_pages_download_byte_for_byte(usage: World2, api_tokens: Tokens, query: dict) -> None:  # noqa: F811
    page = _page(usage, {**query, "export": "csv"})
    answer = api_client(api_tokens.acme_read).get("/api/v1/tenants/acme/usage.csv", {**query, "tz": ZONE})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert answer.content == page.content
    assert answer["Content-Disposition"] == page["Content-Disposition"]


def test_hours_are_labelled_in_the_asked_zone(usage: World2, api_tokens: Tokens) -> None:  # noqa: F811
    query = RANGES[1]
    client = api_client(api_tokens.acme_read)
    utc = client.get("/api/v1/tenants/acme/usage", {**query, "tz": "UTC"}).json()
    tokyo = client.get("/api/v1/tenants/acme/usage", {**query, "tz": "Asia/Tokyo"}).json()
    assert utc["start_utc"] != tokyo["start_utc"]  # the custom days are the zone's days
    first = tokyo["rows"][0]
    assert first["label"].endswith("00:00") and first["start"].endswith("15:00:00Z")


def test_a_range_the_page_would_correct_is_refused_with_the_pages_words(usage: World2, api_tokens: Tokens) -> None:  # noqa: F811
    client = api_client(api_tokens.acme_read)
    swapped = client.get("/api/v1/tenants/acme/usage", {"range": "custom", "from": "2026-03-10", "to": "2026-03-01"})
    assert swapped.status_code == 422
    assert "swapped" in swapped.json()["message"]
    missing = client.get("/api/v1/tenants/acme/usage", {"range": "custom"})
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_request"
    zone = client.get("/api/v1/tenants/acme/usage", {"tz": "Mars/Olympus"})
    assert zone.status_code == 422 and zone.json()["details"][0]["loc"][-1] == "tz"


def test_the_schema_offers_the_pages_choices() -> None:
    from typing import get_args

    from dashboard.api.usage import Granularity, Range, Tier
    from dashboard.usage import reports
    from dashboard.usage.models import TIER_FIELDS

    assert list(get_args(Range)) == list(reports.PRESETS)
    assert list(get_args(Granularity)) == list(reports.GRANULARITIES)
    assert list(get_args(Tier)) == list(TIER_FIELDS)


def test_priced_usage_has_the_pages_cost(usage: World2, api_tokens: Tokens) -> None:  # noqa: F811
    PriceBook.objects.create(
        vendor_account=usage.acme_account,
        valid_from=date(2000, 1, 1),
        currency="USD",
        audio=Decimal("0.004"),
        v360=Decimal("0.015"),
        v720=Decimal("0.03"),
        v1080=Decimal("0.06"),
        content=Decimal("0.01"),
    )
    query = RANGES[0]
    page = _page(usage, {**query, "export": "csv"})
    client = api_client(api_tokens.acme_read)
    csv = client.get("/api/v1/tenants/acme/usage.csv", {**query, "tz": ZONE})
    assert csv.content == page.content and b"Cost (USD)" in csv.content
    body = client.get("/api/v1/tenants/acme/usage", {**query, "tz": ZONE}).json()
    total_row = page.content.decode("utf-8-sig").strip().splitlines()[-1].split(",")
    assert body["cost_currency"] == "USD" and body["cost_total"] == total_row[-1]
    # Each period's cost is the page's; the total is rounded once over the range (README:
    # Decisions, one money rule), so it need not be the sum of the rounded periods.
    costs = [row["cost"] for row in body["rows"] if row["cost"] is not None]
    page_costs = [line.split(",")[-1] for line in page.content.decode("utf-8-sig").strip().splitlines()[1:-1]]
    assert costs and costs == [cost for cost in page_costs if cost]


def test_api_peaks_are_the_accounts_own_where_the_page_takes_them(usage: World2, api_tokens: Tokens) -> None:  # noqa: F811
    for day in range(60):
        for metric, value in (("peak_users", 3 + day % 5), ("peak_channels", 2)):
            AccountPeakSample.objects.create(
                vendor_account=usage.acme_account,
                metric=metric,
                interval=86400,
                timestamp=END - timedelta(days=60 - day),
                value=value,
            )
    query = RANGES[0]
    page = _page(usage, query)
    totals = page.context["totals"]
    body = api_client(api_tokens.acme_read).get("/api/v1/tenants/acme/usage", {**query, "tz": ZONE}).json()
    assert body["peak_basis"] == page.context["report"].peak_basis == "account"
    assert body["totals"]["peak_users"] == totals[Metric.PEAK_USERS] == 7
    assert [row["figures"]["peak_channels"] for row in body["rows"] if row["figures"]] == [2] * (len(body["rows"]))
