"""A tenant's monthly statement: its billed minutes of one calendar month in UTC days (the
vendors' days), by app and tier, priced by billing.cost, with what the figures do not cover.

The page and the XLSX are made from the same lines, so their totals are the same sums of
rounded lines.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.db.models import Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.billing import cost
from dashboard.billing.models import PriceBook
from dashboard.core.params import EARLIEST_DATE, LATEST_DATE
from dashboard.core.tiers import TIER_LABELS
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Tenant

from . import coverage
from .models import TIER_FIELDS, Metric, UsageSample

_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def last_complete_month(today: date | None = None) -> date:
    first = (today or timezone.now().astimezone(UTC).date()).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def parse_month(text: str | None) -> date | None:
    """The first day of a YYYY-MM month within the dates reports reach; else None."""
    text = (text or "").strip()
    if not _MONTH.fullmatch(text):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12:
        return None
    first = date(year, month, 1)
    return first if EARLIEST_DATE <= first <= LATEST_DATE.replace(day=1) else None


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


@dataclass
class StatementLine:
    app: RtcApp
    line: cost.Line
    until: date  # the last day of the month the line's book applied to


@dataclass
class Statement:
    tenant: Tenant
    month: date
    pricing: cost.Pricing
    lines: list[StatementLine]
    days_without_data: list[date] = field(default_factory=list)
    problems: list[coverage.SyncProblem] = field(default_factory=list)

    @property
    def end(self) -> date:
        return next_month(self.month) - timedelta(days=1)

    def totals(self) -> dict[str, Decimal]:
        return self.pricing.totals()


def _usage(apps: dict[int, RtcApp], start: datetime, end: datetime) -> Iterator[cost.Usage]:
    rows = (
        UsageSample.objects.filter(
            app__in=list(apps), metric=Metric.DURATION, interval=86400, timestamp__gte=start, timestamp__lt=end
        )
        .values("app", "timestamp")
        .annotate(**{tier: Sum(tier) for tier in TIER_FIELDS})
    )
    for typed in rows:
        row: dict[str, Any] = dict(typed)
        app = apps[row["app"]]
        tiers = {tier: row[tier] or 0 for tier in TIER_FIELDS}
        yield cost.Usage(app.pk, app.vendor_account_id, app.pk, row["timestamp"].date(), tiers)


def _until(book: PriceBook, books: list[PriceBook], month_end: date) -> date:
    later = [other.valid_from for other in books if other.valid_from > book.valid_from]
    return min([month_end, *[day - timedelta(days=1) for day in later]])


def of(tenant: Tenant, month: date, today: date | None = None) -> Statement:
    apps = {
        app.pk: app for app in RtcApp.objects.filter(vendor_account__tenant=tenant).select_related("vendor_account")
    }
    start = datetime.combine(month, datetime.min.time(), UTC)
    end = datetime.combine(next_month(month), datetime.min.time(), UTC)
    books = cost.books_for({app.vendor_account_id for app in apps.values()})
    pricing = cost.price(_usage(apps, start, end), books, cost.markup_percent(tenant))
    month_end = next_month(month) - timedelta(days=1)
    order = {tier: n for n, tier in enumerate(TIER_FIELDS)}
    lines = [
        StatementLine(apps[int(str(line.key))], line, _until(line.book, books[line.account_id], month_end))
        for line in pricing.lines
    ]
    lines.sort(key=lambda s: (s.app.name or s.app.app_id, s.app.pk, order[s.line.tier], s.line.book.valid_from))
    today = today or timezone.now().astimezone(UTC).date()
    stored = set(
        UsageSample.objects.filter(
            app__in=list(apps), metric=Metric.DURATION, interval=86400, timestamp__gte=start, timestamp__lt=end
        ).values_list("timestamp", flat=True)
    )
    stored_days = {moment.date() for moment in stored}
    days = [month + timedelta(days=n) for n in range((month_end - month).days + 1)]
    missing = [day for day in days if day < today and day not in stored_days] if apps else []
    return Statement(tenant, month, pricing, lines, missing, coverage.problems(list(apps.values())))


def table(statement: Statement) -> Iterator[list[object]]:
    """The statement's lines as the XLSX holds them: numbers as numbers, then a total per currency."""
    yield [
        _("App"),
        _("Account"),
        _("Tier"),
        _("Price book valid from"),
        _("Applied until"),
        _("Currency"),
        _("Minutes"),
        _("Price per minute"),
        _("Markup (%)"),
        _("Price per minute with markup"),
        _("Cost"),
    ]
    for item in statement.lines:
        line = item.line
        yield [
            item.app.name or item.app.app_id,
            item.app.vendor_account.label,
            str(TIER_LABELS[line.tier]),
            line.book.valid_from.isoformat(),
            item.until.isoformat(),
            line.currency,
            line.minutes,
            line.book.price(line.tier),
            statement.pricing.markup,
            line.unit_price,
            line.cost,
        ]
    for currency, amount in statement.totals().items():
        yield [_("Total"), "", "", "", "", currency, "", "", "", "", amount]


def as_xlsx(statement: Statement) -> HttpResponse:
    buffer = io.BytesIO()
    # Every string is a string cell: none becomes a formula or a link, whoever named the app.
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(_("Statement")[:31])
    bold = workbook.add_format({"bold": True})
    for row_number, row in enumerate(table(statement)):
        for column, value in enumerate(row):
            if isinstance(value, Decimal):
                sheet.write_number(row_number, column, value, bold if row_number == 0 else None)
            else:
                sheet.write(row_number, column, value, bold if row_number == 0 else None)
    sheet.set_column(0, 1, 24)
    workbook.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"statement-{statement.tenant.slug}-{statement.month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
