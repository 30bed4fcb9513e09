"""Roll-ups of the daily samples for the pages over many apps (the staff overview).

`AccountDayUsage` adds up an account's apps per statistic and UTC day; `AppMonthUsage` keeps an
app's sum and busiest day per statistic and UTC month; `TenantDayUsage` adds up a tenant's
account-days, each account's peaks its own account-wide figure where stored; `TenantMonthUsage`
keeps the sum and the busiest day of a tenant's days per statistic and UTC month;
`AccountHourUsage` adds up an account's apps per statistic and UTC hour, for the last days'
hours only (HOURS_KEPT). At every commit each is the sum of the samples it stands for.

How each is kept:

- A daily window of an app (`kept`, around the write of its samples, in its transaction): the
  app's months are recomputed from its samples (or, where none of the window's days was stored
  before, given its days: `_add_app_months`); its account's and tenant's days get the
  difference the window made, new minus old figures of the app's days it covers, added in
  place (`INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x`, a missing day inserted),
  and the tenant's months likewise (`_add_months`: the busiest day by the days' new figures,
  read again from the days where one fell).
  Recomputing them re-added all the account's apps for every window of every app: a backfill
  of one account's N apps did work growing with N squared, one window at a time. The figures
  are integers (BigIntegerField), so a difference is exact. A tenant's day counts an
  account's own peak instead of its apps' where one is stored: there the window's difference
  leaves the tenant's figure alone, except when the window creates the account's day, which
  adds the own peak to the tenant's day (what the recompute's COALESCE(own peak, apps' sum)
  gives).
- An hourly window of an app (`kept` too): its account's hours get the difference, as a daily
  window's days do, for the hours from `hours_kept_since` on: a backfill's older hours add
  nothing (a 90-day backfill pays for 8 days of them). Readers take them for ranges from
  `hours_trusted_since` on (ranking._by_tenant_hours), else the samples; `prune_hours`, with
  the sync's plan, deletes the older ones. No tenant hours: a reader adds an account's own
  peaks for the hours it reads (a day of 100 accounts is 2,400 rows).
- A window of an account's own peaks (`refresh_account_peaks`): the tenant's days it touched,
  recomputed; an app or an account deleted (`rebuild_account`, `rebuild_tenant`) and the
  migrations and imports (`rebuild`): recomputed from the samples.

Concurrency on PostgreSQL (READ COMMITTED; SQLite runs one writer at a time). Every
transaction that writes roll-ups (a deletion's cascade included) first takes advisory locks
(PostgreSQL's lock manager, held to the commit), in one order: everything, the account, the
tenant. A window adding differences takes the three shared (an hourly one too, and writes
only its account's hours, in order of hour); a recompute of an account's days and hours, and
the writer of an account's own peaks, take the account's exclusive (`lock_account`) and then
the tenant's; a recompute of a tenant's days takes the tenant's; a rebuild of everything
takes everything exclusive; a deletion of an app or an account takes the account's exclusive
(`deleting`):

- Windows of several apps of an account, or of several accounts of a tenant, do not wait for
  each other on those locks. Where they touch the same days, the upsert's row lock orders them:
  each adds to the latest committed figure (ON CONFLICT DO UPDATE reads the current row, not
  the statement's snapshot), so no difference is lost. Each writes its days in one order,
  account days before tenant days, each by day (the days with an own peak, which all windows
  of the account see alike, inserted first where missing), then the tenant's months by month,
  and updates the account's row (its last sync, `sync.write_window`) only after them, so two
  cannot wait for each other.
- A recompute waits until the windows holding the locks commit, and windows asking after it
  queue behind it (the lock manager serves requests in order: a steady stream of windows does
  not starve it). A window that waits holds only its app's row, which no recompute touches; a
  recompute waiting for a tenant holds only its account, whose windows are queued. A window
  arriving during a recompute adds its difference to the recomputed figures. Its old figures
  are its own samples, written only by its series' windows, which one app's row update at the
  start of each orders. Own peaks are written under the account's exclusive lock, so a window
  sees them unchanged from its check to its commit.
- Row locks of the accounts and tenants served before (FOR UPDATE for recomputes, FOR KEY SHARE
  for windows), and CI and tests/scaleout/test_rollups.py met deadlocks with them (2026-12-01);
  their cycle was not pinned down (a recompute queued for a row's FOR UPDATE holds the row's
  tuple lock, which other lockers of the row may queue behind), and 21 runs of that code on
  2026-12-02 met none. No row of them is locked here now but by FOR KEY SHARE (the account
  row's own deletion waits for the commit), which no update of the row waits for.
- Deleting an app or an account (`deleting`, before Django's cascade) locks the account's apps'
  rows, then takes the account's lock exclusive, so the cascade never meets a window midway.
  Rebuilds lock no account or tenant row: a rebuild beside a deletion of one can fail at its
  commit (a day row of a deleted owner) and is run again; they run in migrations and imports.
- Whether a window created an account's day (for a day with an own peak) is what the insert
  `ON CONFLICT DO NOTHING RETURNING` says: of two windows adding the same missing day exactly
  one inserts it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Tenant
from vendors.base.types import Interval, UsagePoint

from .models import (
    TIER_FIELDS,
    AccountDayUsage,
    AccountHourUsage,
    AccountPeakSample,
    AppMonthUsage,
    Metric,
    TenantDayUsage,
    TenantMonthUsage,
    UsageSample,
)
from .samples import kept_values, one_series, series_range, tier_figures, time_adapter

DAY = int(Interval.DAY)
HOUR = int(Interval.HOUR)
# The accounts' hours are kept from HOURS_KEPT back (an hourly window of an older hour, a
# backfill's, adds nothing to them) and read for ranges from HOURS_TRUSTED back: an hour a
# reader trusts was younger than that at every write of it, so inside what its writer kept; the
# day between the two covers clocks apart. The staff overview's ranges by hour reach 6 days back
# (3 days and the 3 before them).
HOURS_KEPT = timedelta(days=8)
HOURS_TRUSTED = timedelta(days=7)


def hours_kept_since(now: datetime) -> datetime:
    """The first hour whose account figures a window writing now adds to."""
    return _hour(now) - HOURS_KEPT


def hours_trusted_since(now: datetime) -> datetime:
    """The first hour whose account figures a reader now may take (AccountHourUsage)."""
    return _hour(now) - HOURS_TRUSTED


@contextmanager
def kept(
    app: RtcApp, metric: str, interval: int, start: datetime, end: datetime, points: list[UsagePoint], now: datetime
) -> Iterator[bool]:
    """Keep the roll-ups of the samples of one series of `app` written inside: the window
    [start, end) and `points`, any the vendor answered outside it (in the transaction that
    writes them; samples are only added or overwritten, never deleted): the app's months
    recomputed (given the days, where none was stored), its account's and tenant's days given
    the difference; an hourly window's difference to its account's hours (`_hours_kept`;
    `now`, the window's clock, says which).
    Yields whether its look found none of the series' buckets stored where the points fall,
    all of them of the series (False where it did not look): samples.store's `none_stored`."""
    if interval != DAY:
        with _hours_kept(app, metric, interval, start, end, points, now) as none_stored:
            yield none_stored
        return
    first, last = _days(*_reach(start, end, points, DAY))
    tenant_pk = share_account(app.vendor_account_id)
    before = _app_buckets(app.pk, metric, DAY, first, last)
    yield not before and _of_series(points, metric, DAY)
    if before:
        after = _app_buckets(app.pk, metric, DAY, first, last)
        for month in _months(first, last):
            _app_month(app.pk, metric, month, next_month(month))
    else:
        # None of the days was stored (every daily window of a backfill): they now hold the
        # points' figures, and the app's months grow by them. Reading them back and summing
        # each month's samples again cost a backfill on PostgreSQL a fifth of the roll-ups'
        # share (docs/performance-history.md, the seventeenth pass).
        after = _figures(points, metric, DAY, first, last)
        _add_app_months(app.pk, metric, after)
    changes = _changes(before, after)
    if changes and tenant_pk is not None:
        _add_days(app.vendor_account_id, tenant_pk, metric, changes, first, last)


@contextmanager
def _hours_kept(
    app: RtcApp, metric: str, interval: int, start: datetime, end: datetime, points: list[UsagePoint], now: datetime
) -> Iterator[bool]:
    """The difference an hourly window makes to its account's hours, from `hours_kept_since(now)`
    on, added as a daily window adds its days' (`_add`), under the same shared lock of the account.
    Yields as `kept` does: True only where its look covered every point."""
    if interval != HOUR:
        yield False
        return
    reach_first, last = _hours(*_reach(start, end, points, HOUR))
    first = max(reach_first, hours_kept_since(now))
    if first >= last:
        yield False
        return
    if share_account(app.vendor_account_id) is None:
        yield False  # the account is gone: nothing to keep
        return
    before = _app_buckets(app.pk, metric, HOUR, first, last)
    yield not before and first == reach_first and _of_series(points, metric, HOUR)
    # None of the hours stored before: they hold the points' figures (see kept).
    after = _app_buckets(app.pk, metric, HOUR, first, last) if before else _figures(points, metric, HOUR, first, last)
    changes = _changes(before, after)
    if changes:
        _add(AccountHourUsage, app.vendor_account_id, metric, changes)


def _reach(start: datetime, end: datetime, points: list[UsagePoint], interval: int) -> tuple[datetime, datetime]:
    """Where a window's buckets begin and end: [start, end) and any point the vendor answered
    outside it (a backfill's hourly window holds 720 points: no arithmetic per point)."""
    if not points:
        return start, end
    moments = [point.timestamp for point in points]
    return min(start, min(moments)), max(end, max(moments) + timedelta(seconds=interval))


def prune_hours(now: datetime) -> int:
    """Delete the accounts' hours a day older than any window still adds to (hours_kept_since),
    which no reader takes. Without the roll-up locks and waiting for no row: on PostgreSQL a row
    another transaction holds (a recompute's or a deletion's, which delete in their own order)
    is skipped, left for the next prune, so this delete is never part of a deadlock."""
    before = time_adapter()(hours_kept_since(now) - timedelta(days=1))
    table = connection.ops.quote_name(AccountHourUsage._meta.db_table)
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    # Every statistic named: the (metric, hour) index then reads each one's old hours alone,
    # where "hour <" by itself read all of it (PostgreSQL 15 skips no leading column).
    metrics = [m.value for m in Metric]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} "
            f"WHERE metric IN ({', '.join(['%s'] * len(metrics))}) AND hour < %s{skip_locked})",
            [*metrics, before],
        )
        return cursor.rowcount


