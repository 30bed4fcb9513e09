"""The report's table as CSV or XLSX: the same rows and columns the page shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import xlsxwriter
from babel import Locale
from django.http import HttpResponse
from django.utils.formats import get_format, number_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from dashboard.billing.cost import quantize
from dashboard.core.spreadsheet import spreadsheet_text
from dashboard.core.tiers import TIER_LABELS

from .models import Metric
from .reports import Bucket, Report, bucket_label


@dataclass(frozen=True)
class Column:
    label: str
    unit: str = ""  # under the header on the page
    numeric: bool = True
    download: str = ""  # the header in the downloads, as it always was (readers' formulas use it)


def columns(report: Report) -> list[Column]:
    """The table's columns. Across several apps a peak has no single time (see reports), so
    the "at" columns would stay empty: they are left out, and the page says why."""
    zone = report.filters.zone.key
    minutes, users, channels = _("min"), _("users"), _("channels")

    def count(metric: Metric, unit: str) -> Column:
        return Column(str(metric.label), unit, download=str(metric.label))

    result = [
        Column(_("Period starting"), zone if report.filters.resolved == "hour" else "UTC", False, _("Period starting")),
        Column(_("Call duration"), minutes, download=_("Call duration (min)")),
        *[Column(str(TIER_LABELS[t]), minutes, download=f"{TIER_LABELS[t]} (min)") for t in report.filters.tiers],
        count(Metric.ACTIVE_USERS, users),
        count(Metric.ACTIVE_CHANNELS, channels),
        count(Metric.PEAK_USERS, users),
    ]
    if report.single_app:
        result.append(Column(_("Peak users at"), zone, False, _("Peak users at")))
    result.append(count(Metric.PEAK_CHANNELS, channels))
    if report.single_app:
        result.append(Column(_("Peak channels at"), zone, False, _("Peak channels at")))
    currency = cost_currency(report)
    if currency:
        result.append(Column(_("Cost"), currency, download=f"{_('Cost')} ({currency})"))
    return result


def cost_currency(report: Report) -> str | None:
    """The cost column's currency: none without price books, none across several currencies."""
    return report.pricing.currency if report.pricing else None


def _costs(report: Report) -> dict[object, Decimal]:
    return report.pricing.by_key() if report.pricing and cost_currency(report) else {}


def table(report: Report) -> Iterator[list[object]]:
    """Header, one row per bucket, then the totals row."""
    yield header(report)
    yield from body(report, report.table_rows)
    yield total_row(report)


def header(report: Report) -> list[object]:
    return [column.download for column in columns(report)]


def _when(report: Report, value: datetime | None) -> str:
    return value.astimezone(report.filters.zone).strftime("%Y-%m-%d %H:%M") if value else ""


def body(report: Report, buckets: Iterable[Bucket]) -> Iterator[list[object]]:
    """One row per bucket: the whole range for the downloads, a page of it for the page."""
    zone = report.filters.zone
    tiers = report.filters.tiers
    costs = _costs(report)
    currency = cost_currency(report)
    priced = bool(currency)
    zero = quantize(Decimal(0), currency) if currency else Decimal(0)
    width = len(columns(report))
    for bucket in buckets:
        label = bucket_label(bucket.start, report.filters.resolved, zone)
        if bucket.no_data:  # empty cells, never zeros; the page shows them as "—"
            yield [label, *[None] * (width - 1)]
            continue
        row: list[object] = [
            f"{label} {_('(partial)')}" if report.partial(bucket) else label,
            bucket.duration(tiers),
            *[bucket.tiers.get(t, 0) for t in tiers],
            *_counts(
                report,
                bucket.values.get(Metric.ACTIVE_USERS, 0),
                bucket.values.get(Metric.ACTIVE_CHANNELS, 0),
                (bucket.values.get(Metric.PEAK_USERS, 0), bucket.peak_times.get(Metric.PEAK_USERS)),
                (bucket.values.get(Metric.PEAK_CHANNELS, 0), bucket.peak_times.get(Metric.PEAK_CHANNELS)),
            ),
        ]
        if priced:
            # A period without minutes costs nothing; one whose minutes no book covers has no cost.
            row.append(costs.get(bucket.start, zero if not bucket.duration(tiers) else ""))
        yield row


