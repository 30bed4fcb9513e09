"""Cost of usage minutes: the one computation the report, its downloads, the staff overview
and the statement use.

Money is Decimal throughout. A *line* is the minutes of one app in one tier at one price
book, under a key (a report's period, or a statement's app): its cost is minutes * the book's
price * (1 + the tenant's markup), rounded once, to the currency's minor unit (babel's
precision: 2 for USD and CNY, 0 for JPY) with ROUND_HALF_UP.

The money of a scope and a range (`Pricing.totals`) is always priced the same way, whatever
the keys: the minutes of each app, tier and price book over the whole range, each rounded
once, then summed per currency. So a report of a month and that month's statement give the
same amount, and so do a report by day and one by month; a period's own cost (`by_key`) is
rounded on its own, so periods may add up to a few minor units more or less than the total.
A day's price is that of the account's book with the latest `valid_from` on or before the
day (UTC, as the vendors count days); minutes on a day no book covers are counted as
unpriced, never as free.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import MAX_PREC, ROUND_HALF_UP, Context, Decimal
from functools import cache, cached_property
from typing import NamedTuple

from babel.numbers import get_currency_precision

from dashboard.tenancy.models import Tenant

from .models import Markup, PriceBook

HUNDRED = Decimal(100)


@cache
def precision(currency: str) -> int:
    """Digits after the decimal point of the currency's amounts (babel's CLDR data, looked up
    once: a tenant's year by week rounds 5,300 lines, and babel's look-up cost more than each)."""
    return get_currency_precision(currency)


@cache
def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-precision(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def markup_percent(tenant: Tenant | int | None) -> Decimal:
    if tenant is None:
        return Decimal(0)
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    percent = Markup.objects.filter(tenant_id=tenant_id).values_list("percent", flat=True).first()
    return percent or Decimal(0)


class Usage(NamedTuple):
    """Minutes of one app on one UTC day (or hour of it), under a key (a period start, an app).
    A tuple, as `Line`: the staff overview makes one per app and price stretch, 2,000 a year."""

    key: Hashable
    account_id: int
    app_id: int
    day: date
    tiers: dict[str, int]


class Line(NamedTuple):
    """Immutable like the rest; a tuple because a statement of many apps lists thousands (a
    frozen dataclass took 5 µs each to build). Reports read only sums, made without lines."""

    key: Hashable
    account_id: int
    app_id: int
    tier: str
    book: PriceBook
    minutes: int
    unit_price: Decimal  # the book's price with the markup, unrounded
    minor_units: int  # the cost, rounded, in the currency's minor units (cents)

    @property
    def currency(self) -> str:
        return self.book.currency

    @property
    def cost(self) -> Decimal:
        return _amount(self.minor_units, self.book.currency)


@dataclass
class Pricing:
    """Minutes per key, account, app, tier and price book (by the book's id), final once made
    (`price`): the lines, the periods' costs and the totals are each worked out from them once,
    when first asked for. A statement lists the lines; a report reads only its periods' costs
    and its totals (a tenant's year by week has 5,300 lines)."""

    minutes: dict[tuple[Hashable, int, int, str, int], int]
    books: dict[int, PriceBook]  # by id: those of some priced minutes
    markup: Decimal
    unpriced_minutes: int = 0
    unpriced_accounts: set[int] = field(default_factory=set)
    _units: dict[tuple[int, str], tuple[Decimal, int, int]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @cached_property
    def lines(self) -> list[Line]:
        return [
            Line(key, account_id, app_id, tier, self.books[book_id], value, price, _rounded(numerator * value, divisor))
            for (key, account_id, app_id, tier, book_id), value in self.minutes.items()
            for price, numerator, divisor in (self._unit(book_id, tier),)
        ]

    @cached_property  # asked for by every column and cell of a report: its minutes are final by then
    def currencies(self) -> list[str]:
        return sorted({book.currency for book in self.books.values()})

    @property
    def currency(self) -> str | None:
        """The report's one currency; None when there is none or several (never summed)."""
        currencies = self.currencies
        return currencies[0] if len(currencies) == 1 else None

    def totals(self) -> dict[str, Decimal]:
        """The money of the whole range per currency: each app's minutes per tier and book over
        every key, rounded once, then summed (see the module's docstring)."""
        return dict(self._totals)

    @cached_property  # as the lines and the periods' costs: made once from the final minutes
    def _totals(self) -> dict[str, Decimal]:
        minutes: dict[tuple[int, str, int], int] = defaultdict(int)
        for (_, _, app_id, tier, book_id), value in self.minutes.items():
            minutes[(app_id, tier, book_id)] += value
        return _money(minutes, self.books, self.markup)

    def by_key(self) -> dict[Hashable, Decimal]:
        """Cost per key in the one currency (empty when several)."""
        return dict(self._by_key)

    @cached_property
    def _by_key(self) -> dict[Hashable, Decimal]:
        currency = self.currency
        if currency is None:
            return {}
        result: dict[Hashable, int] = defaultdict(int)
        unit = self._unit
        for (key, _, _, tier, book_id), value in self.minutes.items():
            _, numerator, divisor = unit(book_id, tier)
            result[key] += _rounded(numerator * value, divisor)
        return {key: _amount(units, currency) for key, units in result.items()}

    def _unit(self, book_id: int, tier: str) -> tuple[Decimal, int, int]:
        """The book's price of the tier with the markup, unrounded, and in minor units as
        (numerator, divisor): worked out once per book and tier, not per line."""
        found = self._units.get((book_id, tier))
        if found is None:
            book = self.books[book_id]
            price = book.price(tier) * (1 + self.markup / HUNDRED)
            found = self._units[(book_id, tier)] = (price, *_in_minor_units(price, book.currency))
        return found


def books_for(account_ids: Iterable[int]) -> dict[int, list[PriceBook]]:
    """Each account's books, oldest first."""
    books: dict[int, list[PriceBook]] = defaultdict(list)
    for book in PriceBook.objects.filter(vendor_account_id__in=set(account_ids)).order_by("valid_from"):
        books[book.vendor_account_id].append(book)
    return dict(books)


def book_on(books: list[PriceBook], day: date) -> PriceBook | None:
    """The book valid on `day`: the latest that starts on or before it."""
    index = bisect.bisect_right([book.valid_from for book in books], day)
    return books[index - 1] if index else None


class Tally:
    """Minutes per app, tier and price book, added up usage by usage, and their money: what
    `totals` does, for callers whose minutes come in other shapes than `Usage` (the staff
    overview's rows of an app and a price stretch)."""

    def __init__(self, books: dict[int, list[PriceBook]]) -> None:
        self.books = books
        self.minutes: dict[tuple[int, str, int], int] = defaultdict(int)
        self.by_id: dict[int, PriceBook] = {}
        self._found: dict[tuple[int, date], PriceBook | None] = {}

    def add(self, account_id: int, app_id: int, day: date, tiers: Iterable[tuple[str, int | None]]) -> None:
        """The minutes of `tiers` of an app on `day` (or a stretch starting then): at the book
        of that day; none on a day no book covers (unpriced: no money)."""
        key = (account_id, day)
        if key in self._found:
            book = self._found[key]
        else:
            book = self._found[key] = book_on(self.books.get(account_id, []), day)
        if book is None:
            return
        self.by_id[book.id] = book
        minutes = self.minutes
        for tier, value in tiers:
            if value:
                minutes[(app_id, tier, book.id)] += value

    def money(self, markup: Decimal = Decimal(0)) -> dict[str, Decimal]:
        return _money(self.minutes, self.by_id, markup)


def totals(
    usage: Iterable[Usage], books: dict[int, list[PriceBook]], markup: Decimal = Decimal(0)
) -> dict[str, Decimal]:
    """`price(usage, books, markup).totals()` without the lines: for callers that show only the
    money (a year of 1,000 apps made 10,000 lines to add them up)."""
    tally = Tally(books)
    for item in usage:
        tally.add(item.account_id, item.app_id, item.day, item.tiers.items())
    return tally.money(markup)


def _money(
    minutes: dict[tuple[int, str, int], int], by_id: dict[int, PriceBook], markup: Decimal
) -> dict[str, Decimal]:
    """Per currency, the minutes of each (app, tier, book) priced and rounded once, then summed."""
    factor = 1 + markup / HUNDRED
    units: dict[tuple[int, str], tuple[int, int, str]] = {}  # per book and tier, not per app
    totals: dict[str, int] = defaultdict(int)
    for (_, tier, book_id), value in minutes.items():
        unit = units.get((book_id, tier))
        if unit is None:
            book = by_id[book_id]
            unit = units[(book_id, tier)] = (*_in_minor_units(book.price(tier) * factor, book.currency), book.currency)
        numerator, divisor, currency = unit
        totals[currency] += _rounded(numerator * value, divisor)
    return {currency: _amount(total, currency) for currency, total in sorted(totals.items())}


# Amounts are worked out in whole minor units: a unit price times 10 to the currency's
# precision is an integer over a power of ten, so an amount is rounded half up (away from
# zero) by one integer division: exact whatever the size, where Decimal's arithmetic rounds
# a product past 28 digits first, and a fifth of the CPU of `(unit * minutes).quantize()`
# (a year's staff overview rounds 6,700 amounts, a tenant's year 5,300 lines).
EXACT = Context(prec=MAX_PREC)  # scaleb() would round an amount past 28 digits in the default context


def _in_minor_units(price: Decimal, currency: str) -> tuple[int, int]:
    """`price` in the currency's minor units as (numerator, power of ten dividing it)."""
    sign, digits, exponent = price.as_tuple()
    assert isinstance(exponent, int), price  # a price is finite
    numerator = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    shift = exponent + precision(currency)
    return (numerator * 10**shift, 1) if shift >= 0 else (numerator, 10**-shift)


def _rounded(amount: int, divisor: int) -> int:
    """amount / divisor rounded half up, away from zero (ROUND_HALF_UP), by one floor division."""
    if amount >= 0:
        return (2 * amount + divisor) // (2 * divisor)
    return -((divisor - 2 * amount) // (2 * divisor))


def _amount(minor_units: int, currency: str) -> Decimal:
    """Whole minor units as the currency's amount (2 decimals for USD: 123 -> 1.23)."""
    return Decimal(minor_units).scaleb(-precision(currency), EXACT)


def price(usage: Iterable[Usage], books: dict[int, list[PriceBook]], markup: Decimal = Decimal(0)) -> Pricing:
    minutes: dict[tuple[Hashable, int, int, str, int], int] = defaultdict(int)
    by_id: dict[int, PriceBook] = {}
    pricing = Pricing({}, by_id, markup)
    found: dict[tuple[int, date], PriceBook | None] = {}  # a year of hours asks for each day 24 times
    for item in usage:
        if (item.account_id, item.day) not in found:
            found[(item.account_id, item.day)] = book_on(books.get(item.account_id, []), item.day)
        book = found[(item.account_id, item.day)]
        for tier, value in item.tiers.items():
            if not value:
                continue
            if book is None:
                pricing.unpriced_minutes += value
                pricing.unpriced_accounts.add(item.account_id)
                continue
            by_id[book.id] = book
            minutes[(item.key, item.account_id, item.app_id, tier, book.id)] += value
    pricing.minutes = dict(minutes)  # a plain dict: a look-up of a missing key adds nothing
    return pricing