def refresh_account_peaks(account_pk: int, metric: str, interval: int, start: datetime, end: datetime) -> None:
    """Recompute the tenant's days a window of an account's own peak series touched (call after
    its samples are written, in the same transaction)."""
    if interval != DAY:
        return
    first, last = _days(start, end)
    tenant_pk = lock_account(account_pk)
    if tenant_pk is not None:
        _lock_tenant(tenant_pk)
        _tenant_days(tenant_pk, first, last, metric)


def rebuild_account(account_pk: int) -> None:
    """Every day and kept hour of an account and every day of its tenant again, from its samples
    (after one of its apps was deleted)."""
    with transaction.atomic():
        tenant_pk = lock_account(account_pk)
        if tenant_pk is None:
            return  # deleted with it
        _account_buckets(account_pk, AccountDayUsage)
        _account_buckets(account_pk, AccountHourUsage)
        _lock_tenant(tenant_pk)
        _tenant_days(tenant_pk, None, None, None)


def rebuild_tenant(tenant_pk: int) -> None:
    """Every day of a tenant again, from its accounts' days (after one of its accounts was deleted)."""
    with transaction.atomic():
        if _lock_tenant(tenant_pk):
            _tenant_days(tenant_pk, None, None, None)


def rebuild(*, tenants: bool = True, hours: bool = True) -> None:
    """Every roll-up again, from every sample (`tenants=False`, `hours=False`: all but the
    tenants' days, the accounts' hours, for the migrations that came before them)."""
    with transaction.atomic():
        _lock_everything()
        AccountDayUsage.objects.all().delete()
        AppMonthUsage.objects.all().delete()
        for account_pk in VendorAccount.objects.values_list("pk", flat=True):
            _account_buckets(account_pk, AccountDayUsage)
            if hours:
                _account_buckets(account_pk, AccountHourUsage)
        if tenants:
            rebuild_tenants()
        table, q = "usage_usagesample", connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MIN({q('timestamp')}), MAX({q('timestamp')}) FROM {table} WHERE {q('interval')} = %s", [DAY]
            )
            low, high = cursor.fetchone()
        if low is None:
            return
        low, high = (aware(low), aware(high))
        for month in _months(_day(low), _day(high) + timedelta(days=1)):
            _app_month(None, None, month, next_month(month))


