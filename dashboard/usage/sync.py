"""Fetch one window of one statistic of one app and upsert it; plan and chain windows per series.

Each window is one small idempotent job: the rows are upserted on (app, metric, interval,
timestamp), so a retried or duplicated job changes nothing. Windows of one series run one
after another, so the cursor only ever moves over stored buckets.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field
from django.dispatch import receiver
from django.utils import timezone

from dashboard.core.prepared import prepared
from dashboard.core.vendor_errors import stored_text
from dashboard.credentials.blocking import BLOCKING_ERRORS, block, unblocked
from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount
from dashboard.ops.jobs import QueuedTask, pending_written_now, waiting_jobs
from dashboard.rtc.models import RtcApp
from vendors.base.errors import is_transient
from vendors.base.provider import Capability
from vendors.base.types import Interval, UsageMetric, UsagePoint
from vendors.base.windows import floor_to

from . import rollups
from .models import AccountPeakCursor, SyncCursor
from .plan import Window, max_span, series, windows
from .samples import store, time_adapter, write_turn

log = logging.getLogger(__name__)


WINDOW_JOB = "usage.window"  # the Huey name of an app series' window job (tasks.sync_series_window)


@dataclass(frozen=True)
class SeriesJob:
    app_pk: int
    metric: str
    interval: int
    windows: tuple[tuple[str, str], ...]  # ISO start/end pairs, in order


def chain_timeout() -> timedelta:
    """A chain not heard from for this long is presumed dead (its worker was killed) and planned
    again, unless its next job still waits to run (chain_alive)."""
    return timedelta(minutes=settings.USAGE_CHAIN_TIMEOUT_MINUTES)


def _last_news(started: datetime, last_run: datetime | None) -> datetime:
    """When the series' chain last showed life: planned or said alive (chain_started_at), or a window stored since."""
    return max(started, last_run) if last_run else started


class WaitingChains:
    """Which chains' next window job waits to run (in the queue, or its retry in the schedule),
    by job name and series: a window job's first three arguments (app or account, statistic,
    interval). The queue is read once, when first asked: a planner run that meets no silent
    chain never reads it, and the app and account planners of one run share the one read."""

    def __init__(self) -> None:
        self._jobs: list[tuple[str, tuple]] | None = None
        self._keys: dict[str, set[tuple]] = {}

    def holds(self, job_name: str, key: tuple) -> bool:
        if self._jobs is None:
            self._jobs = waiting_jobs()
        if job_name not in self._keys:
            self._keys[job_name] = {args[:3] for name, args in self._jobs if name == job_name}
        return key in self._keys[job_name]


# A job that waits longer keeps its chain alive no more: a queue no consumer works (a retired
# consumer, a retry kept in the memory of a process that runs jobs inline) must not keep a
# series from being planned for ever.
CHAIN_WAIT_LIMIT = timedelta(days=1)


def chain_alive(
    cursor: SyncCursor | AccountPeakCursor | None,
    *,
    now: datetime,
    waiting: WaitingChains,
    job_name: str,
    key: tuple,
) -> bool:
    """A series' chain is alive while it is planned or heard from (a window stored, or a window
    job starting after a long wait: say_alive) within chain_timeout, and after that, up to
    CHAIN_WAIT_LIMIT, while its next job waits to run: a chain behind a long backlog is silent,
    not lost. One found nowhere was lost with its worker (or with a queue that forgot it) and is
    planned again."""
    if not (cursor and cursor.chain_started_at):
        return False
    silent = now - _last_news(cursor.chain_started_at, cursor.last_run_at)
    if silent < chain_timeout():
        return True
    return silent < CHAIN_WAIT_LIMIT and waiting.holds(job_name, key)


def say_alive(app_pk: int, metric: str, interval: int) -> None:
    """A window job starts: its chain says it is alive (hear_from)."""
    hear_from(SyncCursor, [news for each, *news in _CHAIN_NEWS.rows(app_pk, metric) if each == interval])


