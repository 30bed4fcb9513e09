"""Price books and markup: who may change them, what is audited, and the cost they give."""

from __future__ import annotations

import random
from datetime import date
from decimal import MAX_PREC, Context, Decimal, localcontext
from fractions import Fraction

import pytest
from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.billing import cost
from dashboard.billing.models import Markup, PriceBook
from tests.dashboard.conftest import World2, logged_in

pytestmark = pytest.mark.usefixtures("english")

FORM = {"currency": "usd", "valid_from": "2026-03-01", "audio": "0.004", "v360": "0.015", "v720": "0.0325"}


def test_an_admin_adds_a_price_book_and_it_is_audited(two_tenants: World2) -> None:
    world = two_tenants
    url = reverse("billing:price_book_create", args=["acme", world.acme_account.pk])
    response = logged_in(world.acme_admin).post(url, FORM)
    assert response.status_code == 302
    book = PriceBook.objects.get(vendor_account=world.acme_account)
    assert (book.currency, book.valid_from, book.v720) == ("USD", date(2026, 3, 1), Decimal("0.0325"))
    entry = AuditEntry.objects.get(action="price_book.create")
    assert entry.vendor_account == world.acme_account and entry.tenant == world.acme
    page = logged_in(world.acme_admin).get(reverse("billing:price_book_list", args=["acme"])).content.decode()
    assert "2026-03-01" in page and "0.032500" in page


def test_a_viewer_cannot_see_or_change_prices(two_tenants: World2) -> None:
    world = two_tenants
    client = logged_in(world.acme_viewer)
    assert client.get(reverse("billing:price_book_list", args=["acme"])).status_code == 403
    url = reverse("billing:price_book_create", args=["acme", world.acme_account.pk])
    assert client.post(url, FORM).status_code == 403
    assert not PriceBook.objects.exists()


def test_another_tenants_price_book_is_not_found(two_tenants: World2) -> None:
    world = two_tenants
    book = PriceBook.objects.create(vendor_account=world.acme_account, currency="USD", valid_from=date(2026, 1, 1))
    client = logged_in(world.harbor_admin)
    for name in ("billing:price_book_edit", "billing:price_book_delete"):
        assert client.post(reverse(name, args=["harbor", book.pk]), {"currency": "EUR"}).status_code == 404
    url = reverse("billing:price_book_create", args=["harbor", world.acme_account.pk])
    assert client.post(url, FORM).status_code == 404
    assert PriceBook.objects.get().currency == "USD"


