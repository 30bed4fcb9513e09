"""Every report figure against the simulator's own sessions.

The Aliyun simulator's world is synced into the console the ordinary way (client, provider,
sync jobs), at a fixed moment just after America/Los_Angeles falls back (2026-11-01 09:00
UTC). The expected figures are then worked out here from the world's *sessions* (who was in
which channel from which minute to which, at which tier), not from the simulator's statistics
nor from the console's code, following the definitions the report states:

- hours are the reader's hours of the range (UTC hours, labelled in the zone; the hour the
  clock repeats carries its abbreviation); days are the vendor's UTC days of the range's
  dates; weeks (Monday first) and months are those days grouped;
- minutes are summed; active users and channels are distinct per bucket, and a week or a
  month takes its busiest day; a peak is the highest per-minute count, first reached at;
- across several apps each figure is the apps' figures added per bucket, with no peak time,
  except the peaks of a whole account: the vendor answers for every app of the account at
  once, so an account's peak is the highest per-minute count of all its apps together (a user
  or channel of each app counted apart), and a tenant's is its accounts' peaks added up;
- a bucket that has begun but not ended is "(partial)", one not begun is "no data";
- cost: each app's minutes per tier and price book, rounded half up once (per period for a
  period's cell, over the whole range for the total).

The page, its htmx fragment, the CSV and the XLSX must all say exactly that, for one app, one
account, a tenant (two accounts) and the staff overview, in four zones; and the tenant's row
of the staff overview must equal the tenant's own page.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone as django_timezone
from django.utils import translation

from dashboard.billing.models import Markup, PriceBook
from dashboard.credentials.models import VendorAccount
from dashboard.people.models import Preferences
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Tenant
from dashboard.usage import statement, tasks
from tests.dashboard.conftest import HTMX, allow_endpoint, logged_in, make_user
from vendors.aliyun.sim import AliyunSimulator
from vendors.aliyun.sim_auth import Gatekeeper
from vendors.sim.world import World, WorldOptions, to_minute

# A Sunday evening in UTC: the clocks of Los Angeles went back at 09:00 UTC today.
NOW = datetime(2026, 11, 1, 20, 37, 30, tzinfo=UTC)
BACKFILL_DAYS = 40  # every range below lies inside it
TIERS = ("audio", "v360", "v720", "v1080", "content")
WORLD_TIERS = {"audio": "audio", "360p": "v360", "720p": "v720", "1080p": "v1080", "screen_share": "content"}
COUNTS = ("active_users", "active_channels", "peak_users", "peak_channels")
HEADER = {
    "Call duration (min)": "duration",
    "Audio (min)": "audio",
    "Video up to 360p (min)": "v360",
    "Video up to 720p (min)": "v720",
    "Video up to 1080p (min)": "v1080",
    "Screen share (min)": "content",
    "Active users": "active_users",
    "Active channels": "active_channels",
    "Peak concurrent users": "peak_users",
    "Peak users at": "peak_users_at",
    "Peak concurrent channels": "peak_channels",
    "Peak channels at": "peak_channels_at",
    "Cost (USD)": "cost",
}
CENT = Decimal("0.01")
MARKUP = Decimal("12.5")
# Account "A" changes price mid-October; account "B" has one book all along.
BOOKS = {
    "A": [(date(2026, 7, 1), {"audio": "0.0040", "v360": "0.0140", "v720": "0.0310", "v1080": "0.0620"}),
          (date(2026, 10, 15), {"audio": "0.0045", "v360": "0.0150", "v720": "0.0330", "v1080": "0.0650"})],
    "B": [(date(2026, 7, 1), {"audio": "0.0037", "v360": "0.0133", "v720": "0.0297", "content": "0.0011"})],
}  # fmt: skip


@dataclass
class Synced:
    world: World
    apps: dict[str, RtcApp]  # "a1", "a2" (account A), "b1" (account B), "h1" (another tenant)
    accounts: dict[str, VendorAccount]
    acme: Tenant
    harbor: Tenant
    staff: Any


# --- the world, synced into the console once for the module ------------------------------------


@pytest.fixture(scope="module")
def synced(django_db_setup: None, django_db_blocker: Any) -> Iterator[Synced]:
    world = World(
        WorldOptions(seed=23, apps_per_vendor=4, channels_per_app=5, users_per_app=120, sessions_per_day=150),
        clock=lambda: NOW,
    )
    simulator = AliyunSimulator(world)
    simulator.gate = Gatekeeper(simulator.accounts, lambda: datetime.now(UTC))  # signatures: the real clock
    ids = [app.app_id for app in world.apps("aliyun")]
    keys = {"A": set(ids[:2]), "B": {ids[2]}, "H": {ids[3]}}
    for name, app_ids in keys.items():
        simulator.add_account(f"LTAI5tTruth{name}", f"truth-secret-{name}-0123456789", app_ids)
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(
            VENDOR_TRANSPORT=httpx.MockTransport(simulator.handle),
            USAGE_BACKFILL_DAYS=BACKFILL_DAYS,
            VENDOR_DEFAULT_REQUESTS_PER_SECOND=100_000,
        ),
        transaction.atomic(),
    ):
        patch.setattr(django_timezone, "now", lambda: NOW)
        acme = Tenant.objects.create(name="Acme Truth", slug="acme-truth")
        harbor = Tenant.objects.create(name="Harbor Truth", slug="harbor-truth")
        accounts = {}
        for name, tenant in (("A", acme), ("B", acme), ("H", harbor)):
            account = VendorAccount(
                tenant=tenant,
                vendor="aliyun",
                label=f"Aliyun {name}",
                endpoint=allow_endpoint("aliyun", "http://aliyun.sim"),
            )
            account.set_credentials(
                {"access_key_id": f"LTAI5tTruth{name}", "access_key_secret": f"truth-secret-{name}-0123456789"}
            )
            account.save()
            accounts[name] = account
        call_command("sync_apps", verbosity=0)
        apps = {
            "a1": RtcApp.objects.get(app_id=ids[0]),
            "a2": RtcApp.objects.get(app_id=ids[1]),
            "b1": RtcApp.objects.get(app_id=ids[2]),
            "h1": RtcApp.objects.get(app_id=ids[3]),
        }
        tasks.plan_usage.call_local()
        for name, books in BOOKS.items():
            for valid_from, prices in books:
                PriceBook.objects.create(
                    vendor_account=accounts[name],
                    currency="USD",
                    valid_from=valid_from,
                    **{tier: Decimal(price) for tier, price in prices.items()},
                )
        Markup.objects.create(tenant=acme, percent=MARKUP)
        yield Synced(world, apps, accounts, acme, harbor, make_user("truth-staff", staff=True))
        transaction.set_rollback(True)


# --- the truth, from the sessions ----------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """One app's figures for one UTC bucket [lo, hi), in minutes since the epoch."""

    minutes: dict[str, int]
    active_users: int
    active_channels: int
    peak_users: int
    peak_users_at: int
    peak_channels: int
    peak_channels_at: int


