"""The report's cost: its minutes priced by billing.cost, per app and UTC day (or hour).

Each day is priced at the book valid on it, so a week or a month across a price change is
split. A period's cost is its own lines, rounded; the report's total is the range's money as
billing.cost defines it (each app, tier and book over the whole range, rounded once), the
same amount the monthly statement gives for the same month.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from django.db import connection
from django.db.models import BigIntegerField, Case, IntegerField, Min, Sum, Value, When
from django.db.models.functions import Cast, TruncDate, TruncMonth, TruncWeek
from django.utils.translation import get_language, to_locale

from dashboard.billing import cost
from dashboard.billing.models import Markup, PriceBook
from dashboard.rtc.models import RtcApp

from . import rollups
from .models import TIER_FIELDS, Metric, UsageSample
from .reports import Filters, Report, names_every_app, raw_rows, window

DAY = 86400


def locale() -> str:
    return to_locale(get_language() or "en")


def money(value: Decimal, currency: str) -> str:
    """An amount as the reader writes it (babel's CLDR data): $1,234.50, US$1,234.50 in Chinese."""
    return format_currency(value, currency, locale=locale())


def _usage(filters: Filters, accounts: dict[int, int], books: dict[int, list[PriceBook]]) -> Iterator[cost.Usage]:
    """The minutes a report of `filters` counts, per app (of `accounts`: app -> its account) and
    period (its key), split where a price book starts. Hours and days are the stored buckets;
    weeks and months are summed by the database, whose UTC weeks (Monday first) and months are
    `period_start`'s. Read without Django's converters (a tenant's year: 1,100 rows, whose
    conversions cost more CPU than their pricing)."""
    interval, start, end = window(filters)
    rows = UsageSample.objects.filter(
        app__in=list(accounts), metric=Metric.DURATION, interval=interval, timestamp__gte=start, timestamp__lt=end
    )
    sums = {tier: Cast(Sum(tier), BigIntegerField()) for tier in filters.tiers}
    if filters.resolved in ("hour", "day"):
        buckets = rows.values("app", "timestamp").annotate(**sums).values_list("app", "timestamp", *sums)
        for app, moment, *minutes in raw_rows(buckets):
            moment = rollups.aware(moment)
            yield cost.Usage(moment, accounts[app], app, moment.date(), _tiers(filters, minutes))
        return
    trunc = TruncWeek if filters.resolved == "week" else TruncMonth
    grouped = (
        rows.annotate(
            period=trunc("timestamp", tzinfo=UTC), stretch=_stretches(_changes(books, start, end), "timestamp")
        )
        .values("app", "period", "stretch")
        # A date, not a time with its zone: read by psycopg's own loader (Django's for times with
        # zones runs in Python, a tenant's year has 1,100 of them).
        .annotate(first=Min(TruncDate("timestamp", tzinfo=UTC)), **sums)
        .values_list("app", "period", "stretch", "first", *sums)
    )
    periods: dict[Any, datetime] = {}  # a year has 53 weeks, each on every app's rows
    for app, period, _, first, *minutes in raw_rows(grouped):
        if (key := periods.get(period)) is None:
            key = periods[period] = rollups.aware(period)
        # No book starts inside a stretch: its first day's book prices all of it.
        yield cost.Usage(key, accounts[app], app, _date(first), _tiers(filters, minutes))


def _date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite's text


def _tiers(filters: Filters, minutes: list[int | None]) -> dict[str, int]:
    return {tier: value or 0 for tier, value in zip(filters.tiers, minutes, strict=True)}


def price(report: Report) -> cost.Pricing | None:
    """The report's pricing, or None when none of its accounts has a price book."""
    books = cost.books_for({app.vendor_account_id for app in report.apps})
    if not books:
        return None
    tenant = report.apps[0].vendor_account.tenant_id if report.apps else None
    usage = _usage(report.filters, {app.pk: app.vendor_account_id for app in report.apps}, books)
    return cost.price(usage, books, cost.markup_percent(tenant))


@dataclass(frozen=True)
class RangeMoney:
    """The staff overview's money for a range, and what its read gives the ranking of apps."""

    by_tenant: dict[int, dict[str, Decimal]]  # per tenant and currency; tenants without books left out
    # Asked for over a range of hours: every app with minutes in it and its minutes (every
    # tier), read with the money, as ranking.by_app counts them (each read every app's samples
    # of the range before). Else None, as where no account has a price book (nothing read).
    minutes_by_app: dict[int, int] | None


def range_money(filters: Filters, *, minutes_by_app: bool = False) -> RangeMoney:
    """Each tenant's money for the range (per currency), as its own report totals it: for the
    staff overview. Tenants without price books are left out. `minutes_by_app`: over a range of
    hours, read every app's minutes with it (RangeMoney); days read months the ranking does not.

    The total needs only each app's minutes per tier and price book over the range, so the
    database sums them per app between the days a book starts (no book changes inside such a
    stretch): a handful of rows per app instead of one per day. A range of hours reads its
    samples alone. Of days, whole UTC months come from the apps' month roll-ups, except a month
    in which one of the account's books starts: that account's days of it are read from the
    samples, like the days around the whole months."""
    interval, start, end = window(filters)
    apps = RtcApp.objects.values_list("pk", "vendor_account_id", "vendor_account__tenant_id")
    tenant_of = {pk: tenant for pk, _, tenant in apps}
    account_of = {pk: account for pk, account, _ in apps}
    books = cost.books_for({account for _, account, _ in apps})
    priced_tenants = {tenant_of[pk] for pk, account, _ in apps if account in books}
    if not priced_tenants:
        return RangeMoney({}, None)
    markups = dict(Markup.objects.values_list("tenant_id", "percent"))
    changes = _changes(books, start, end)
    # No account's book starts inside a stretch, so the book of its first day prices all of it:
    # the day each stretch starts on (clipped to the range) stands for its days.
    stretch_days = [day.astimezone(UTC).date() for day in [start, *changes]]
    tallies = {tenant: cost.Tally(books) for tenant in priced_tenants}
    every_app = minutes_by_app and interval != DAY
    minutes: dict[int, int] = defaultdict(int)
    tiers = filters.tiers
    positions = None if tiers == list(TIER_FIELDS) else [TIER_FIELDS.index(tier) for tier in tiers]
    for app, stretch, *sums in _money_rows(interval, start, end, books, account_of, changes, every_app=every_app):
        if every_app:
            minutes[app] += sum(sums)  # a group's sums of NOT NULL columns: never NULL
        tenant = tenant_of.get(app)
        tally = None if tenant is None else tallies.get(tenant)
        if tally is None:
            continue  # created after the apps were read (in the next request's figures), or unpriced
        picked = sums if positions is None else [sums[n] for n in positions]
        tally.add(account_of[app], app, stretch_days[stretch], zip(tiers, picked, strict=True))
    return RangeMoney(
        {tenant: tally.money(markups.get(tenant, Decimal(0))) for tenant, tally in tallies.items()},
        dict(minutes) if every_app else None,
    )


def _money_rows(
    interval: int,
    start: datetime,
    end: datetime,
    books: dict[int, list[PriceBook]],
    account_of: dict[int, int],
    changes: list[datetime],
    *,
    every_app: bool,
) -> list[tuple[Any, ...]]:
    """(app, stretch, the minutes of each of TIER_FIELDS) of every priced app with minutes in
    the range, or of every app with them for `every_app`.

    Plain SQL: a list of apps is one parameter (Django prepared every pk of a thousand-app `IN`
    list, several times a request), and the rows need no join with the apps (the join and its
    sort were most of the query's time)."""
    # The months in which an account's price changes on another day than the first.
    changed: dict[datetime, set[int]] = defaultdict(set)
    if interval == DAY:
        for account, found in books.items():
            for book in found:
                if book.valid_from.day != 1:
                    changed[_midnight(book.valid_from.replace(day=1))].add(account)
        # A month the range covers in part may be its roll-up less its other days where no
        # price changes inside it: all of its days then fall into one stretch.
        plan = rollups.sum_plan(start, end, partial=lambda month: month not in changed)
        whole_months = set(rollups.whole_months(start, end))
        changed = {month: accounts for month, accounts in changed.items() if month in whole_months}
    else:
        # Hours come from the samples alone, whatever months they cover (the month roll-ups
        # hold days): none is read whole, so no month a price changes in is read apart.
        plan = rollups.SumPlan([], [(start, end)] if start < end else [], [])
    months = plan.months
    priced = [pk for pk, account in account_of.items() if account in books]
    if not priced:
        return []
    chosen = None if every_app or len(priced) == len(account_of) else priced  # None: every app
    of_samples = list(account_of) if chosen is None and names_every_app() else chosen  # see names_every_app
    adapt = connection.ops.adapt_datetimefield_value
    q = connection.ops.quote_name
    moment = q("timestamp")
    sums = ", ".join(f"CAST(SUM({q(tier)}) AS BIGINT) AS {q(tier)}" for tier in TIER_FIELDS)
    stretch_params = [adapt(change) for change in changes]

    def stretch(column: str) -> str:
        whens = " ".join(f"WHEN {column} < %s THEN {n}" for n in range(len(changes)))
        return f"CASE {whens} ELSE {len(changes)} END" if changes else "0"

    parts: list[str] = []
    params: list[Any] = []
    # What the samples give: the days around the months read from the roll-ups (all of the
    # range without any), the changed months of the accounts concerned, and, taken away, the
    # days outside the range of a month read whole.
    pieces: list[tuple[datetime, datetime, list[int] | None, bool]] = [
        (low, high, of_samples, False) for low, high in plan.added
    ]
    pieces += [
        (month, rollups.next_month(month), [pk for pk in priced if account_of[pk] in accounts], False)
        for month, accounts in changed.items()
    ]
    pieces += [(low, high, of_samples, True) for low, high in plan.taken]
    taken_sums = ", ".join(f"CAST(-SUM({q(tier)}) AS BIGINT) AS {q(tier)}" for tier in TIER_FIELDS)
    for low, high, pks, taken in pieces:
        if pks == []:
            continue
        of_apps, app_params = _among("app_id", pks)
        parts.append(
            f"SELECT app_id, {stretch(moment)} AS stretch, {taken_sums if taken else sums} FROM usage_usagesample "
            f"WHERE metric = %s AND {q('interval')} = %s AND {moment} >= %s AND {moment} < %s{of_apps} "
            "GROUP BY 1, 2"
        )
        params += [*stretch_params, Metric.DURATION.value, interval, adapt(low), adapt(high), *app_params]
    # The apps' whole months, but a changed month only of the apps of the other accounts.
    kept: list[str] = []
    kept_params: list[Any] = []
    whole = [month for month in months if not changed.get(month)]
    if whole:
        of_apps, app_params = _among("app_id", chosen)
        kept.append(f"(month IN ({', '.join(['%s'] * len(whole))}){of_apps})")
        kept_params += [*(adapt(month) for month in whole), *app_params]
    for month, accounts in changed.items():
        if pks := [pk for pk in priced if account_of[pk] not in accounts]:
            of_apps, app_params = _among("app_id", pks)
            kept.append(f"(month = %s{of_apps})")
            kept_params += [adapt(month), *app_params]
    if kept:
        parts.append(
            f"SELECT app_id, {stretch('month')} AS stretch, {sums} FROM usage_appmonthusage "
            f"WHERE metric = %s AND month >= %s AND month <= %s AND ({' OR '.join(kept)}) GROUP BY 1, 2"
        )
        params += [*stretch_params, Metric.DURATION.value, adapt(months[0]), adapt(months[-1]), *kept_params]
    if not parts:
        return []
    sql = f"""
        SELECT u.app_id, u.stretch, {", ".join(f"CAST(SUM(u.{q(t)}) AS BIGINT)" for t in TIER_FIELDS)}
        FROM ({" UNION ALL ".join(parts)}) AS u
        GROUP BY u.app_id, u.stretch
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _among(column: str, pks: list[int] | None) -> tuple[str, list[Any]]:
    """` AND column` is one of `pks` (nothing for None), the list as one parameter."""
    if pks is None:
        return "", []
    if connection.vendor == "postgresql":
        return f" AND {column} = ANY(%s::bigint[])", [rollups.array_literal(pks)]
    return f" AND {column} IN (SELECT value FROM json_each(%s))", [json.dumps(pks)]


def _changes(books: dict[int, list[PriceBook]], start: datetime, end: datetime) -> list[datetime]:
    """The days inside [start, end) on which one of the accounts' books starts."""
    return sorted(
        {moment for found in books.values() for book in found if start < (moment := _midnight(book.valid_from)) < end}
    )


def _stretches(changes: list[datetime], field: str) -> Case:
    """The number of the stretch between price-book changes `field` falls in: no account's
    book changes inside one, so the book of any of its days is the book of all of them."""
    return Case(
        *(When(**{f"{field}__lt": change}, then=Value(n)) for n, change in enumerate(changes)),
        default=Value(len(changes)),
        output_field=IntegerField(),
    )


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