def rebuild_hours() -> None:
    """Every account's kept hours again, from the samples (for the migration that added them)."""
    with transaction.atomic():
        _lock_everything()
        for account_pk in VendorAccount.objects.values_list("pk", flat=True):
            _account_buckets(account_pk, AccountHourUsage)


def rebuild_tenants(*, months: bool = True) -> None:
    """Every tenant's days and months again, from the accounts' days (which must be up to date);
    `months=False`: the days only, for the migration that came before the months."""
    with transaction.atomic():
        _lock_everything()
        _tenant_days(None, None, None, None, months=months)


def rebuild_tenant_months() -> None:
    """Every tenant's months again, from the tenants' days (which must be up to date)."""
    with transaction.atomic():
        _lock_everything()
        _tenant_months(None, None, None, None)


@receiver(pre_delete, sender=RtcApp)
@receiver(pre_delete, sender=VendorAccount)
def deleting(sender: object, instance: RtcApp | VendorAccount, **kwargs: object) -> None:
    """In the deleting transaction, before anything is deleted: the account's apps' rows FOR
    UPDATE in order of pk, then the account's roll-up lock. A deletion removes the samples and
    roll-up rows first and the apps' and the account's rows last; without this, a window
    holding its app's row (its first statement) waited for samples the deletion had removed
    while the deletion waited for that row: a deadlock. Windows now wait for the deletion at
    their first statement, holding nothing; every app of the account is locked, whichever is
    deleted, so that no window of another app holds its row while waiting for the account."""
    account_pk = instance.pk if isinstance(instance, VendorAccount) else instance.vendor_account_id
    list(RtcApp.objects.select_for_update().filter(vendor_account_id=account_pk).order_by("pk").values_list("pk"))
    lock_account(account_pk)


@receiver(post_delete, sender=RtcApp)
def app_deleted(sender: object, instance: RtcApp, **kwargs: object) -> None:
    """Its samples went with it (its own month roll-ups too): its account's and its tenant's
    days are sums without it, in the deleting transaction (the reports of whole accounts read
    the accounts' days: after the commit, a page would have shown the deleted app's minutes
    until a rebuild of its own committed, and kept that render for its version's sake).

    Django deletes the rows that only refer to others (samples, roll-ups) before the apps, and
    the apps before their account and tenant: when the account or the tenant goes too, their
    days are gone already and the rebuild finds nothing to write. It waits for the tenant's
    lock holding only this account's rows and lock, which no window of another account and
    no recompute of another account takes."""
    rebuild_account(instance.vendor_account_id)