def measure(world: World, app_ids: tuple[str, ...], lo: int, hi: int) -> Measured:
    """The figures of the apps together: a user (or channel) of each app counted apart."""
    minutes: Counter[str] = Counter()
    users_at: dict[int, set[tuple[str, str]]] = defaultdict(set)
    channels_at: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for app_id in app_ids:
        for session in world.sessions(app_id, lo, hi):
            first, last = max(session.start, lo), min(session.end, hi)
            minutes[WORLD_TIERS[session.tier.value]] += last - first
            for minute in range(first, last):
                users_at[minute].add((app_id, session.user_id))
                channels_at[minute].add((app_id, session.channel_id))

    def peak(present: dict[int, set[tuple[str, str]]]) -> tuple[int, int]:
        best, at = 0, lo  # nobody at all: zero, "at" the bucket's first minute
        for minute in range(lo, hi):
            if len(present.get(minute, ())) > best:
                best, at = len(present[minute]), minute
        return best, at

    return Measured(
        {tier: minutes[tier] for tier in TIERS},
        len(set().union(*users_at.values())),
        len(set().union(*channels_at.values())),
        *peak(users_at),
        *peak(channels_at),
    )


_measured: dict[tuple[tuple[str, ...], int, int], Measured] = {}


def measured(world: World, app_id: str | tuple[str, ...], start: datetime, end: datetime) -> Measured:
    app_ids = (app_id,) if isinstance(app_id, str) else app_id
    key = (app_ids, to_minute(start), to_minute(end))
    if key not in _measured:
        _measured[key] = measure(world, app_ids, *key[1:])
    return _measured[key]