def _counts(
    report: Report,
    users: int,
    channels: int,
    peak_users: tuple[int, datetime | None],
    peak_channels: tuple[int, datetime | None],
) -> list[object]:
    """The count columns, with the peak times only where there is one app (see columns())."""
    if report.single_app:
        return [
            users,
            channels,
            peak_users[0],
            _when(report, peak_users[1]),
            peak_channels[0],
            _when(report, peak_channels[1]),
        ]
    return [users, channels, peak_users[0], peak_channels[0]]


def total_row(report: Report) -> list[object]:
    totals = report.totals()
    currency = cost_currency(report)
    money = [report.pricing.totals()[currency]] if report.pricing and currency else []
    return [
        _("Total (counts: busiest period)"),
        totals["duration"],
        *[totals["tiers"][t] for t in report.filters.tiers],
        *_counts(
            report,
            totals[Metric.ACTIVE_USERS],
            totals[Metric.ACTIVE_CHANNELS],
            (totals[Metric.PEAK_USERS], totals[f"{Metric.PEAK_USERS}_at"]),
            (totals[Metric.PEAK_CHANNELS], totals[f"{Metric.PEAK_CHANNELS}_at"]),
        ),
        *money,
    ]


def filename(report: Report, name: str, extension: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)[:60] or "usage"
    return f"usage-{safe}-{report.filters.start}-{report.filters.end}-{report.filters.resolved}.{extension}"


def as_csv(report: Report, name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(report, name, "csv")}"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    for row in table(report):
        writer.writerow([spreadsheet_text(cell) for cell in row])
    return response


def as_xlsx(report: Report, name: str) -> HttpResponse:
    buffer = io.BytesIO()
    # Every string is a string cell: none becomes a formula or a link, whoever wrote it.
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(_("Usage")[:31])
    bold = workbook.add_format({"bold": True})
    for row_number, row in enumerate(table(report)):
        sheet.write_row(row_number, 0, row, bold if row_number == 0 else None)
    sheet.set_column(0, 0, 24)
    workbook.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(report, name, "xlsx")}"'
    return response


# A cell of a bucket with no data (the page's legend says so); empty in the downloads.
NO_DATA = "—"

NUMBER_TD = '<td class="text-end">'


def _number_formatter(currency: str | None = None) -> Callable[[object], object]:
    """Integers with the active language's separators (dashboard/core/formats for Chinese).

    number_format() looks the formats up on every call, 7 µs a number, a third of a year's
    table; the lookup is made once here and, for the usual grouping by three, Python's own
    grouping used with the locale's separator."""
    separator = get_format("THOUSAND_SEPARATOR")
    grouping = get_format("NUMBER_GROUPING")
    # What babel's format_currency does, with the locale and its pattern looked up once, not
    # for each of a year's cells.
    locale = Locale.parse(to_locale(get_language() or "en"))
    money = locale.currency_formats["standard"]

    def cell(value: object) -> object:
        if value is None:
            return NO_DATA
        if isinstance(value, Decimal) and currency:
            return money.apply(value, locale, currency=currency)
        if isinstance(value, int):
            if grouping == 3:
                return f"{value:,}".replace(",", separator)
            return number_format(value, force_grouping=True)
        return value

    return cell


def rows_html(rows: list[list[object]], numeric: list[bool] | None = None, currency: str | None = None) -> SafeString:
    """The table body, escaped cell by cell: hundreds of rows through the template engine cost
    more than the rest of the report. Numbers carry the reader's separators; numeric columns
    (every one but the first unless `numeric` says) are right-aligned."""
    cell = _number_formatter(currency)
    aligned = numeric or [False] + [True] * (max((len(row) for row in rows), default=1) - 1)
    # format_html per cell cost a third of a year's table: the same escaping, joined once.
    opening = [NUMBER_TD if right else "<td>" for right in aligned]
    body = "\n".join(
        "<tr>" + "".join(f"{opening[i]}{conditional_escape(str(cell(c)))}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return mark_safe(body)  # every cell went through conditional_escape