@receiver(post_delete, sender=VendorAccount)
def account_deleted(sender: object, instance: VendorAccount, **kwargs: object) -> None:
    """Its days and own peaks went with it: its tenant's days are sums without it."""
    tenant_pk = instance.tenant_id
    transaction.on_commit(lambda: rebuild_tenant(tenant_pk))


# PostgreSQL advisory locks (two-int form: a class per kind of owner, the owner's pk), held to
# the end of the transaction. Windows take them shared, recomputes exclusive; every transaction
# takes them in one order: everything, then an account, then a tenant.
EVERYTHING, ACCOUNT, TENANT = 0x524F4C00, 0x524F4C01, 0x524F4C02
INT4 = 2**31 - 1  # a pk beyond it shares a key with a smaller one: more waiting, never less


def lock_account(account_pk: int) -> int | None:
    """Hold off windows of the account and other recomputes of it (the account's own peaks are
    written under this lock); its tenant, or None when the account is gone."""
    return _account(account_pk, "pg_advisory_xact_lock")


def _lock_tenant(tenant_pk: int) -> bool:
    table = connection.ops.quote_name(Tenant._meta.db_table)
    with connection.cursor() as cursor:
        everything = _lock(", pg_advisory_xact_lock_shared", EVERYTHING, "0")
        cursor.execute(
            f"SELECT id{everything}{_lock(', pg_advisory_xact_lock', TENANT, 'id')} FROM {table} WHERE id = %s",
            [tenant_pk],
        )
        return cursor.fetchone() is not None


def _lock_everything() -> None:
    """No window adds a difference, no recompute runs, meanwhile."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [EVERYTHING])


def share_account(account_pk: int) -> int | None:
    """Hold off recomputes of the account and of its tenant, not other windows; its tenant, or
    None when the account is gone."""
    return _account(account_pk, "pg_advisory_xact_lock_shared", tenant_too=True)


def _account(account_pk: int, function: str, *, tenant_too: bool = False) -> int | None:
    """The account's tenant, read with the advisory locks taken in order by the statement that
    reads it (PostgreSQL evaluates a select list left to right; no row, no lock). The row is
    read FOR KEY SHARE: the row's deletion, in flight, is waited for and then seen, or waits
    for the commit; it excludes no update of the row (every window writes the account's last
    sync)."""
    table = connection.ops.quote_name(VendorAccount._meta.db_table)
    locks = _lock(", pg_advisory_xact_lock_shared", EVERYTHING, "0") + _lock(", " + function, ACCOUNT, "id")
    if tenant_too:
        locks += _lock(", " + function, TENANT, "tenant_id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tenant_id{locks} FROM {table} WHERE id = %s{_key_share()}", [account_pk])
        found = cursor.fetchone()
    return found[0] if found else None


def _lock(function: str, kind: int, column: str) -> str:
    """`function` of the advisory lock (`kind`, the pk in `column` or a constant) in a select
    list; nothing on SQLite, which runs one writer at a time."""
    if connection.vendor != "postgresql":
        return ""
    return f"{function}({kind}, ({column} %% {INT4})::int)"


def _key_share() -> str:
    return " FOR KEY SHARE" if connection.vendor == "postgresql" else ""


Figures = tuple[int, ...]  # value, then the tiers' minutes (TIER_FIELDS)
FIGURE_COLUMNS = ("value", *TIER_FIELDS)


def _app_buckets(app_pk: int, metric: str, interval: int, first: datetime, last: datetime) -> dict[datetime, Figures]:
    """The app's figures of `metric` by `interval` in the buckets [first, last)."""
    q = connection.ops.quote_name
    figures = ", ".join(q(c) for c in FIGURE_COLUMNS)
    where, params = series_range(app_pk, metric, interval, first, last, last_included=False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q('timestamp')}, {figures} FROM {q(UsageSample._meta.db_table)} WHERE {where}",
            params,
        )
        return {aware(day): tuple(rest) for day, *rest in cursor.fetchall()}


def _of_series(points: list[UsagePoint], metric: str, interval: int) -> bool:
    return one_series(points) and points[0].metric.value == metric and int(points[0].interval) == interval


def _figures(
    points: list[UsagePoint], metric: str, interval: int, first: datetime, last: datetime
) -> dict[datetime, Figures]:
    """What `_app_buckets` reads of the series in [first, last) once `points` are stored where
    none of its buckets was (samples.store: a bucket twice keeps the last; no tiers are zeros)."""
    figures: dict[datetime, Figures] = {}
    for point in points:
        if point.metric.value == metric and int(point.interval) == interval and first <= point.timestamp < last:
            moment = point.timestamp  # keyed in UTC, as the database reads it back
            figures[moment if moment.tzinfo is UTC else moment.astimezone(UTC)] = (
                point.value,
                *tier_figures(point.duration),
            )
    return figures