ACCOUNT_APPS = {"A": ("a1", "a2"), "B": ("b1",), "H": ("h1",)}


def combined_peaks(synced: Synced, scope: list[str], lo: datetime, hi: datetime) -> dict[str, int]:
    """Several apps: each whole account's peaks over all its apps at once, added over the accounts."""
    total = {"peak_users": 0, "peak_channels": 0}
    for apps in ACCOUNT_APPS.values():
        if set(apps) <= set(scope):
            together = measured(synced.world, tuple(synced.apps[app].app_id for app in apps), lo, hi)
            total["peak_users"] += together.peak_users
            total["peak_channels"] += together.peak_channels
    return total


@dataclass
class Query:
    zone: str
    params: dict[str, str]


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)


def range_of(query: Query) -> tuple[str, date, date, tuple[datetime, datetime] | None]:
    """What the range means (README): its granularity, its dates and, by the hour, its UTC bounds."""
    zone = ZoneInfo(query.zone)
    today = NOW.astimezone(zone).date()
    preset, granularity = query.params["range"], query.params.get("granularity", "auto")
    if preset == "24h":
        last = NOW.replace(minute=0, second=0, microsecond=0)
        bounds = (last - timedelta(hours=24), last)
        return ("hour" if granularity == "auto" else granularity, bounds[0].astimezone(zone).date(), today, bounds)
    if preset == "today":
        start = end = today
    elif preset == "this_month":
        start, end = today.replace(day=1), today
    elif preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
    elif preset == "custom":
        start, end = date.fromisoformat(query.params["from"]), date.fromisoformat(query.params["to"])
    else:
        start, end = today - timedelta(days=int(preset[:-1]) - 1), today
    days = (end - start).days + 1
    auto = "hour" if days <= 3 else "day" if days <= 120 else "week"
    resolved = auto if granularity == "auto" else granularity
    bounds = (_local_midnight(start, zone), _local_midnight(end + timedelta(days=1), zone))
    return resolved, start, end, bounds if resolved == "hour" else None


@dataclass
class Period:
    start: datetime
    end: datetime
    days: list[tuple[datetime, datetime]]  # the stored buckets it is made of (hours or UTC days)


def periods(query: Query) -> tuple[str, list[Period]]:
    resolved, start, end, bounds = range_of(query)
    if bounds:
        hours = []
        # The hours are the vendor's UTC hours starting in the range: Kolkata's day starts at 00:30.
        moment = _next_hour(bounds[0])
        while moment < bounds[1]:
            hours.append(Period(moment, moment + timedelta(hours=1), [(moment, moment + timedelta(hours=1))]))
            moment += timedelta(hours=1)
        return resolved, hours
    days = [
        datetime.combine(start + timedelta(days=n), datetime.min.time(), UTC) for n in range((end - start).days + 1)
    ]
    grouped: dict[datetime, list[datetime]] = defaultdict(list)
    for day in days:
        if resolved == "week":
            grouped[day - timedelta(days=day.weekday())].append(day)
        elif resolved == "month":
            grouped[day.replace(day=1)].append(day)
        else:
            grouped[day].append(day)
    result = []
    for first, members in sorted(grouped.items()):
        following = (
            first + timedelta(days=1)
            if resolved == "day"
            else first + timedelta(days=7)
            if resolved == "week"
            else (first + timedelta(days=32)).replace(day=1)
        )
        result.append(Period(first, following, [(day, day + timedelta(days=1)) for day in members]))
    return resolved, result


def _next_hour(moment: datetime) -> datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(hours=1)


