"""The account-wide peak series: for vendors that answer for a whole account at once
(Capability.ACCOUNT_USAGE), the peaks of every app together, fetched and stored like the
apps' series (windows from a cursor, upserted, one window after another per series).

A sum of the apps' peaks only bounds the account's combined peak; this series is the
vendor's own figure, which the reports use when they cover every app of the account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from dashboard.core.prepared import prepared
from dashboard.core.vendor_errors import stored_text
from dashboard.credentials.blocking import BLOCKING_ERRORS, unblocked
from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount
from dashboard.ops.jobs import QueuedTask, pending_written_now
from vendors.base.errors import is_transient
from vendors.base.provider import Capability
from vendors.base.types import Interval, UsageMetric
from vendors.base.windows import floor_to

from . import rollups
from .models import PEAK_METRICS, AccountPeakCursor, AccountPeakSample
from .plan import INTERVALS, Window, max_span
from .samples import write_turn
from .sync import WaitingChains, chain_alive, due_windows, hear_from

log = logging.getLogger(__name__)


WINDOW_JOB = "usage.account_window"  # the Huey name of tasks.sync_account_window


@dataclass(frozen=True)
class AccountSeriesJob:
    account_pk: int
    metric: str
    interval: int
    windows: tuple[tuple[str, str], ...]  # ISO start/end pairs, in order


def syncable_accounts() -> list[VendorAccount]:
    """Enabled, unblocked accounts whose vendor reports usage for the whole account."""
    accounts = VendorAccount.objects.filter(enabled=True, sync_blocked=False)
    return [a for a in accounts if a.vendor_known and a.info.can(Capability.ACCOUNT_USAGE)]


def plan(
    now: datetime | None = None, accounts: list[VendorAccount] | None = None, waiting: WaitingChains | None = None
) -> list[AccountSeriesJob]:
    """One job per account peak series with something to fetch and no live chain; marks them running."""
    now = now or timezone.now()
    jobs = []
    backfill = timedelta(days=settings.USAGE_BACKFILL_DAYS)
    overlap = timedelta(hours=settings.USAGE_OVERLAP_HOURS)
    waiting = WaitingChains() if waiting is None else waiting
    for account in accounts if accounts is not None else syncable_accounts():
        span = max_span(account.info)
        cursors = {(c.metric, c.interval): c for c in AccountPeakCursor.objects.filter(vendor_account=account)}
        for metric in PEAK_METRICS:
            for interval in INTERVALS:
                cursor = cursors.get((metric.value, int(interval)))
                key = (account.pk, metric.value, int(interval))
                if chain_alive(cursor, now=now, waiting=waiting, job_name=WINDOW_JOB, key=key):
                    continue
                found = due_windows(cursor, now=now, interval=interval, backfill=backfill, overlap=overlap, span=span)
                if not found:
                    if cursor and cursor.chain_started_at:
                        AccountPeakCursor.objects.filter(pk=cursor.pk).update(chain_started_at=None)
                    continue
                AccountPeakCursor.objects.update_or_create(
                    vendor_account=account,
                    metric=metric.value,
                    interval=int(interval),
                    defaults={"chain_started_at": now},
                )
                jobs.append(
                    AccountSeriesJob(
                        account.pk,
                        metric.value,
                        int(interval),
                        tuple((w.start.isoformat(), w.end.isoformat()) for w in found),
                    )
                )
    return jobs


def say_alive(account_pk: int, metric: str, interval: int) -> None:
    """A window job starts: its chain says it is alive (sync.hear_from)."""
    hear_from(AccountPeakCursor, [news for each, *news in _CHAIN_NEWS.rows(account_pk, metric) if each == interval])


_CHAIN_NEWS = prepared(  # both granularities: see sync._CHAIN_NEWS
    lambda account, metric: AccountPeakCursor.objects.filter(vendor_account_id=account, metric=metric).values_list(
        "interval", "pk", "chain_started_at", "last_run_at"
    )
)


def run_window(
    account_pk: int,
    metric: str,
    interval: int,
    window: Window,
    *,
    follows: bool = False,
    ends_chain: bool = False,
    follower: QueuedTask | None = None,
) -> int | None:
    """Fetch and store one window of an account's peak series; move its cursor. The rows
    stored, or None when the chain ends here: the account is gone, or the vendor refused for
    good (noted on the cursor).

    Transient vendor errors are raised for a retry. A permanent one ends the chain: its next
    windows would ask again and be refused again, and stopping the account is left to its apps'
    series, which meet the error too (an app's series blocks the app: its next windows do
    nothing). `ends_chain` and `follower` as for an app's series (sync.run_series_window): the
    chain's last window ends it, and its next job's pending row is written, in the window's
    own transaction.
    """
    account = VendorAccount.objects.filter(pk=account_pk).first()
    if account is None:
        return None
    if account.sync_blocked or not account.enabled:
        if ends_chain:
            finish_chain(account_pk, metric, interval)
        return 0
    try:
        with provider_for(account, interactive=False) as provider:
            points = provider.account_usage(UsageMetric(metric), Interval(interval), window.start, window.end)
    except BLOCKING_ERRORS as error:
        defaults: dict[str, object] = {"last_error": stored_text(error)}
        if not is_transient(error):
            defaults["chain_started_at"] = None
        AccountPeakCursor.objects.update_or_create(
            vendor_account=account, metric=metric, interval=interval, defaults=defaults
        )
        if is_transient(error):
            raise
        return None
    now = timezone.now()
    reached = min(floor_to(now, interval), window.end)
    rows = {
        point.timestamp: AccountPeakSample(
            vendor_account=account,
            metric=metric,
            interval=interval,
            timestamp=point.timestamp,
            value=point.value,
            peak_time=point.peak_time,
        )
        for point in points
    }
    with write_turn(), transaction.atomic():
        # Daily peaks change the tenant's days: no window of the account meanwhile. Hourly ones
        # change no roll-up, but share the lock like a window, so that a deletion of the
        # account takes it first (usage.rollups.deleting).
        lock = rollups.lock_account if interval == rollups.DAY else rollups.share_account
        if lock(account.pk) is None:
            return None  # deleted meanwhile, its cursor with it
        AccountPeakSample.objects.bulk_create(
            list(rows.values()),
            update_conflicts=True,
            unique_fields=["vendor_account", "interval", "timestamp", "metric"],
            update_fields=["value", "peak_time"],
        )
        # The tenant's days (the staff overview's figures) count the account's own peaks.
        rollups.refresh_account_peaks(
            account.pk,
            metric,
            interval,
            min([window.start, *rows]),
            max([window.end, *(moment + timedelta(seconds=interval) for moment in rows)]),
        )
        cursor, _ = AccountPeakCursor.objects.select_for_update().get_or_create(
            vendor_account=account, metric=metric, interval=interval
        )
        # Only over stored buckets: a window that follows its chain's previous one only from it
        # (sync.write_window says why).
        joins = not follows or (cursor.synced_until is not None and cursor.synced_until >= window.start)
        if joins and (cursor.synced_until is None or reached > cursor.synced_until):
            cursor.synced_until = reached
        cursor.last_run_at = now
        cursor.last_error = ""
        if ends_chain:
            cursor.chain_started_at = None
        cursor.save()
        if follower is not None:
            pending_written_now(follower)
    return len(rows)


def refusal(account_pk: int, metric: str, interval: int) -> str:
    """What the vendor said when it refused a window of the series for good (run_window returned
    None), or "" when the chain ended because the account is gone (its cursor with it)."""
    found = AccountPeakCursor.objects.filter(vendor_account_id=account_pk, metric=metric, interval=interval)
    return found.values_list("last_error", flat=True).first() or ""


def finish_chain(account_pk: int, metric: str, interval: int, error: str = "") -> None:
    updates: dict[str, object] = {"chain_started_at": None}
    if error:
        updates["last_error"] = error
    AccountPeakCursor.objects.filter(vendor_account_id=account_pk, metric=metric, interval=interval).update(**updates)


@receiver(unblocked)
def plan_again(sender: object, account: VendorAccount | None = None, **kwargs: object) -> None:
    """The account's stop is lifted: chains cut short by it would wait out their timeout."""
    if account is not None:
        AccountPeakCursor.objects.filter(vendor_account=account).update(chain_started_at=None)