def test_delete_asks_first_then_deletes_with_an_audit_entry(two_tenants: World2) -> None:
    world = two_tenants
    book = PriceBook.objects.create(vendor_account=world.acme_account, currency="USD", valid_from=date(2026, 1, 1))
    client = logged_in(world.acme_admin)
    url = reverse("billing:price_book_delete", args=["acme", book.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Delete the price book" in page.content.decode()
    assert PriceBook.objects.exists()
    assert client.post(url).status_code == 302
    assert not PriceBook.objects.exists()
    assert AuditEntry.objects.filter(action="price_book.delete", vendor_account=world.acme_account).exists()


def test_bad_input_is_a_message_not_an_error(two_tenants: World2) -> None:
    world = two_tenants
    PriceBook.objects.create(vendor_account=world.acme_account, currency="USD", valid_from=date(2026, 3, 1))
    url = reverse("billing:price_book_create", args=["acme", world.acme_account.pk])
    client = logged_in(world.acme_admin)
    same_day = client.post(url, FORM)
    assert same_day.status_code == 200 and "already has a price book" in same_day.content.decode()
    bad = client.post(url, FORM | {"currency": "XX1", "valid_from": "2026-13-01", "audio": "-1"})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "ISO 4217" in text and "greater than or equal to 0" in text
    assert PriceBook.objects.count() == 1


def test_only_staff_set_a_markup(two_tenants: World2) -> None:
    world = two_tenants
    url = reverse("billing:markup_edit", args=["acme"])
    assert logged_in(world.acme_admin).post(url, {"percent": "50"}).status_code == 403
    assert logged_in(world.staff).post(url, {"percent": "12.5"}).status_code == 302
    assert Markup.objects.get(tenant=world.acme).percent == Decimal("12.5")
    assert AuditEntry.objects.filter(action="markup.update", tenant=world.acme).exists()


def _book(world: World2, day: date, currency: str = "USD", **prices: str) -> PriceBook:
    values = {tier: Decimal(price) for tier, price in prices.items()}
    return PriceBook.objects.create(vendor_account=world.acme_account, currency=currency, valid_from=day, **values)


def test_a_price_change_mid_month_splits_the_month(two_tenants: World2) -> None:
    world = two_tenants
    _book(world, date(2026, 3, 1), audio="0.004")
    _book(world, date(2026, 3, 16), audio="0.005")
    account = world.acme_account.pk
    usage = [cost.Usage("march", account, 1, date(2026, 3, day), {"audio": 1000}) for day in range(1, 32)]
    pricing = cost.price(usage, cost.books_for([account]))
    by_price = {line.unit_price: (line.minutes, line.cost) for line in pricing.lines}
    assert by_price == {Decimal("0.004"): (15000, Decimal("60.00")), Decimal("0.005"): (16000, Decimal("80.00"))}
    assert pricing.totals() == {"USD": Decimal("140.00")}


def test_days_before_the_first_book_are_unpriced_not_free(two_tenants: World2) -> None:
    world = two_tenants
    _book(world, date(2026, 3, 2), audio="0.004")
    account = world.acme_account.pk
    usage = [cost.Usage("k", account, 1, date(2026, 3, day), {"audio": 10}) for day in (1, 2)]
    pricing = cost.price(usage, cost.books_for([account]))
    assert pricing.unpriced_minutes == 10 and pricing.unpriced_accounts == {account}
    assert pricing.totals() == {"USD": Decimal("0.04")}


def test_lines_are_exact_decimals_rounded_half_up_once(two_tenants: World2) -> None:
    world = two_tenants
    # 0.1 + 0.2 is not 0.3 in floats; 3 lines of 1 minute at 0.005 round to 0.01 each (half up).
    _book(world, date(2026, 1, 1), audio="0.1", v360="0.2", v720="0.005")
    account = world.acme_account.pk
    pricing = cost.price(
        [cost.Usage("k", account, 1, date(2026, 1, 5), {"audio": 1, "v360": 1})], cost.books_for([account])
    )
    assert pricing.totals() == {"USD": Decimal("0.30")}
    # One app's minute at 0.005 in each of three periods: each period's own cost rounds to 0.01,
    # but the range's money is the app's 3 minutes priced once: 0.015 -> 0.02 (billing.cost).
    halves = cost.price(
        [cost.Usage(key, account, 1, date(2026, 1, 5), {"v720": 1}) for key in "abc"], cost.books_for([account])
    )
    assert halves.by_key() == dict.fromkeys("abc", Decimal("0.01"))
    assert halves.totals() == {"USD": Decimal("0.02")}
    # Three apps' minute each: three lines over the range, each rounded: 0.03.
    apps = [cost.Usage("k", account, app, date(2026, 1, 5), {"v720": 1}) for app in (1, 2, 3)]
    assert cost.price(apps, cost.books_for([account])).totals() == {"USD": Decimal("0.03")}
    yen = cost.quantize(Decimal("12.5"), "JPY")
    assert yen == Decimal("13") and yen.as_tuple().exponent == 0


def test_markup_is_applied_to_the_price_before_rounding(two_tenants: World2) -> None:
    world = two_tenants
    _book(world, date(2026, 1, 1), audio="0.004")
    Markup.objects.create(tenant=world.acme, percent=Decimal("12.5"))
    account = world.acme_account.pk
    pricing = cost.price(
        [cost.Usage("k", account, 1, date(2026, 1, 5), {"audio": 333})],
        cost.books_for([account]),
        cost.markup_percent(world.acme),
    )
    (line,) = pricing.lines
    # 333 * 0.004 * 1.125 = 1.4985 -> 1.50
    assert line.unit_price == Decimal("0.0045") and line.cost == Decimal("1.50")


def test_a_pricing_is_final_once_made_and_hands_out_copies(two_tenants: World2) -> None:
    world = two_tenants
    _book(world, date(2026, 1, 1), audio="0.004")
    account = world.acme_account.pk
    pricing = cost.price(
        [cost.Usage(key, account, 1, date(2026, 1, 5), {"audio": 1000}) for key in ("a", "b")],
        cost.books_for([account]),
    )
    with pytest.raises(KeyError):  # a plain dict: looking up a key adds none
        pricing.minutes[("c", account, 1, "audio", 0)]
    pricing.totals()["USD"] = Decimal(0)
    pricing.by_key()["a"] = Decimal(0)
    assert pricing.totals() == {"USD": Decimal("8.00")}
    assert pricing.by_key() == {"a": Decimal("4.00"), "b": Decimal("4.00")}
    assert sum(line.cost for line in pricing.lines) == Decimal("8.00") and len(pricing.lines) == 2


def test_several_currencies_are_never_summed(two_tenants: World2) -> None:
    world = two_tenants
    _book(world, date(2026, 1, 1), audio="0.004")
    PriceBook.objects.create(
        vendor_account=world.harbor_account, currency="CNY", valid_from=date(2026, 1, 1), audio=Decimal("0.03")
    )
    accounts = [world.acme_account.pk, world.harbor_account.pk]
    usage = [cost.Usage("k", account, account, date(2026, 1, 5), {"audio": 100}) for account in accounts]
    pricing = cost.price(usage, cost.books_for(accounts))
    assert pricing.currency is None and pricing.by_key() == {}
    assert pricing.totals() == {"CNY": Decimal("3.00"), "USD": Decimal("0.40")}


def _exact(price: Decimal, markup: Decimal, minutes: int, places: int) -> Decimal:
    """price x (1 + markup %) x minutes as a fraction, rounded half up to `places` decimals."""
    amount = Fraction(price) * (1 + Fraction(markup) / 100) * minutes * 10**places
    whole = int(amount)
    return Decimal(whole + (1 if amount - whole >= Fraction(1, 2) else 0)).scaleb(-places, Context(prec=MAX_PREC))


def test_money_is_each_amount_rounded_half_up_exactly() -> None:
    # cost._money and cost.price work in whole minor units: each (unit price x minutes) must be
    # the exact rational amount rounded half up (away from zero) to the currency's minor unit,
    # for any price, markup and number of minutes, past Decimal's 28 digits too; a report's
    # lines and its total agree.
    rng = random.Random(15)
    with localcontext(prec=MAX_PREC):  # the test's own sums, exact past 28 digits
        _draw_and_compare(rng)


def _draw_and_compare(rng: random.Random) -> None:
    for _ in range(300):
        currency = rng.choice(["USD", "CNY", "JPY", "BHD"])  # 2, 2, 0 and 3 decimals
        places = {"JPY": 0, "BHD": 3}.get(currency, 2)
        markup = Decimal(rng.randrange(0, 10**7)).scaleb(-2)
        books = {
            n: PriceBook(
                id=n,
                currency=currency,
                valid_from=date(2026, 1, 1),
                audio=Decimal(rng.randrange(0, 10**14)).scaleb(-rng.randrange(0, 9)),
            )
            for n in range(3)
        }
        sizes = [0, 1, rng.randrange(10**4), rng.randrange(10**9), rng.randrange(10**13)]
        minutes = {(app, "audio", book): rng.choice(sizes) for app in range(5) for book in books}
        expected = sum(
            (_exact(books[book].audio, markup, value, places) for (_, _, book), value in minutes.items()), Decimal(0)
        )
        assert cost._money(minutes, books, markup) == {currency: expected}
        usage = [cost.Usage(app, 1, app, date(2026, 1, 5), {"audio": value}) for (app, _, _), value in minutes.items()]
        by_book = {1: [books[0]]}
        pricing = cost.price(usage, by_book, markup)
        for line in pricing.lines:
            assert line.cost == _exact(books[0].audio, markup, line.minutes, places)
        assert pricing.totals() == {currency: sum((line.cost for line in pricing.lines), Decimal(0))}
