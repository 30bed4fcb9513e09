"""The report's cost: its minutes priced by billing.cost, per app and UTC day (or hour).

Each day is priced at the book valid on it, so a week or a month across a price change is
split. A period's cost is its own lines, rounded; the report's total is the range's money as
billing.cost defines it (each app, tier and book over the whole range, rounded once), the
same amount the monthly statement gives for the same month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils.translation import get_language, to_locale

from dashboard.billing import cost
from dashboard.billing.models import Markup
from dashboard.rtc.models import RtcApp

from .models import Metric, UsageSample
from .reports import Filters, Report, period_start, window


def locale() -> str:
    return to_locale(get_language() or "en")


def money(value: Decimal, currency: str) -> str:
    """An amount as the reader writes it (babel's CLDR data): $1,234.50, US$1,234.50 in Chinese."""
    return format_currency(value, currency, locale=locale())


def _usage(filters: Filters, app_pks: list[int]) -> Iterator[cost.Usage]:
    """The minutes a report of `filters` counts, per app and stored bucket, keyed by its period."""
    interval, start, end = window(filters)
    rows = (
        UsageSample.objects.filter(
            app__in=app_pks, metric=Metric.DURATION, interval=interval, timestamp__gte=start, timestamp__lt=end
        )
        .values("app", "app__vendor_account", "timestamp")
        .annotate(**{tier: Sum(tier) for tier in filters.tiers})
    )
    for typed in rows:
        row: dict[str, Any] = dict(typed)
        moment = row["timestamp"]
        key = moment if filters.resolved in ("hour", "day") else period_start(moment, filters.resolved)
        tiers = {t: row[t] or 0 for t in filters.tiers}
        yield cost.Usage(key, row["app__vendor_account"], row["app"], moment.date(), tiers)


def price(report: Report) -> cost.Pricing | None:
    """The report's pricing, or None when none of its accounts has a price book."""
    books = cost.books_for({app.vendor_account_id for app in report.apps})
    if not books:
        return None
    tenant = report.apps[0].vendor_account.tenant_id if report.apps else None
    return cost.price(_usage(report.filters, [app.pk for app in report.apps]), books, cost.markup_percent(tenant))


def totals_by_tenant(filters: Filters) -> dict[int, dict[str, Decimal]]:
    """Each tenant's money for the range (per currency), as its own report totals it: for the
    staff overview. Tenants without price books are left out.

    The total needs only each app's minutes per tier and price book over the range, so the
    database sums them per app between the days a book starts (no book changes inside such a
    stretch): a handful of rows per app instead of one per day."""
    interval, start, end = window(filters)
    apps = RtcApp.objects.values_list("pk", "vendor_account_id", "vendor_account__tenant_id")
    tenant_of = {pk: tenant for pk, _, tenant in apps}
    books = cost.books_for({account for _, account, _ in apps})
    markups = dict(Markup.objects.values_list("tenant_id", "percent"))
    changes = sorted(
        {moment for found in books.values() for book in found if start < (moment := _midnight(book.valid_from)) < end}
    )
    firsts = [start, *changes]
    stretch = Case(
        *(When(timestamp__lt=change, then=Value(n)) for n, change in enumerate(changes)),
        default=Value(len(changes)),
        output_field=IntegerField(),
    )
    rows = (
        UsageSample.objects.filter(
            app__vendor_account__in=list(books),
            metric=Metric.DURATION,
            interval=interval,
            timestamp__gte=start,
            timestamp__lt=end,
        )
        .annotate(stretch=stretch)
        .values("app", "app__vendor_account", "stretch")
        .annotate(**{tier: Sum(tier) for tier in filters.tiers})
        .order_by()
    )
    usage: dict[int, list[cost.Usage]] = defaultdict(list)
    for typed in rows:
        row: dict[str, Any] = dict(typed)
        day = firsts[row["stretch"]].date()
        tiers = {t: row[t] or 0 for t in filters.tiers}
        usage[tenant_of[row["app"]]].append(cost.Usage(None, row["app__vendor_account"], row["app"], day, tiers))
    priced_tenants = {tenant_of[pk] for pk, account, _ in apps if account in books}
    return {
        tenant: cost.price(usage.get(tenant, []), books, markups.get(tenant, Decimal(0))).totals()
        for tenant in priced_tenants
    }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


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