def label(period: Period, resolved: str, zone: ZoneInfo) -> str:
    if resolved == "hour":
        local = period.start.astimezone(zone)
        text = f"{local:%Y-%m-%d %H:%M}"
        twice = [
            moment
            for moment in (period.start - timedelta(hours=1), period.start + timedelta(hours=1))
            if f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" == text
        ]
        return f"{text} {local.tzname()}" if twice else text
    if resolved == "week":
        return f"{period.start:%Y-%m-%d} (W{period.start.isocalendar().week:02d})"
    if resolved == "month":
        return f"{period.start:%Y-%m} ({period.start:%b})"
    return f"{period.start:%Y-%m-%d}"


def _book(account: str, day: date) -> tuple[date, dict[str, str]] | None:
    valid = [book for book in BOOKS.get(account, []) if book[0] <= day]
    return valid[-1] if valid else None


def money(lines: dict[tuple[str, str, date], int], accounts: dict[str, str]) -> Decimal:
    """Each app's minutes per tier and price book, priced with the markup, rounded half up, summed."""
    total = Decimal(0)
    for (app, tier, valid_from), minutes in lines.items():
        prices = dict(BOOKS[accounts[app]])[valid_from]
        unit = Decimal(prices.get(tier, "0")) * (1 + MARKUP / 100)
        total += (unit * minutes).quantize(CENT, rounding=ROUND_HALF_UP)
    return total


