"""Scheduled live-channel jobs (Huey).

Huey's periodic tasks fire at most once a minute, so the minute's planner queues one poll
job per account for every poll interval within the minute (at 0 s and 30 s by default).
A job polls only the channels whose last poll is an interval old, and holds a per-account
lock, so a slow vendor or a late job never polls a channel twice at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from dashboard.core.schedules import every
from dashboard.credentials.blocking import BLOCKING_ERRORS, block_unless_transient
from dashboard.credentials.models import VendorAccount
from vendors.base.provider import Capability

from .discovery import discover
from .models import Snapshot
from .poll import PollSummary, can_poll, due_channels, poll_due

log = logging.getLogger(__name__)
# Polls jump the queue: a backfill of thousands of usage windows must not delay who-is-in-a-channel.
POLL_PRIORITY = 100


def pollable_accounts() -> list[VendorAccount]:
    return [account for account in VendorAccount.objects.filter(enabled=True, sync_blocked=False) if can_poll(account)]


@db_periodic_task(crontab(), name="live.plan", priority=POLL_PRIORITY)
def plan_live_polls() -> int:
    """Every minute: queue the polls of the coming minute for accounts with live or watched channels."""
    interval = max(1, settings.LIVE_POLL_SECONDS)
    queued = 0
    for account in pollable_accounts():
        if not due_channels(account, timezone.now() + timedelta(seconds=60)).exists():
            continue
        for offset in range(0, 60, interval):
            poll_account.schedule((account.pk,), delay=offset)
            queued += 1
    return queued


@db_task(name="live.poll", priority=POLL_PRIORITY)
def poll_account(account_pk: int) -> PollSummary:
    account = VendorAccount.objects.filter(pk=account_pk).first()
    if account is None:
        log.info("channels of account %s not polled: the account is gone", account_pk)
        return PollSummary()
    try:
        with HUEY.lock_task(f"live.poll.{account_pk}"):
            return poll_due(account)
    except TaskLockedException:
        return PollSummary()  # the previous poll of this account is still running


@db_periodic_task(every(settings.LIVE_DISCOVERY_EVERY_MINUTES), name="live.discover")
def discover_all() -> int:
    accounts = [account for account in pollable_accounts() if account.info.can(Capability.CHANNEL_RECORDS)]
    for account in accounts:
        discover_account(account.pk)
    return len(accounts)


@db_task(retries=2, retry_delay=30, name="live.discover_account", priority=POLL_PRIORITY)
def discover_account(account_pk: int) -> None:
    account = VendorAccount.objects.filter(pk=account_pk).first()
    if account is None:
        log.info("channels of account %s not discovered: the account is gone", account_pk)
        return
    try:
        discover(account)
    except BLOCKING_ERRORS as error:
        block_unless_transient(account, error)


@db_periodic_task(crontab(minute="17", hour="3"), name="live.prune")
def prune_snapshots() -> int:
    """Polls older than LIVE_SNAPSHOT_DAYS go; join and leave events stay."""
    cutoff = timezone.now() - timedelta(days=settings.LIVE_SNAPSHOT_DAYS)
    deleted, _ = Snapshot.objects.filter(observed_at__lt=cutoff).delete()
    return deleted