def _add_app_months(app_pk: int, metric: str, new_days: dict[datetime, Figures]) -> None:
    """Add days new to the app (none of them stored before) to its months: their sums, and the
    busiest day the higher of the stored one and theirs; what `_app_month` would make of them."""
    months: dict[datetime, list[int]] = {}
    for day, (value, *tiers) in new_days.items():
        sums = months.setdefault(_day(day).replace(day=1), [0, value, *([0] * len(TIER_FIELDS))])
        sums[0] += value
        sums[1] = max(sums[1], value)  # the month's first day's value to start: MAX's, negative too
        for n, minutes in enumerate(tiers):
            sums[2 + n] += minutes
    _add_to_months(AppMonthUsage, "app_id", app_pk, metric, months)


def _changes(before: dict[datetime, Figures], after: dict[datetime, Figures]) -> dict[datetime, Figures]:
    """New minus old figures per day, in order of day: every day new to the app (its account's
    day may be new too, even at zero), every other day whose figures changed."""
    changes = {}
    nothing = (0,) * len(FIGURE_COLUMNS)
    for day in sorted(before.keys() | after.keys()):
        new, old = after.get(day, nothing), before.get(day)
        if old is None:
            changes[day] = new  # the backfill's case: nothing to take away
        elif new != old:
            changes[day] = tuple(n - o for n, o in zip(new, old, strict=True))
    return changes


def _add_days(
    account_pk: int, tenant_pk: int, metric: str, changes: dict[datetime, Figures], first: datetime, last: datetime
) -> None:
    """Add a window's changes to its account's days, then to its tenant's: where the account has
    its own peak of the day, the tenant's figure is that peak, counted once the account's day
    exists (the day the window creates), whatever the apps' figures."""
    own = _own_peaks(account_pk, metric, first, last)
    created = _create_days(AccountDayUsage, account_pk, metric, {d: c for d, c in changes.items() if d in own})
    _add(AccountDayUsage, account_pk, metric, {d: c for d, c in changes.items() if d not in created})
    tenant_changes = {}
    for day, (value, *tiers) in changes.items():
        if day in own:
            value = own[day] if day in created else 0
        tenant_changes[day] = (value, *tiers)
    _add_months(tenant_pk, metric, tenant_changes, _add(TenantDayUsage, tenant_pk, metric, tenant_changes, values=True))


def _add_months(tenant_pk: int, metric: str, changes: dict[datetime, Figures], now: dict[datetime, int]) -> None:
    """Add a window's changes of a tenant's days (`now`: their values after it) to the tenant's
    months, in order of month: their sums by difference, their busiest day the higher of the
    stored one and the window's days' new values. Where a day's value fell, the busiest day may
    be another one: the month's is read again from its days, after the month's row is locked
    (by the upsert), so by a statement that sees every transaction which wrote the month before;
    one still writing the tenant's days of the month takes the higher of that and its own days
    when it reaches the month's row, or reads the days again after this commits."""
    months: dict[datetime, list[int]] = {}
    fell: set[datetime] = set()
    for day, figures in changes.items():
        month = day.replace(day=1)
        sums = months.setdefault(month, [0, 0, *([0] * len(TIER_FIELDS))])  # total, busiest, tiers
        sums[0] += figures[0]
        for n, minutes in enumerate(figures[1:]):
            sums[2 + n] += minutes
        if figures[0] < 0:
            fell.add(month)
    for day, value in now.items():
        sums = months[day.replace(day=1)]
        sums[1] = max(sums[1], value)
    _add_to_months(TenantMonthUsage, "tenant_id", tenant_pk, metric, months)
    q = connection.ops.quote_name
    table = q(TenantMonthUsage._meta.db_table)
    adapt = time_adapter()
    with connection.cursor() as cursor:
        for month in sorted(fell):
            cursor.execute(
                f"UPDATE {table} SET busiest = COALESCE((SELECT MAX(value) FROM {q(TenantDayUsage._meta.db_table)} "
                "WHERE tenant_id = %s AND metric = %s AND day >= %s AND day < %s), 0) "
                "WHERE tenant_id = %s AND metric = %s AND month = %s",
                [tenant_pk, metric, adapt(month), adapt(next_month(month)), tenant_pk, metric, adapt(month)],
            )


def _add_to_months(
    model: type[AppMonthUsage] | type[TenantMonthUsage],
    owner: str,
    owner_pk: int,
    metric: str,
    months: dict[datetime, list[int]],
) -> None:
    """Add each month's [total, busiest, *tiers] to the owner's month, in order of month: sums
    added, the busiest day the higher of the stored one and this one (a missing month inserted)."""
    if not months:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    adapt = time_adapter()
    columns = ("total", "busiest", *TIER_FIELDS)
    higher = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    sets = [f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in columns if c != "busiest"]
    sets.append(f"busiest = {higher}({table}.busiest, excluded.busiest)")
    row = "(" + ", ".join(["%s"] * (3 + len(columns))) + ")"
    ordered = sorted(months)
    params: list[Any] = []
    for month in ordered:
        params += [owner_pk, metric, adapt(month), *months[month]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({owner}, metric, month, {', '.join(q(c) for c in columns)}) "
            f"VALUES {', '.join([row] * len(ordered))} "
            f"ON CONFLICT ({owner}, metric, month) DO UPDATE SET {', '.join(sets)}",
            params,
        )