def hear_from(model: type[SyncCursor] | type[AccountPeakCursor], news: Iterable[Sequence[Any]]) -> None:
    """A chain silent for half chain_timeout (its job waited behind a backlog) that starts a
    window: its chain_started_at moves to now. Out of the queue and not yet stored, the job is
    found nowhere else, and fetching its window can take a while (a rate limit's turn, the
    vendor's retries). `news`: the cursor's pk, chain_started_at and last_run_at, or nothing.
    A read for every window, a write only after such a wait."""
    now = timezone.now()
    for pk, started, last_run in news:
        if started is not None and now - _last_news(started, last_run) >= chain_timeout() / 2:
            with write_turn():
                model.objects.filter(pk=pk, chain_started_at__isnull=False).update(chain_started_at=now)


# Read by every window job as it starts: compiled once (dashboard/core/prepared.py). Both
# granularities, the interval picked here: on PostgreSQL Django sends an integer column's value
# wrapped (psycopg's Int4), which a prepared query does not take for a value.
_CHAIN_NEWS = prepared(
    lambda app, metric: SyncCursor.objects.filter(app_id=app, metric=metric).values_list(
        "interval", "pk", "chain_started_at", "last_run_at"
    )
)


def due_windows(
    cursor: SyncCursor | AccountPeakCursor | None,
    *,
    now: datetime,
    interval: Interval,
    backfill: timedelta,
    overlap: timedelta,
    span: timedelta,
) -> list[Window]:
    """The windows a series' cursor has still to fetch."""
    return windows(
        cursor.synced_until if cursor else None,
        now=now,
        interval=interval,
        backfill=backfill,
        overlap=overlap,
        span=span,
    )


def syncable_apps() -> list[RtcApp]:
    """Apps whose account is enabled, not blocked and can report usage."""
    apps = RtcApp.objects.select_related("vendor_account").filter(
        vendor_account__enabled=True, vendor_account__sync_blocked=False, sync_blocked=False
    )
    return [
        app for app in apps if app.vendor_account.vendor_known and app.vendor_account.info.can(Capability.USAGE_STATS)
    ]


def plan(
    now: datetime | None = None, apps: list[RtcApp] | None = None, waiting: WaitingChains | None = None
) -> list[SeriesJob]:
    """One job per series that has something to fetch and no live chain; marks them as running.

    In batches: one query reads the cursors of many apps and one statement marks their
    planned series (a query and a write per series took minutes for a thousand apps)."""
    now = now or timezone.now()
    jobs = []
    backfill = timedelta(days=settings.USAGE_BACKFILL_DAYS)
    overlap = timedelta(hours=settings.USAGE_OVERLAP_HOURS)
    every = list(series())
    waiting = WaitingChains() if waiting is None else waiting
    chosen = apps if apps is not None else syncable_apps()
    for start in range(0, len(chosen), PLAN_BATCH):
        batch = chosen[start : start + PLAN_BATCH]
        cursors = {
            (c.app_id, c.metric, c.interval): c for c in SyncCursor.objects.filter(app_id__in=[a.pk for a in batch])
        }
        started: list[SyncCursor] = []
        dead: list[int] = []
        for app in batch:
            span = max_span(app.vendor_account.info)
            for metric, interval in every:
                key = (app.pk, metric.value, int(interval))
                cursor = cursors.get(key)
                if chain_alive(cursor, now=now, waiting=waiting, job_name=WINDOW_JOB, key=key):
                    continue
                found = due_windows(cursor, now=now, interval=interval, backfill=backfill, overlap=overlap, span=span)
                if not found:
                    if cursor and cursor.chain_started_at:  # a dead chain with nothing left: forget it
                        dead.append(cursor.pk)
                    continue
                started.append(SyncCursor(app=app, metric=metric.value, interval=int(interval), chain_started_at=now))
                jobs.append(
                    SeriesJob(
                        app.pk,
                        metric.value,
                        int(interval),
                        tuple((w.start.isoformat(), w.end.isoformat()) for w in found),
                    )
                )
        if dead:
            SyncCursor.objects.filter(pk__in=dead).update(chain_started_at=None)
        if started:  # update_or_create of each, in one statement
            SyncCursor.objects.bulk_create(
                started,
                update_conflicts=True,
                unique_fields=["app", "metric", "interval"],
                update_fields=["chain_started_at"],
            )
    return jobs


PLAN_BATCH = 200  # apps per cursor query: 2,000 series, under SQLite's bound on parameters per statement
ACCOUNT_SYNC_RESOLUTION = timedelta(seconds=10)  # of the account's last sync (write_window)


