"""The report's cost: its minutes priced by billing.cost, per account and UTC day (or hour).

A line is one tier of one account at one price in one of the report's periods, so a week or
a month across a price change is priced day by day, each day at the book valid on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from django.db.models import Sum
from django.utils.translation import get_language, to_locale

from dashboard.billing import cost

from .models import Metric, UsageSample
from .reports import Report, period_start


def locale() -> str:
    return to_locale(get_language() or "en")


def money(value: Decimal, currency: str) -> str:
    """An amount as the reader writes it (babel's CLDR data): $1,234.50, US$1,234.50 in Chinese."""
    return format_currency(value, currency, locale=locale())


def _usage(report: Report) -> Iterator[cost.Usage]:
    filters = report.filters
    if filters.resolved == "hour":
        interval, start, end = 3600, filters.start_utc, filters.end_utc
    else:
        interval = 86400
        start = datetime.combine(filters.start, datetime.min.time(), UTC)  # vendor days, as _series reads them
        end = start + timedelta(days=(filters.end - filters.start).days + 1)
    rows = (
        UsageSample.objects.filter(
            app__in=[app.pk for app in report.apps],
            metric=Metric.DURATION,
            interval=interval,
            timestamp__gte=start,
            timestamp__lt=end,
        )
        .values("app__vendor_account", "timestamp")
        .annotate(**{tier: Sum(tier) for tier in filters.tiers})
    )
    for typed in rows:
        row: dict[str, Any] = dict(typed)
        moment = row["timestamp"]
        key = moment if filters.resolved in ("hour", "day") else period_start(moment, filters.resolved)
        yield cost.Usage(key, row["app__vendor_account"], moment.date(), {t: row[t] or 0 for t in filters.tiers})


def price(report: Report) -> cost.Pricing | None:
    """The report's pricing, or None when none of its accounts has a price book."""
    books = cost.books_for({app.vendor_account_id for app in report.apps})
    if not books:
        return None
    tenant = report.apps[0].vendor_account.tenant_id if report.apps else None
    return cost.price(_usage(report), books, cost.markup_percent(tenant))


def summary(report: Report) -> dict[str, object] | None:
    """The page's cost figures: totals per currency, already formatted, and what is unpriced."""
    pricing = report.pricing
    if pricing is None:
        return None
    return {
        "totals": [money(amount, currency) for currency, amount in pricing.totals().items()],
        "mixed": len(pricing.currencies) > 1,
        "markup": pricing.markup,
        "unpriced_minutes": pricing.unpriced_minutes,
    }