def truth(synced: Synced, query: Query, scope: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The table's rows and its totals row, from the sessions."""
    zone = ZoneInfo(query.zone)
    resolved, found = periods(query)
    single = len(scope) == 1
    accounts = {"a1": "A", "a2": "A", "b1": "B", "h1": "H"}
    priced = any(accounts[app] in BOOKS for app in scope)
    rows, range_lines = [], Counter()
    for period in found:
        row: dict[str, Any] = {"label": label(period, resolved, zone), "no_data": period.start > NOW}
        if row["no_data"]:
            rows.append(row)
            continue
        if period.start <= NOW < period.end:
            row["label"] += " (partial)"
        # Per stored bucket (hour or day): the apps' figures added up.
        parts = []
        for lo, hi in period.days:
            each = [measured(synced.world, synced.apps[app].app_id, lo, hi) for app in scope]
            part = {
                "minutes": {tier: sum(m.minutes[tier] for m in each) for tier in TIERS},
                **{name: sum(getattr(m, name) for m in each) for name in COUNTS},
                "peak_users_at": each[0].peak_users_at if single else None,
                "peak_channels_at": each[0].peak_channels_at if single else None,
            }
            if not single:
                exact = combined_peaks(synced, scope, lo, hi)
                # At most the sum of the apps' peaks, which is what the reports said before.
                assert all(exact[name] <= part[name] for name in exact)
                part.update(exact)
            parts.append(part)
        for tier in TIERS:
            row[tier] = sum(part["minutes"][tier] for part in parts)
        row["duration"] = sum(row[tier] for tier in TIERS)
        for name in COUNTS:
            busiest = max(parts, key=lambda part: part[name])  # the first on ties
            row[name] = busiest[name]
            if name.startswith("peak") and single:
                row[f"{name}_at"] = _when(busiest[f"{name}_at"], zone)
        if priced:
            period_lines: Counter[tuple[str, str, date]] = Counter()
            for lo, hi in period.days:
                for app in scope:
                    book = _book(accounts[app], lo.date())
                    if book is None:
                        continue
                    m = measured(synced.world, synced.apps[app].app_id, lo, hi)
                    for tier in TIERS:
                        if m.minutes[tier]:
                            period_lines[(app, tier, book[0])] += m.minutes[tier]
            row["cost"] = money(period_lines, accounts)
            range_lines.update(period_lines)
        rows.append(row)
    data = [row for row in rows if not row["no_data"]]
    totals: dict[str, Any] = {"label": "Total (counts: busiest period)", "no_data": False}
    for name in ("duration", *TIERS):
        totals[name] = sum(row[name] for row in data)
    for name in COUNTS:
        busiest = max(data, key=lambda row: row[name])
        totals[name] = busiest[name]
        if name.startswith("peak") and single:
            totals[f"{name}_at"] = busiest[f"{name}_at"]
    if priced:
        totals["cost"] = money(range_lines, accounts)
    return rows, totals


def _when(minute: int | None, zone: ZoneInfo) -> str | None:
    if minute is None:
        return None
    return f"{datetime.fromtimestamp(minute * 60, UTC).astimezone(zone):%Y-%m-%d %H:%M}"


# --- what the console says -------------------------------------------------------------------------


def _number(text: str) -> int | Decimal | None:
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
    if text in ("", "—"):
        return None
    text = text.replace(",", "").replace("$", "")
    return Decimal(text) if "." in text else int(text)


def _at(text: str) -> str | None:
    return None if text.strip() in ("", "—") else text.strip()


def as_rows(header: list[str], cells: list[list[Any]]) -> list[dict[str, Any]]:
    """Table cells to rows of named figures; a "no data" row is only its label."""
    names = ["label"] + [HEADER[name] for name in header[1:]]
    rows = []
    for values in cells:
        row: dict[str, Any] = {"label": str(values[0]).strip()}
        figures = dict(zip(names[1:], values[1:], strict=True))
        row["no_data"] = all(value in (None, "") for value in figures.values())
        if not row["no_data"]:
            for name, value in figures.items():
                if name.endswith("_at"):
                    row[name] = value or None
                elif name == "cost":
                    row[name] = Decimal(str(value)).quantize(CENT)
                else:
                    row[name] = int(value)
        rows.append(row)
    return rows


def from_csv(content: bytes) -> list[dict[str, Any]]:
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return as_rows(lines[0], lines[1:])


def from_xlsx(content: bytes) -> list[dict[str, Any]]:
    book = zipfile.ZipFile(io.BytesIO(content))
    ns = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    shared = [
        "".join(t.text or "" for t in item.iter(f"{{{ns['x']}}}t"))
        for item in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("x:si", ns)
    ]
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    lines = []
    for row in sheet.iter(f"{{{ns['x']}}}row"):
        cells: dict[int, Any] = {}
        for cell in row.findall("x:c", ns):
            column = 0
            for letter in re.match(r"[A-Z]+", cell.get("r", "")).group():  # type: ignore[union-attr]
                column = column * 26 + ord(letter) - 64
            value = cell.find("x:v", ns)
            if value is None:
                continue
            cells[column - 1] = shared[int(value.text or 0)] if cell.get("t") == "s" else value.text
        lines.append(cells)
    width = len(lines[0])
    table = [[line.get(n) for n in range(width)] for line in lines]
    return as_rows(table[0], table[1:])


def from_page(text: str) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """The page's table (its first page), its total cards and its "Rows a to b of n"."""
    table = text[text.index('id="usage-table"') :]
    header = [
        html.unescape(re.sub(r"<div.*?</div>|<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", table[: table.index("</thead>")], re.S)
    ]
    downloads = {
        "Call duration": "Call duration (min)",
        "Audio": "Audio (min)",
        "Video up to 360p": "Video up to 360p (min)",
        "Video up to 720p": "Video up to 720p (min)",
        "Video up to 1080p": "Video up to 1080p (min)",
        "Screen share": "Screen share (min)",
        "Cost": "Cost (USD)",
    }
    header = [downloads.get(name, name) for name in header]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    cells = [
        [html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]
    parsed = [
        [
            row[0],
            *[
                _at(cell) if HEADER[name].endswith("_at") else _number(cell)
                for name, cell in zip(header[1:], row[1:], strict=True)
            ],
        ]
        for row in cells
    ]
    totals: dict[str, Any] = {}
    for name, value in re.findall(r'data-total="(\w+)">([^<]*)<', text):
        if name.endswith("_at"):
            totals[name] = value.removeprefix("at ").rsplit(" ", 1)[0].strip()
        elif name == "cost":
            totals[name] = _number(value)
        else:
            totals[name] = _number(value.replace(" min", ""))
    shown = re.search(r'id="table-rows">([^<]*)<', text)
    return as_rows(header, parsed), totals, shown.group(1) if shown else ""


# --- the cases ---------------------------------------------------------------------------------------

CASES = [
    Query("UTC", {"range": "24h"}),
    Query("UTC", {"range": "custom", "from": "2026-09-25", "to": "2026-11-01", "granularity": "month"}),
    Query("UTC", {"range": "last_month", "granularity": "day"}),
    Query("Asia/Shanghai", {"range": "7d", "granularity": "hour"}),
    Query("Asia/Shanghai", {"range": "this_month"}),
    Query("Asia/Shanghai", {"range": "30d", "granularity": "week"}),
    Query("Asia/Kolkata", {"range": "24h"}),
    Query("Asia/Kolkata", {"range": "today"}),
    Query("Asia/Kolkata", {"range": "last_month", "granularity": "week"}),
    Query("America/Los_Angeles", {"range": "today"}),  # 25 hours: 01:00 PDT, then 01:00 PST
    Query("America/Los_Angeles", {"range": "7d", "granularity": "hour"}),
    Query("America/Los_Angeles", {"range": "custom", "from": "2026-10-30", "to": "2026-11-01", "granularity": "day"}),
    Query("America/Los_Angeles", {"range": "30d", "granularity": "month"}),
]
SCOPES = {
    "app": ["a1"],
    "account": ["a1", "a2"],
    "tenant": ["a1", "a2", "b1"],
}


def _id(query: Query) -> str:
    return f"{query.zone}-" + "-".join(f"{value}" for value in query.params.values())


def _client(synced: Synced, zone: str) -> Client:
    Preferences.objects.update_or_create(user=synced.staff, defaults={"time_zone": zone, "language": "en"})
    return logged_in(synced.staff)


def _url(synced: Synced, scope: str) -> str:
    a1, account = synced.apps["a1"], synced.accounts["A"]
    if scope == "app":
        return reverse("usage:app_usage", args=[synced.acme.slug, account.pk, a1.pk])
    if scope == "account":
        return reverse("usage:account_usage", args=[synced.acme.slug, account.pk])
    return reverse("usage:tenant_usage", args=[synced.acme.slug])


def _first_difference(expected: list[dict[str, Any]], found: list[dict[str, Any]]) -> str:
    for n, (one, other) in enumerate(zip(expected, found, strict=False)):
        if one != other:
            return f"row {n}: expected {one}, found {other}"
    return f"{len(expected)} rows expected, {len(found)} found"


@pytest.fixture(autouse=True)
def _frozen(synced: Synced, db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(django_timezone, "now", lambda: NOW)
    with translation.override("en"):
        yield


@pytest.mark.parametrize("scope", list(SCOPES))
@pytest.mark.parametrize("query", CASES, ids=_id)
def test_page_fragment_csv_and_xlsx_say_what_the_sessions_say(synced: Synced, query: Query, scope: str) -> None:
    expected, totals = truth(synced, query, SCOPES[scope])
    client = _client(synced, query.zone)
    url = _url(synced, scope)
    for name, content in (
        ("CSV", from_csv(client.get(url, query.params | {"export": "csv"}).content)),
        ("XLSX", from_xlsx(client.get(url, query.params | {"export": "xlsx"}).content)),
    ):
        assert content[:-1] == expected, f"{name}: {_first_difference(expected, content[:-1])}"
        assert content[-1] == totals, f"{name} totals"
    for name, headers in (("page", {}), ("fragment", HTMX)):
        text = client.get(url, query.params, headers=headers).content.decode()
        if name == "fragment":
            assert text.lstrip().startswith('<section id="report"')
        rows, cards, shown = from_page(text)
        assert rows == expected[:400], f"{name}: {_first_difference(expected[:400], rows)}"
        assert shown == f"Rows 1\u2013{min(400, len(expected))} of {len(expected)}."
        for figure in ("duration", *COUNTS, "peak_users_at", "peak_channels_at", "cost"):
            assert cards.get(figure) == totals.get(figure), f"{name}: the {figure} card"


@pytest.mark.parametrize("query", CASES, ids=_id)
def test_the_staff_overview_gives_each_tenant_its_own_pages_figures(synced: Synced, query: Query) -> None:
    client = _client(synced, query.zone)
    text = client.get(reverse("staff:usage_overview"), query.params).content.decode()
    tenant_page = client.get(_url(synced, "tenant"), query.params).content.decode()
    _, cards, _ = from_page(tenant_page)
    for slug, scope in ((synced.acme.slug, SCOPES["tenant"]), (synced.harbor.slug, ["h1"])):
        row = text[text.index(f'data-tenant="{slug}"') :]
        row = row[: row.index("</tr>")]
        shown = {name: _number(value) for name, value in re.findall(r'data-figure="(\w+)">(.*?)</td>', row, re.S)}
        _, totals = truth(synced, query, scope)
        expected = {name: totals.get(name) for name in ("duration", "peak_users", "peak_channels", "cost")}
        assert shown == expected, slug
        if slug == synced.acme.slug:
            assert shown == {name: cards.get(name) for name in expected}


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_a_months_report_costs_what_its_statement_says(synced: Synced, granularity: str) -> None:
    query = Query("UTC", {"range": "last_month", "granularity": granularity})
    _, totals = truth(synced, query, SCOPES["tenant"])
    page = _client(synced, "UTC").get(_url(synced, "tenant"), query.params).content.decode()
    assert from_page(page)[1]["cost"] == totals["cost"]
    october = statement.of(synced.acme, date(2026, 10, 1), today=NOW.date())
    assert october.totals() == {"USD": totals["cost"]}
    assert sum(item.line.cost for item in october.lines) == totals["cost"]  # and the sum of its lines


def test_an_accounts_peak_is_the_vendors_figure_for_all_its_apps_at_once(synced: Synced) -> None:
    query = Query("UTC", {"range": "30d", "granularity": "day"})
    client = _client(synced, query.zone)
    account_page = client.get(_url(synced, "account"), query.params).content.decode()
    tenant_page = client.get(_url(synced, "tenant"), query.params).content.decode()
    rows, cards, _ = from_page(account_page)
    _, days = periods(query)
    summed = []
    for day in days:
        lo, hi = day.days[0]
        if lo > NOW:
            continue
        apps = [measured(synced.world, synced.apps[app].app_id, lo, hi) for app in ACCOUNT_APPS["A"]]
        summed.append(sum(m.peak_users for m in apps))
    shown = [row["peak_users"] for row in rows if row["peak_users"] is not None]
    assert len(shown) == len(summed) and all(exact <= bound for exact, bound in zip(shown, summed, strict=True))
    assert any(exact < bound for exact, bound in zip(shown, summed, strict=True))  # the sum was only a bound
    assert cards["peak_users"] <= max(summed)
    # One account wholly covered: the vendor's figure, said so; two accounts added: an upper bound.
    assert 'data-peak-basis="account"' in account_page and "vendor's own figures" in account_page
    assert 'data-peak-basis="sum"' in tenant_page and "upper bound" in tenant_page


def test_a_report_by_hour_and_one_by_day_over_the_backfills_first_day_agree(synced: Synced) -> None:
    """Every series' backfill starts at one midnight (usage.plan.backfill_start): before it, the
    hourly series began at the current hour, so the hours of the day before the first day were
    stored with no daily bucket, and a report by hour over it counted minutes the one by day did not."""
    first_day = (NOW + timedelta(days=1)).date() - timedelta(days=BACKFILL_DAYS)
    client = _client(synced, "UTC")
    url = _url(synced, "tenant")
    window = {"range": "custom", "from": f"{first_day - timedelta(days=2)}", "to": f"{first_day + timedelta(days=1)}"}
    totals = {
        granularity: from_csv(client.get(url, window | {"granularity": granularity, "export": "csv"}).content)[-1]
        for granularity in ("hour", "day")
    }
    assert totals["hour"]["duration"] == totals["day"]["duration"] > 0
    for tier in TIERS:
        assert totals["hour"][tier] == totals["day"][tier]
    for granularity in ("hour", "day"):  # the page's card says the same as its CSV
        _, cards, _ = from_page(client.get(url, window | {"granularity": granularity}).content.decode())
        assert cards["duration"] == totals[granularity]["duration"]