def run_window(app_pk: int, metric: str, interval: int, window: Window, *, follows: bool = False) -> int:
    """Fetch and store one window; move the cursor. Raises transient VendorErrors for a retry."""
    return run_series_window(app_pk, metric, interval, window, follows=follows) or 0


# Read by every window: compiled once (dashboard/core/prepared.py).
_APP_WITH_ACCOUNT = prepared(lambda pk: RtcApp.objects.select_related("vendor_account").filter(pk=pk))


def run_series_window(
    app_pk: int,
    metric: str,
    interval: int,
    window: Window,
    *,
    follows: bool = False,
    ends_chain: bool = False,
    follower: QueuedTask | None = None,
) -> int | None:
    """As run_window, and None when the app is gone (its chain ends there). `follows`: the window
    follows its chain's previous one; `ends_chain`: it is its chain's last; `follower`: the job
    of its chain's next window, queued by the caller after this (write_window)."""
    app = next(iter(_APP_WITH_ACCOUNT.instances(app_pk)), None)
    if app is None:
        log.info("usage window of app %s not fetched: the app is gone (deleted with its account?)", app_pk)
        return None
    account = app.vendor_account
    if account.sync_blocked or app.sync_blocked or not account.enabled:
        if ends_chain:
            finish_chain(app_pk, metric, interval)
        return 0
    try:
        # Kept by the worker thread for the account's next window (and its connection with it).
        with provider_for(account, interactive=False, keep=True) as provider:
            points = provider.usage(app.app_id, UsageMetric(metric), Interval(interval), window.start, window.end)
    except BLOCKING_ERRORS as error:
        if is_transient(error):
            SyncCursor.objects.update_or_create(
                app=app, metric=metric, interval=interval, defaults={"last_error": stored_text(error)}
            )
            raise
        block(app, error)
        SyncCursor.objects.update_or_create(
            app=app,
            metric=metric,
            interval=interval,
            defaults={"last_error": stored_text(error), "chain_started_at": None},
        )
        return 0
    now = timezone.now()
    return write_window(
        app,
        metric,
        interval,
        window,
        points,
        reached=min(floor_to(now, interval), window.end),
        now=now,
        follows=follows,
        ends_chain=ends_chain,
        follower=follower,
    )


