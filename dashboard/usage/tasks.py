"""Scheduled usage jobs (Huey). Schedules live here with defaults from settings; `sync_usage`
runs the same work by hand for people who prefer cron (the app lists: dashboard.rtc.tasks)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from dashboard.core.schedules import RETRIES, RETRY_BACKOFF, RETRY_DELAY, every
from dashboard.core.vendor_errors import stored_text
from dashboard.credentials.models import VendorAccount
from dashboard.ops.jobs import enqueue_many

from . import account_sync, observe, rollups, sync
from .plan import Window

log = logging.getLogger(__name__)


@db_periodic_task(every(settings.USAGE_SYNC_EVERY_MINUTES), name="usage.plan")
def plan_usage() -> int:
    waiting = sync.WaitingChains()
    now = timezone.now()  # one clock for both: a run across midnight starts every backfill on one day
    planned = enqueue_planned(sync.plan(now, waiting=waiting), account_sync.plan(now, waiting=waiting))
    rollups.prune_hours(now)
    return planned


def enqueue_planned(jobs: list[sync.SeriesJob], account_jobs: list[account_sync.AccountSeriesJob]) -> int:
    """Queue the first window of every planned series, all at once."""
    enqueue_many(
        [sync_series_window.s(job.app_pk, job.metric, job.interval, job.windows) for job in jobs]
        + [sync_account_window.s(job.account_pk, job.metric, job.interval, job.windows) for job in account_jobs]
    )
    return len(jobs) + len(account_jobs)


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, context=True, name=sync.WINDOW_JOB)
def sync_series_window(
    app_pk: int,
    metric: str,
    interval: int,
    windows: tuple[tuple[str, str], ...],
    task: object = None,
    follows: bool = False,
) -> int:
    """The first window of a series; on success the rest follow as the next job, which
    `follows` this one (it moves the cursor only from where this one left it)."""
    (start, end), rest = windows[0], tuple(windows[1:])
    window = Window(datetime.fromisoformat(start), datetime.fromisoformat(end))
    follower = sync_series_window.s(app_pk, metric, interval, rest, follows=True) if rest else None
    try:
        sync.say_alive(app_pk, metric, interval)
        stored = sync.run_series_window(
            app_pk, metric, interval, window, follows=follows, ends_chain=not rest, follower=follower
        )
    except Exception as error:
        if not getattr(task, "retries", 0):  # the last attempt: the next schedule plans it again
            sync.finish_chain(app_pk, metric, interval, stored_text(error))
        raise
    if stored is None:  # the app is gone (deleted with its account?): so is its chain
        return 0
    if follower is not None:
        HUEY.enqueue(follower)  # its pending row was written with the window (sync.write_window)
    return stored


@db_task(
    retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, context=True, name=account_sync.WINDOW_JOB
)
def sync_account_window(
    account_pk: int,
    metric: str,
    interval: int,
    windows: tuple[tuple[str, str], ...],
    task: object = None,
    follows: bool = False,
) -> int:
    """The first window of an account-wide peak series; on success the rest follow as the next
    job, which `follows` this one (as sync_series_window's)."""
    (start, end), rest = windows[0], tuple(windows[1:])
    window = Window(datetime.fromisoformat(start), datetime.fromisoformat(end))
    follower = sync_account_window.s(account_pk, metric, interval, rest, follows=True) if rest else None
    try:
        account_sync.say_alive(account_pk, metric, interval)
        stored = account_sync.run_window(
            account_pk, metric, interval, window, follows=follows, ends_chain=not rest, follower=follower
        )
    except Exception as error:
        if not getattr(task, "retries", 0):  # the last attempt: the next schedule plans it again
            account_sync.finish_chain(account_pk, metric, interval, stored_text(error))
        raise
    if stored is None:  # the account is gone, or the vendor refused for good: so is the chain
        return 0
    if follower is not None:
        HUEY.enqueue(follower)  # its pending row was written with the window (account_sync.run_window)
    return stored


def plan_account(account: VendorAccount) -> int:
    """Backfill an account right away (after it is added or its credentials change)."""
    apps = [app for app in sync.syncable_apps() if app.vendor_account_id == account.pk]
    waiting, now = sync.WaitingChains(), timezone.now()
    jobs = sync.plan(now, apps=apps, waiting=waiting)
    whole = [found for found in account_sync.syncable_accounts() if found.pk == account.pk]
    return enqueue_planned(jobs, account_sync.plan(now, accounts=whole, waiting=waiting))


@db_periodic_task(crontab(minute="7"), name="usage.observe")
def observe_usage() -> int:
    """Every hour: the observed series of every polled app, yesterday and today (UTC) again."""
    return observe.observe_recent(timezone.now())