def _own_peaks(account_pk: int, metric: str, first: datetime, last: datetime) -> dict[datetime, int]:
    q = connection.ops.quote_name
    adapt = time_adapter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q('timestamp')}, value FROM {q(AccountPeakSample._meta.db_table)} "
            f"WHERE vendor_account_id = %s AND {q('interval')} = %s AND metric = %s "
            f"AND {q('timestamp')} >= %s AND {q('timestamp')} < %s",
            [account_pk, DAY, metric, adapt(first), adapt(last)],
        )
        return {aware(day): value for day, value in cursor.fetchall()}


RollupModel = type[AccountDayUsage] | type[TenantDayUsage] | type[AccountHourUsage]
OWNER_COLUMNS: dict[RollupModel, str] = {
    AccountDayUsage: "vendor_account_id",
    TenantDayUsage: "tenant_id",
    AccountHourUsage: "vendor_account_id",
}
BUCKET_COLUMNS: dict[RollupModel, str] = {AccountDayUsage: "day", TenantDayUsage: "day", AccountHourUsage: "hour"}


def _create_days(model: RollupModel, owner_pk: int, metric: str, changes: dict[datetime, Figures]) -> set[datetime]:
    """Insert the days not stored yet with these figures; the days inserted (by this statement:
    a day another transaction inserts first is left to `_add`)."""
    if not changes:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(*_insert(model, owner_pk, metric, changes, f"DO NOTHING RETURNING {BUCKET_COLUMNS[model]}"))
        return {aware(day) for (day,) in cursor.fetchall()}


def _add(
    model: RollupModel, owner_pk: int, metric: str, changes: dict[datetime, Figures], *, values: bool = False
) -> dict[datetime, int]:
    """Add the changes to the days' figures, inserting a day not stored yet, in order of day;
    with `values`, the days' values after it (each the latest committed figure plus the change),
    else {} (read back and parsed for nothing, they were part of the 13 s of CPU a backfill's
    hourly windows first paid for the accounts' hours: docs/performance-history.md, the fifteenth pass)."""
    if not changes:
        return {}
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    add = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in FIGURE_COLUMNS)
    returning = f" RETURNING {BUCKET_COLUMNS[model]}, value" if values else ""
    with connection.cursor() as cursor:
        cursor.execute(*_insert(model, owner_pk, metric, changes, f"DO UPDATE SET {add}{returning}"))
        return {aware(day): value for day, value in cursor.fetchall()} if values else {}


def _insert(
    model: RollupModel, owner_pk: int, metric: str, changes: dict[datetime, Figures], on_conflict: str
) -> tuple[str, list[Any]]:
    q = connection.ops.quote_name
    adapt = time_adapter()
    owner, bucket = OWNER_COLUMNS[model], BUCKET_COLUMNS[model]
    columns = ", ".join(q(c) for c in (owner, "metric", bucket, *FIGURE_COLUMNS))
    days = sorted(changes)
    head = f"INSERT INTO {q(model._meta.db_table)} ({columns})"
    tail = f"ON CONFLICT ({q(owner)}, metric, {bucket}) {on_conflict}"
    if connection.vendor == "postgresql":
        # One array per column: the same short statement whatever the number of days (a VALUES
        # list of 10 parameters a day was converted anew by every window: a tenth of a daily
        # window's CPU), each as its literal's text (150 µs of the 300 a statement took went to
        # psycopg dumping lists). unnest keeps the arrays' order.
        figures = zip(*(changes[day] for day in days), strict=True)
        arrays = ", ".join(["%s::bigint[]"] * len(FIGURE_COLUMNS))
        texts = [array_literal(day.isoformat() for day in days), *(array_literal(c) for c in figures)]
        return (
            f"{head} SELECT %s, %s, day, {', '.join(q(c) for c in FIGURE_COLUMNS)} "
            f"FROM unnest(%s::timestamptz[], {arrays}) AS t(day, {', '.join(q(c) for c in FIGURE_COLUMNS)}) "
            f"ORDER BY day {tail}",
            [owner_pk, metric, *texts],
        )
    row = "(" + ", ".join(["%s"] * (3 + len(FIGURE_COLUMNS))) + ")"
    params: list[Any] = []
    for day in days:
        params += [owner_pk, metric, adapt(day), *changes[day]]
    return f"{head} VALUES {', '.join([row] * len(changes))} {tail}", params


def array_literal(items: Iterable[object]) -> str:
    """A PostgreSQL array's text ("{1,2,3}"), passed as one parameter and cast in the SQL
    (`%s::bigint[]`): psycopg dumps a list value by value in Python. For integers and ISO
    times, which hold no comma, brace, quote or space."""
    return "{" + ",".join(map(str, items)) + "}"


