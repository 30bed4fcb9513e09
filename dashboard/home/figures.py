"""What the home page shows of each tenant, read from the database in a few grouped queries
whatever the number of tenants (no vendor is called).

Every figure is computed by the function of the page it links to, so the two agree: live
channels and members by `live.summary.live_by_account` (the channel list), minutes by
`usage.reports.days_by` and `figures()` (the usage report of those UTC days), sync lag by
`usage.coverage.lagging` (the account page and the reports), recordings needing attention by
`recordings.watchdog.needs_attention` and running ones by the recordings filter's "not over
yet" (the recordings list).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet

from dashboard.credentials.models import CheckOutcome, VendorAccount
from dashboard.live.models import Channel
from dashboard.live.summary import LiveNow, live_by_account
from dashboard.mixing.models import RUNNING_TASKS, MixingTask
from dashboard.recordings import watchdog
from dashboard.recordings.filters import STATES
from dashboard.recordings.models import Recording
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Tenant
from dashboard.usage import coverage, reports
from dashboard.usage.models import TIER_FIELDS, Metric, SyncCursor

from .alerts import OpenAlert, open_alerts

WEEK = 7


@dataclass
class Minutes:
    """Billed minutes of UTC days, as the vendor counts them: today so far, yesterday, and the
    seven days before today (the average is their total over seven)."""

    today: date
    today_minutes: int = 0
    yesterday_minutes: int = 0
    week_minutes: int = 0

    @property
    def yesterday(self) -> date:
        return self.today - timedelta(days=1)

    @property
    def week_start(self) -> date:
        return self.today - timedelta(days=WEEK)

    @property
    def week_average(self) -> int:
        return round(self.week_minutes / WEEK)


@dataclass
class AccountState:
    account: VendorAccount
    live: LiveNow
    check_failed: bool = False
    blocked: bool = False
    blocked_apps: int = 0
    lag: timedelta | None = None  # more than coverage.BEHIND behind

    @property
    def needs_attention(self) -> bool:
        return self.check_failed or self.blocked or bool(self.blocked_apps) or self.lag is not None


@dataclass
class TenantFigures:
    tenant: Tenant
    minutes: Minutes
    accounts: list[AccountState] = field(default_factory=list)
    attention: int = 0  # recordings the watchdog flags
    running_recordings: int = 0
    running_pushes: int = 0
    alerts: list[OpenAlert] = field(default_factory=list)

    @property
    def live_channels(self) -> int:
        return sum(state.live.channels for state in self.accounts)

    @property
    def live_members(self) -> int:
        return sum(state.live.members for state in self.accounts)

    @property
    def troubled_accounts(self) -> list[AccountState]:
        return [state for state in self.accounts if state.needs_attention]

    @property
    def severity(self) -> tuple[int, int, int]:
        """Worst first: open alerts, then accounts in trouble, then recordings needing attention."""
        return (len(self.alerts), len(self.troubled_accounts), self.attention)


def for_tenants(tenants: Sequence[Tenant], now: datetime) -> list[TenantFigures]:
    """Each tenant's figures but its minutes (`with_minutes`), worst first (then the busiest, by
    members live now; then by name)."""
    pks = [tenant.pk for tenant in tenants]
    today = now.astimezone(UTC).date()
    found = {tenant.pk: TenantFigures(tenant, Minutes(today)) for tenant in tenants}

    accounts = list(
        VendorAccount.objects.filter(tenant_id__in=pks).only(
            "tenant_id", "vendor", "label", "enabled", "last_check_outcome", "sync_blocked"
        )
    )
    # Filtered by account, not tenant: one join fewer on tables of millions of rows.
    account_pks = [account.pk for account in accounts]
    live = live_by_account(Channel.objects.filter(app__vendor_account_id__in=account_pks))
    blocked_apps = dict(
        RtcApp.objects.filter(vendor_account_id__in=account_pks, sync_blocked=True)
        .values_list("vendor_account")
        .annotate(count=Count("pk"))
        .order_by()
    )
    lagging = coverage.lagging(SyncCursor.objects.filter(app__vendor_account_id__in=account_pks), now)
    for account in accounts:
        state = AccountState(account, live.get(account.pk, LiveNow()))
        if account.enabled:  # a disabled account is never called: nothing of it can go wrong
            state.check_failed = account.last_check_outcome == CheckOutcome.FAILED
            state.blocked = account.sync_blocked
            state.blocked_apps = 0 if account.sync_blocked else blocked_apps.get(account.pk, 0)
            state.lag = None if account.sync_blocked else lagging.get(account.pk)
        found[account.tenant_id].accounts.append(state)

    recordings = Recording.objects.filter(tenant_id__in=pks)
    for tenant_pk, count in _per_tenant(recordings.filter(watchdog.needs_attention(now)), "tenant"):
        found[tenant_pk].attention = count
    for tenant_pk, count in _per_tenant(recordings.filter(STATES["active"]), "tenant"):
        found[tenant_pk].running_recordings = count
    pushes = MixingTask.objects.filter(RUNNING_TASKS, channel__app__vendor_account_id__in=account_pks)
    for tenant_pk, count in _per_tenant(pushes, "channel__app__vendor_account__tenant"):
        found[tenant_pk].running_pushes = count
    for tenant_pk, alerts in open_alerts(pks).items():
        found[tenant_pk].alerts = alerts

    return sorted(found.values(), key=lambda f: (tuple(-n for n in f.severity), -f.live_members, f.tenant.name))


def _per_tenant(rows: QuerySet[Any], tenant_path: str) -> list[tuple[int, int]]:
    return list(rows.values_list(tenant_path).annotate(count=Count("pk")).order_by())


def with_minutes(shown: Sequence[TenantFigures]) -> None:
    """Fill in the minutes of the tenants shown (a page of the ranking, which does not need
    them): the usage report's total minutes (figures()) of the same UTC days, per tenant.
    Minutes are the costliest figure (every app's samples), so only shown rows pay for them."""
    if not shown:
        return
    found = {f.tenant.pk: f for f in shown}
    today = shown[0].minutes.today
    apps = RtcApp.objects.filter(vendor_account_id__in=[s.account.pk for f in shown for s in f.accounts])
    tiers = list(TIER_FIELDS)
    per_tenant = reports.days_by(
        "app__vendor_account__tenant", today - timedelta(days=WEEK), today, metric=Metric.DURATION, apps=apps
    )
    for tenant_pk, days in per_tenant.items():
        if tenant_pk not in found:
            continue
        by_day: dict[date, list[reports.Bucket]] = defaultdict(list)
        for bucket in days:
            by_day[bucket.start.date()].append(bucket)
        minutes = found[tenant_pk].minutes
        week = [bucket for day, buckets in by_day.items() if day < today for bucket in buckets]
        minutes.today_minutes = reports.figures(by_day[today], tiers, single_app=False)["duration"]
        minutes.yesterday_minutes = reports.figures(by_day[minutes.yesterday], tiers, single_app=False)["duration"]
        minutes.week_minutes = reports.figures(week, tiers, single_app=False)["duration"]
