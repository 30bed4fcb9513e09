"""Daily and hourly windows and account-wide peaks written as the syncs write them, with figures drawn
from a seeded generator, and the roll-ups read back: for the roll-up tests on SQLite and on
PostgreSQL (tests/scaleout/rollup_writers.py)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from dashboard.usage import rollups, sync
from dashboard.usage.models import (
    TIER_FIELDS,
    AccountDayUsage,
    AccountHourUsage,
    AccountPeakSample,
    AppMonthUsage,
    TenantDayUsage,
    TenantMonthUsage,
)
from dashboard.usage.plan import Window
from vendors.base.types import DurationBreakdown, Interval, UsageMetric, UsagePoint

DAY = 86400


def write_days(app: RtcApp, metric: str, start: datetime, low: int, high: int, rng: random.Random) -> None:
    """One daily window of the app, days `low` to `high` from `start`, with figures drawn anew
    (some at zero), as the sync writes it."""
    _write_window(app, metric, Interval.DAY, start, low, high, rng, largest=10**6)


def write_hours(app: RtcApp, metric: str, start: datetime, low: int, high: int, rng: random.Random) -> None:
    """One hourly window of the app, hours `low` to `high` from `start`, likewise."""
    _write_window(app, metric, Interval.HOUR, start, low, high, rng, largest=10**4)


def _write_window(
    app: RtcApp, metric: str, interval: Interval, start: datetime, low: int, high: int, rng: random.Random, largest: int
) -> None:
    step = timedelta(seconds=int(interval))
    window = Window(start + low * step, start + high * step)
    points = []
    for bucket in range(low, high):
        minutes = [rng.choice([0, rng.randrange(largest)]) for _ in TIER_FIELDS]
        duration = DurationBreakdown(*minutes, total=sum(minutes)) if metric == "duration" else None
        value = sum(minutes) if duration else rng.choice([0, rng.randrange(500)])
        points.append(UsagePoint(UsageMetric(metric), interval, start + bucket * step, value, None, duration))
    sync.write_window(app, metric, int(interval), window, points, reached=window.end, now=timezone.now())


def write_own_peaks(account: VendorAccount, start: datetime, low: int, high: int, rng: random.Random) -> None:
    """An account's own peak users of the days, written as the account-peak sync writes them:
    under the account's roll-up lock, the tenant's days refreshed in the same transaction."""
    with transaction.atomic():
        rollups.lock_account(account.pk)
        for day in range(low, high):
            AccountPeakSample.objects.update_or_create(
                vendor_account=account,
                metric="peak_users",
                interval=DAY,
                timestamp=start + timedelta(days=day),
                defaults={"value": rng.randrange(300)},
            )
        end = start + timedelta(days=high)
        rollups.refresh_account_peaks(account.pk, "peak_users", DAY, start + timedelta(days=low), end)


def rollup_rows() -> tuple[dict, dict, dict, dict, dict]:
    """Every account day, app month, tenant day, tenant month and account hour with its figures."""
    return (
        {
            (r.vendor_account_id, r.metric, r.day): (r.value, *(getattr(r, t) for t in TIER_FIELDS))
            for r in AccountDayUsage.objects.all()
        },
        {
            (r.app_id, r.metric, r.month): (r.total, r.busiest, *(getattr(r, t) for t in TIER_FIELDS))
            for r in AppMonthUsage.objects.all()
        },
        {
            (r.tenant_id, r.metric, r.day): (r.value, *(getattr(r, t) for t in TIER_FIELDS))
            for r in TenantDayUsage.objects.all()
        },
        tenant_months(),
        account_hours(),
    )


def account_hours() -> dict[tuple, tuple]:
    return {
        (r.vendor_account_id, r.metric, r.hour): (r.value, *(getattr(r, t) for t in TIER_FIELDS))
        for r in AccountHourUsage.objects.all()
    }


def tenant_months() -> dict[tuple, tuple]:
    return {
        (r.tenant_id, r.metric, r.month): (r.total, r.busiest, *(getattr(r, t) for t in TIER_FIELDS))
        for r in TenantMonthUsage.objects.all()
    }


def tenant_months_of(days: dict[tuple, tuple]) -> dict[tuple, tuple]:
    """Tenant months made from tenant days ((tenant, metric, day) -> (value, *tiers)): the sum,
    the busiest day's value and the tiers' sums."""
    found: dict[tuple, list] = {}
    for (tenant, metric, day), (value, *tiers) in days.items():
        figures = found.setdefault((tenant, metric, day.replace(day=1)), [0, 0, *([0] * len(TIER_FIELDS))])
        figures[0] += value
        figures[1] = max(figures[1], value)
        for n, minutes in enumerate(tiers):
            figures[2 + n] += minutes
    return {key: tuple(value) for key, value in found.items()}