def _tenant_days(
    tenant_pk: int | None, first: datetime | None, last: datetime | None, metric: str | None, *, months: bool = True
) -> None:
    """A tenant's days (or every tenant's: None) from its accounts' days, as reports.combine_peaks
    combines them for a report of all its apps: per day, each account with stored days counts
    its own account-wide peak where stored for the day, else the sum of its apps' peaks; then
    the months they touch (unless `months` is False: the migration before there were any)."""
    q = connection.ops.quote_name
    adapt = time_adapter()
    where: list[str] = []
    params: list[Any] = []
    rollup_where: list[str] = []
    rollup_params: list[Any] = []
    if tenant_pk is not None:
        where.append("v.tenant_id = %s")
        params.append(tenant_pk)
        rollup_where.append("tenant_id = %s")
        rollup_params.append(tenant_pk)
    if metric is not None:
        where.append("d.metric = %s")
        params.append(metric)
        rollup_where.append("metric = %s")
        rollup_params.append(metric)
    if first is not None and last is not None:
        where.append("d.day >= %s AND d.day < %s")
        params += [adapt(first), adapt(last)]
        rollup_where.append("day >= %s AND day < %s")
        rollup_params += [adapt(first), adapt(last)]
    tiers = ", ".join(q(t) for t in TIER_FIELDS)
    sums = ", ".join(f"SUM(d.{q(t)})" for t in TIER_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM usage_tenantdayusage WHERE {' AND '.join(rollup_where) or '1 = 1'}", rollup_params)
        cursor.execute(
            f"""
            INSERT INTO usage_tenantdayusage (tenant_id, metric, day, value, {tiers})
            SELECT v.tenant_id, d.metric, d.day, SUM(COALESCE(o.value, d.value)), {sums}
            FROM usage_accountdayusage AS d
            JOIN credentials_vendoraccount AS v ON v.id = d.vendor_account_id
            LEFT JOIN usage_accountpeaksample AS o ON o.vendor_account_id = d.vendor_account_id
                AND o.{q("interval")} = %s AND o.{q("timestamp")} = d.day AND o.metric = d.metric
            WHERE {" AND ".join(where) or "1 = 1"}
            GROUP BY v.tenant_id, d.metric, d.day
            """,
            [DAY, *params],
        )
    if months:
        _tenant_months(tenant_pk, first, last, metric)


def _tenant_months(tenant_pk: int | None, first: datetime | None, last: datetime | None, metric: str | None) -> None:
    """A tenant's months (or every tenant's: None) that the days [first, last) touch (None: all)
    again from its days, which must be up to date."""
    q = connection.ops.quote_name
    adapt = time_adapter()
    days, months = q(TenantDayUsage._meta.db_table), q(TenantMonthUsage._meta.db_table)
    where: list[str] = []
    params: list[Any] = []
    if tenant_pk is not None:
        where.append("tenant_id = %s")
        params.append(tenant_pk)
    if metric is not None:
        where.append("metric = %s")
        params.append(metric)
    scope = " AND ".join(where) or "1 = 1"
    tiers = ", ".join(q(t) for t in TIER_FIELDS)
    sums = ", ".join(f"SUM({q(t)})" for t in TIER_FIELDS)
    with connection.cursor() as cursor:
        if first is None or last is None:
            cursor.execute(f"DELETE FROM {months} WHERE {scope}", params)
            cursor.execute(f"SELECT MIN(day), MAX(day) FROM {days} WHERE {scope}", params)
            low, high = cursor.fetchone()
            if low is None:
                return
            first, last = _day(aware(low)), _day(aware(high)) + timedelta(days=1)
        else:
            cursor.execute(
                f"DELETE FROM {months} WHERE {scope} AND month >= %s AND month < %s",
                [*params, adapt(first.replace(day=1)), adapt(last)],
            )
        for month in _months(first, last):
            cursor.execute(
                f"""
                INSERT INTO {months} (tenant_id, metric, month, total, busiest, {tiers})
                SELECT tenant_id, metric, %s, SUM(value), MAX(value), {sums} FROM {days}
                WHERE {scope} AND day >= %s AND day < %s
                GROUP BY tenant_id, metric
                """,
                [adapt(month), *params, adapt(month), adapt(next_month(month))],
            )


def _account_buckets(account_pk: int, model: type[AccountDayUsage] | type[AccountHourUsage]) -> None:
    """An account's days, or its kept hours (from `hours_kept_since`; the older ones deleted, as
    `prune_hours` would), again from its apps' samples."""
    q = connection.ops.quote_name
    hourly = model is AccountHourUsage
    bucket, moment = BUCKET_COLUMNS[model], f"s.{q('timestamp')}"
    tiers = ", ".join(q(t) for t in TIER_FIELDS)
    sums = ", ".join(f"SUM(s.{q(t)})" for t in TIER_FIELDS)
    # Every statistic named: PostgreSQL reads each app's buckets through the samples' key.
    metrics = [metric.value for metric in Metric]
    since = f" AND {moment} >= %s" if hourly else ""
    params: list[Any] = [account_pk, *metrics, HOUR if hourly else DAY]
    if hourly:
        params.append(time_adapter()(hours_kept_since(timezone.now())))
    table = q(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE vendor_account_id = %s", [account_pk])
        cursor.execute(
            f"""
            INSERT INTO {table} (vendor_account_id, metric, {bucket}, value, {tiers})
            SELECT a.vendor_account_id, s.metric, {moment}, SUM(s.value), {sums}
            FROM usage_usagesample AS s JOIN rtc_rtcapp AS a ON a.id = s.app_id
            WHERE a.vendor_account_id = %s AND s.metric IN ({", ".join(["%s"] * len(metrics))})
                AND s.{q("interval")} = %s{since}
            GROUP BY a.vendor_account_id, s.metric, {moment}
            """,
            params,
        )


def _app_month(app_pk: int | None, metric: str | None, month: datetime, following: datetime) -> None:
    """One month of one series (or of every app and statistic: both None)."""
    q = connection.ops.quote_name
    adapt = time_adapter()
    if app_pk is not None and metric is not None:
        where, params = series_range(app_pk, metric, DAY, month, following, last_included=False)
        rollup_where = ["month = %s", "app_id = %s", "metric = %s"]
        rollup_params: list[Any] = [adapt(month), app_pk, metric]
    else:
        where = f"{q('interval')} = %s AND {q('timestamp')} >= %s AND {q('timestamp')} < %s"
        params = [DAY, adapt(month), adapt(following)]
        rollup_where = ["month = %s"]
        rollup_params = [adapt(month)]
    tiers = ", ".join(q(t) for t in TIER_FIELDS)
    sums = ", ".join(f"SUM({q(t)})" for t in TIER_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM usage_appmonthusage WHERE {' AND '.join(rollup_where)}", rollup_params)
        cursor.execute(
            f"""
            INSERT INTO usage_appmonthusage (app_id, metric, month, total, busiest, {tiers})
            SELECT app_id, metric, %s, SUM(value), MAX(value), {sums}
            FROM usage_usagesample WHERE {where}
            GROUP BY app_id, metric
            """,
            [adapt(month), *params],
        )


def aware(moment: datetime | str) -> datetime:
    if isinstance(moment, str):  # SQLite's text: the same days for every app, each parsed once
        return _read_day(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _from_sqlite(text: str) -> datetime:
    return aware(datetime.fromisoformat(text))


_SQLITE_DAYS: dict[str, datetime] = {}
_read_day = kept_values(_SQLITE_DAYS, _from_sqlite)


def _days(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The UTC days [first, last) a window [start, end) touches."""
    return _day(start), _day(end - timedelta(microseconds=1)) + timedelta(days=1)


def _day(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time.min, UTC)


def _hours(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The UTC hours [first, last) a window [start, end) touches."""
    return _hour(start), _hour(end - timedelta(microseconds=1)) + timedelta(hours=1)


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def next_month(month: datetime) -> datetime:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def whole_months(start: datetime, end: datetime) -> list[datetime]:
    """The UTC months wholly inside [start, end): the ones a reader can take from AppMonthUsage."""
    month = start if start.day == 1 and start.time() == time.min else next_month(start.replace(day=1))
    month = month.replace(hour=0, minute=0, second=0, microsecond=0)
    found = []
    while next_month(month) <= end:
        found.append(month)
        month = next_month(month)
    return found


def around_months(start: datetime, end: datetime, months: list[datetime]) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) outside its whole UTC `months` (whole_months'): the days a
    reader of the month roll-ups still reads from the days; all of it without months."""
    if not months:
        return [(start, end)] if start < end else []
    spans = [(start, months[0]), (next_month(months[-1]), end)]
    return [(low, high) for low, high in spans if low < high]


@dataclass(frozen=True)
class SumPlan:
    """How to add up daily samples over a range with the month roll-ups' help (sums only: a
    busiest day cannot be taken away). A partial month the range covers mostly is read as its
    roll-up less its days outside the range: a month's row and a day or two of samples instead
    of the rest of its days (the overview's 30 days: 4,000 rows for 1,000 apps instead of 30,000)."""

    months: list[datetime]  # read from the month roll-ups, whole
    added: list[tuple[datetime, datetime]]  # spans read from the samples
    taken: list[tuple[datetime, datetime]]  # spans read from the samples and subtracted


def sum_plan(start: datetime, end: datetime, *, partial: Callable[[datetime], bool] = lambda month: True) -> SumPlan:
    """The SumPlan of [start, end) (UTC midnights); `partial(month)`: whether a month the range
    covers in part may be read as its roll-up less the rest (not one whose days fall into
    different price stretches inside the range, say)."""
    months = whole_months(start, end)
    added: list[tuple[datetime, datetime]] = []
    taken: list[tuple[datetime, datetime]] = []
    for low, high in around_months(start, end, months):
        while low < high:  # each month the span touches
            month = low.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            piece_end = min(high, next_month(month))
            rest = [(month, low), (piece_end, next_month(month))]
            rest = [(a, b) for a, b in rest if a < b]
            if sum((b - a for a, b in rest), timedelta()) < piece_end - low and partial(month):
                months.append(month)
                taken += rest
            else:
                added.append((low, piece_end))
            low = piece_end
    return SumPlan(sorted(months), added, taken)


def _months(first: datetime, last: datetime) -> Iterator[datetime]:
    """The UTC months the days from `first` up to `last` (excluded) touch."""
    month = first.replace(day=1)
    while month < last:
        yield month
        month = next_month(month)