def write_window(
    app: RtcApp,
    metric: str,
    interval: int,
    window: Window,
    points: list[UsagePoint],
    *,
    reached: datetime,
    now: datetime,
    follows: bool = False,
    ends_chain: bool = False,
    follower: QueuedTask | None = None,
) -> int:
    """Everything one fetched window writes, in one transaction: its buckets, the series' cursor
    and the app's and account's last sync. Whatever else must follow a stored window (rollups)
    belongs here, inside the same transaction.

    The cursor moves only over stored buckets. A chain's first window starts where the planner
    found the cursor (less the overlap) or at the backfill's start, and moves it whatever it is;
    a window that `follows` its chain's previous one moves it only if it starts at or before it.
    On SQLite a power cut can lose the last commits while the job queue, another file, keeps
    the chain's next job: that window then stores its buckets and leaves the cursor, and the
    next plan fetches from the hole instead of never.

    The chain's last window (`ends_chain`) ends it here too (finish_chain's write), and the job
    of the chain's next window (`follower`, queued after the commit) gets its pending row here:
    each on its own after the commit, on SQLite, waited for the other threads' windows in
    SQLite's sleeping busy handler, 6.5 and 5.8 ms a window (docs/performance-history.md, the eleventh pass)."""
    with write_turn(), transaction.atomic(), connection.cursor() as cursor:
        # Plain SQL: Django compiling these statements cost more CPU than running them.
        at, until = time_adapter(kept=False)(now), time_adapter()(reached)
        # Deleted during the vendor call? The app's own update comes first and locks its row (on
        # PostgreSQL; SQLite's IMMEDIATE transactions lock the whole database), so a deletion
        # cannot slip in between; no row updated: the app is gone. The lock orders the app's
        # windows too, so each one's old figures (rollups.kept) are the samples it replaces
        # (tests/dashboard/usage/postgresql_sync.py). The row read FOR KEY SHARE with a lock per
        # series and the last sync written every 10 s instead, or advisory locks only: tried in
        # five passes, never faster, even with cores to spare (docs/performance-history.md: the sixth, eighth,
        # thirteenth, seventeenth and eighteenth passes).
        cursor.execute(_sql("UPDATE {app} SET {app.last_synced_at} = %s WHERE {app.id} = %s"), [at, app.pk])
        if not cursor.rowcount:
            log.info("usage window of app %s not stored: the app is gone", app.pk)
            return 0
        with rollups.kept(app, metric, interval, window.start, window.end, points, now) as none_stored:
            stored = store(app, points, none_stored=none_stored)
        # The cursor moves forward only (and after a hole not at all); one statement, or two for
        # a series' first window.
        cursor.execute(
            _sql(
                "UPDATE {cursor} SET {cursor.synced_until} = CASE WHEN ({cursor.synced_until} IS NULL "
                "OR {cursor.synced_until} < %s) AND (%s OR {cursor.synced_until} >= %s) "
                "THEN %s ELSE {cursor.synced_until} END, "
                "{cursor.last_run_at} = %s, {cursor.last_error} = ''"
                + (", {cursor.chain_started_at} = NULL" if ends_chain else "")
                + " WHERE {cursor.app_id} = %s AND {cursor.metric} = %s AND {cursor.interval} = %s"
            ),
            [until, not follows, time_adapter()(window.start), until, at, app.pk, metric, interval],
        )
        if not cursor.rowcount:
            SyncCursor.objects.create(
                app=app,
                metric=metric,
                interval=interval,
                synced_until=None if follows else reached,
                last_run_at=now,
            )
        # The account's last sync, to the nearest ACCOUNT_SYNC_RESOLUTION: every window of
        # every app of the account wrote this one row, whose lock each then held to its commit
        # (the disk's flush included), so the windows of an account's apps committed one at a
        # time. A row the statement's snapshot finds recent is neither locked nor waited for.
        cursor.execute(
            _sql(
                "UPDATE {account} SET {account.last_synced_at} = %s, {account.sync_error} = '' "
                "WHERE {account.id} = %s AND ({account.last_synced_at} IS NULL "
                "OR {account.last_synced_at} < %s OR {account.sync_error} <> '')"
            ),
            [at, app.vendor_account_id, time_adapter(kept=False)(now - ACCOUNT_SYNC_RESOLUTION)],
        )
        if follower is not None:
            pending_written_now(follower)
    return stored


@functools.cache
def _sql(template: str) -> str:
    """`{app}`, `{cursor}`, `{account}` and `{name.field}` as the database calls them, quoted."""
    quote = connection.ops.quote_name
    names = {"app": RtcApp, "cursor": SyncCursor, "account": VendorAccount}

    def name(match: re.Match) -> str:
        model = names[match[1]]._meta
        if not match[2]:
            return quote(model.db_table)
        field = model.get_field(match[2])
        assert isinstance(field, Field) and field.column
        return quote(field.column)

    return re.sub(r"\{(\w+)(?:\.(\w+))?\}", name, template)


def finish_chain(app_pk: int, metric: str, interval: int, error: str = "") -> None:
    updates: dict[str, object] = {"chain_started_at": None}
    if error:
        updates["last_error"] = error
    SyncCursor.objects.filter(app_id=app_pk, metric=metric, interval=interval).update(**updates)


@receiver(unblocked)
def plan_again(
    sender: object, account: VendorAccount | None = None, app: RtcApp | None = None, **kwargs: object
) -> None:
    """The stop is lifted: chains cut short by it would wait out their timeout, so forget them."""
    if account is not None:
        SyncCursor.objects.filter(app__vendor_account=account).update(chain_started_at=None)
    if app is not None:
        SyncCursor.objects.filter(app=app).update(chain_started_at=None)


def lag(cursors: list[SyncCursor], now: datetime | None = None) -> timedelta | None:
    """How far behind the slowest hourly series is (None before the first sync)."""
    hourly = [c.synced_until for c in cursors if c.interval == Interval.HOUR and c.synced_until]
    if not hourly:
        return None
    return max(timedelta(0), (now or timezone.now()) - min(hourly))


def account_state(account: VendorAccount) -> dict[str, object]:
    """What the account page says about the sync: how far behind, recent errors, series in flight."""
    cursors = list(SyncCursor.objects.filter(app__vendor_account=account))
    return {
        "lag": lag(cursors),
        "errors": [c.last_error for c in cursors if c.last_error][:3],
        "pending": sum(1 for c in cursors if c.chain_started_at),
    }
