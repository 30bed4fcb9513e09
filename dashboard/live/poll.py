"""Poll the live membership of channels and store what changed.

Fetching runs on LIVE_POLL_THREADS threads (the vendor calls are I/O: at 20 ms a call, 40
in flight allow 2,000 polls a second; more threads cost more CPU per call in wake-ups);
the job's own thread stores the answers in batches (STORE_BATCH) while the other threads
fetch the rest, each batch one transaction with a handful of statements whatever its size
(reads one query each, writes one `executemany` each), so a worker keeps up with thousands
of watched channels.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q, QuerySet
from django.utils import timezone

from dashboard.credentials.blocking import block
from dashboard.credentials.connect import provider_for
from dashboard.credentials.crypto import UndecryptableCredentials
from dashboard.credentials.models import VendorAccount
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.base.types import Membership

from .diff import Known, diff
from .models import Cause, Channel, EventKind, MemberEvent, Presence, Snapshot
from .observed import counted, member_minutes, poll_interval

log = logging.getLogger(__name__)
CHANNEL_FIELDS = [
    "mode",
    "is_live",
    "live_since",
    "member_count",
    "role_counts",
    "listed_count",
    "peak_members",
    "peak_at",
    "observed_member_minutes",
    "last_polled_at",
    "last_seen_live_at",
    "poll_error",
    "poll_error_code",
    "poll_error_request_id",
]
PLAIN_FIELDS: list[tuple[type[models.Field], Callable[[Any], Any]]] = [
    (models.BooleanField, bool),
    (models.IntegerField, int),
    (models.FloatField, float),
    (models.CharField, str),
    (models.TextField, str),
]
# The columns of the rows store() writes, in the order of its tuples; other columns are NULL.
PRESENCE_FIELDS = ["channel", "user_id", "role", "first_seen_at", "there_before", "last_seen_at"]
EVENT_FIELDS = ["channel", "user_id", "kind", "role", "at", "cause"]
SNAPSHOT_FIELDS = ["channel", "observed_at", "exists", "total", "role_counts", "joined", "left"]
# Answers stored together while the next are being fetched: each batch's statements cost the
# same whatever its size, and a batch is stored while the vendor calls go on.
STORE_BATCH = 250


@dataclass(frozen=True, slots=True)
class Polled:
    channel: Channel
    membership: Membership | None = None
    error: VendorError | None = None


@dataclass(frozen=True, slots=True)
class PollSummary:
    polled: int = 0
    failed: int = 0
    joined: int = 0
    left: int = 0


def due_channels(account: VendorAccount, now: datetime | None = None) -> QuerySet[Channel]:
    """Live or watched channels of the account whose last poll is an interval old."""
    now = now or timezone.now()
    # Slack of a fifth of the interval: jobs start a few seconds late now and then, and a
    # channel polled at :31 must still be due for the job planned at :00 of the next minute.
    threshold = now - poll_interval() * 0.8
    return (
        Channel.objects.select_related("app")
        .filter(app__vendor_account=account, app__sync_blocked=False)
        .filter(Q(is_live=True) | Q(watched=True))
        .filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=threshold))
    )


def can_poll(account: VendorAccount) -> bool:
    return (
        account.enabled
        and not account.sync_blocked
        and account.vendor_known
        and account.info.can(Capability.LIVE_MEMBERSHIP)
    )


def poll_due(account: VendorAccount, now: datetime | None = None) -> PollSummary:
    """What the scheduled job does for one account."""
    if not can_poll(account):
        return PollSummary()
    # Their apps in a query of their own: a few apps for thousands of channels, where joining
    # them built (and converted the dates of) an app per channel.
    channels = list(due_channels(account, now).select_related(None).prefetch_related("app"))
    return poll_channels(account, channels, interactive=False)


def poll_channels(account: VendorAccount, channels: Sequence[Channel], *, interactive: bool = True) -> PollSummary:
    """Fetch every channel's membership and store it, one batch of answers at a time while the
    rest are being fetched: storing does not hold up the vendor calls (nor they it). Every
    channel of the poll is stored as observed at one instant, whatever its batch: when the
    first batch came in."""
    if not channels:
        return PollSummary()
    polled: list[Polled] = []
    summaries: list[PollSummary] = []
    now: datetime | None = None
    try:
        with closing(fetch(account, channels, interactive=interactive)) as batches:
            for batch in batches:
                now = now or timezone.now()
                summaries.append(store(batch, now))
                polled.extend(batch)
    except UndecryptableCredentials as error:
        block(account, error)
        return PollSummary(failed=len(channels))
    _stop_on_permanent_errors(account, polled)
    return PollSummary(
        polled=sum(summary.polled for summary in summaries),
        failed=sum(summary.failed for summary in summaries),
        joined=sum(summary.joined for summary in summaries),
        left=sum(summary.left for summary in summaries),
    )


def fetch(
    account: VendorAccount, channels: Sequence[Channel], *, interactive: bool
) -> Generator[list[Polled], None, None]:
    """The channels' answers in batches of at least STORE_BATCH (fewer for the last), in the
    order they arrive, while the rest are fetched on LIVE_POLL_THREADS threads."""
    with provider_for(account, interactive=interactive) as provider:

        def one(channel: Channel) -> Polled:
            try:
                return Polled(channel, membership=provider.membership(channel.app.app_id, channel.channel_id))
            except VendorError as error:
                return Polled(channel, error=error)

        yield from _in_batches(one, channels, min(settings.LIVE_POLL_THREADS, len(channels)), STORE_BATCH)


def _in_batches(
    call: Callable[[Channel], Polled], channels: Sequence[Channel], workers: int, size: int
) -> Generator[list[Polled], None, None]:
    """`call` for every channel, `workers` at a time; the results in lists of at least `size`
    (the last may be shorter), in the order they come, each list as soon as it is complete.

    Each thread takes the next channel until none is left: no future or queue item per call
    (ThreadPoolExecutor's cost a noticeable part of a poll's CPU at a hundred calls in flight),
    and the caller is woken once per list, not per result. Each thread runs in a copy of this
    context, so its log lines keep the request or job id. An exception in a call stops the
    threads taking channels and reaches the caller, as does the caller leaving early."""
    size = max(1, size)
    if workers <= 1:
        for start in range(0, len(channels), size):
            yield [call(channel) for channel in channels[start : start + size]]
        return
    pending = iter(channels)
    take = threading.Lock()
    ready = threading.Condition(threading.Lock())
    done: list[Polled] = []
    errors: list[BaseException] = []
    stopped = False
    state = {"handed": 0, "finished": 0}  # results given to the caller, threads that ended

    def wanted() -> int:
        return min(size, len(channels) - state["handed"])

    def work() -> None:
        try:
            while not stopped:
                with take:
                    channel = next(pending, None)
                if channel is None:
                    return
                try:
                    result = call(channel)
                except BaseException as error:  # handed to the caller, as pool.map would
                    with ready:
                        errors.append(error)
                        ready.notify()
                    return
                with ready:
                    done.append(result)
                    if len(done) >= wanted():
                        ready.notify()
        finally:
            with ready:
                state["finished"] += 1
                ready.notify()

    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(work,), name=f"live-poll-{n}", daemon=True)
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        while state["handed"] < len(channels):
            with ready:
                while not errors and len(done) < wanted() and state["finished"] < workers:
                    ready.wait()
                if errors:
                    raise errors[0]
                if not done:  # every thread ended without an error: nothing is left to come
                    break
                batch = done[:]
                done.clear()
                state["handed"] += len(batch)
            yield batch
    finally:
        stopped = True
        for thread in threads:
            thread.join()


def _stop_on_permanent_errors(account: VendorAccount, polled: Sequence[Polled]) -> None:
    """Bad credentials or a stopped app would fail every 30 seconds: stop polling them instead."""
    blocked_apps: set[int] = set()
    for item in polled:
        error = item.error
        if error is None or error.transient or item.channel.app_id in blocked_apps:
            continue
        block(item.channel.app, error)
        if not error.app_scoped:
            return
        blocked_apps.add(item.channel.app_id)


@transaction.atomic
def store(polled: Sequence[Polled], now: datetime) -> PollSummary:
    """Store one batch of polls in one transaction: the reads are one query each for the whole
    batch, and every write is one parametrised statement run by `executemany` over plain
    tuples (building Django model instances for bulk_create cost more than the vendor call)."""
    answered = [item for item in polled if item.membership is not None]
    answered_pks = [item.channel.pk for item in answered]
    known: dict[int, dict[str, Known]] = defaultdict(dict)
    presence_pks: dict[tuple[int, str], int] = {}
    rows = Presence.objects.filter(channel_id__in=answered_pks).values_list(
        "pk", "channel_id", "user_id", "role", "kicked_at"
    )
    for pk, channel_pk, user_id, role, kicked_at in rows:
        known[channel_pk][user_id] = Known(user_id, role, kicked_at)
        presence_pks[(channel_pk, user_id)] = pk

    kicked_before = _kicked_recently(answered, known, now)
    at = connection.ops.adapt_datetimefield_value(now)
    new_presences: list[tuple] = []
    gone: list[tuple[int]] = []
    events: list[tuple] = []
    snapshots: list[tuple] = []
    role_updates: list[tuple[str, int]] = []
    joined_total = left_total = 0
    for item in polled:
        channel = item.channel
        previous_poll, channel.last_polled_at = channel.last_polled_at, now
        if item.membership is None:
            error = item.error
            channel.poll_error = error.message if error else ""
            channel.poll_error_code = error.code if error else ""
            channel.poll_error_request_id = error.request_id if error else ""
            continue
        membership = item.membership
        listed = membership.members if membership.exists else ()
        change = diff(known[channel.pk], listed, rejoined=kicked_before.get(channel.pk, ()))
        # Without a recent poll, nobody knows when the members listed now arrived.
        first_look = previous_poll is None or not counted(now - previous_poll)
        pk = channel.pk
        join_cause = Cause.THERE_BEFORE.value if first_look else Cause.NONE.value
        for joined in change.joined:
            new_presences.append((pk, joined.user_id, joined.role, at, first_look, at))
            cause = Cause.REJOIN.value if joined.cause == "rejoin" else join_cause
            events.append((pk, joined.user_id, EventKind.JOIN.value, joined.role, at, cause))
        leave_cause = Cause.CLOSED.value if not membership.exists else Cause.NONE.value
        for left in change.left:
            gone.append((presence_pks[(pk, left.user_id)],))
            cause = Cause.KICKED.value if left.cause == "kicked" else leave_cause
            events.append((pk, left.user_id, EventKind.LEAVE.value, left.role, at, cause))
        role_updates.extend((role, presence_pks[(pk, user)]) for user, role in change.role_changed.items())
        joined_total += len(change.joined)
        left_total += len(change.left)
        _update_channel(channel, membership, now, previous_poll)
        joined_count = 0 if first_look else len(change.joined)  # those were there already
        snapshots.append(
            (pk, at, membership.exists, channel.member_count, channel.role_counts, joined_count, len(change.left))
        )
    with connection.cursor() as cursor:
        if gone:
            cursor.executemany(_delete_sql(Presence), gone)
        if answered_pks:
            Presence.objects.filter(channel_id__in=answered_pks).update(last_seen_at=now)
        if role_updates:
            cursor.executemany(_update_sql(Presence, ["role"]), role_updates)
        if new_presences:
            cursor.executemany(_insert_sql(Presence, PRESENCE_FIELDS), new_presences)
        if events:
            cursor.executemany(_insert_sql(MemberEvent, EVENT_FIELDS), events)
        if snapshots:
            to_json = connection.ops.adapt_json_value
            adapted = [(*row[:4], to_json(row[4], None), *row[5:]) for row in snapshots]
            cursor.executemany(_insert_sql(Snapshot, SNAPSHOT_FIELDS), adapted)
    _save_channels([item.channel for item in polled])
    return PollSummary(polled=len(answered), failed=len(polled) - len(answered), joined=joined_total, left=left_total)


def _kicked_recently(
    answered: Sequence[Polled], known: dict[int, dict[str, Known]], now: datetime
) -> dict[int, set[str]]:
    """Per channel, users listed now but not before who left after a kick in the last day:
    their return is a rejoin. One query for the whole poll."""
    new = {
        (item.channel.pk, member.user_id)
        for item in answered
        if item.membership is not None and item.membership.exists
        for member in item.membership.members
        if member.user_id not in known[item.channel.pk]
    }
    if not new:
        return {}
    found: dict[int, set[str]] = defaultdict(set)
    rows = MemberEvent.objects.filter(
        channel_id__in={channel_pk for channel_pk, _ in new},
        user_id__in={user_id for _, user_id in new},
        kind=EventKind.LEAVE,
        cause=Cause.KICKED,
        at__gte=now - timedelta(days=1),
    ).values_list("channel_id", "user_id")
    for channel_pk, user_id in rows:
        if (channel_pk, user_id) in new:
            found[channel_pk].add(user_id)
    return found


def _column(model: type[models.Model], name: str) -> str:
    # A concrete field always has a column (django-stubs types it optional for every field).
    return connection.ops.quote_name(model._meta.get_field(name).column)  # type: ignore[union-attr,arg-type]


def _insert_sql(model: type[models.Model], fields: Sequence[str]) -> str:
    columns = ", ".join(_column(model, name) for name in fields)
    values = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({values})"


def _update_sql(model: type[models.Model], fields: Sequence[str]) -> str:
    assignments = ", ".join(f"{_column(model, name)} = %s" for name in fields)
    return (
        f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {assignments} WHERE {_column(model, 'id')} = %s"
    )


def _delete_sql(model: type[models.Model]) -> str:
    return f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {_column(model, 'id')} = %s"


def _save_channels(channels: Sequence[Channel]) -> None:
    """One parametrised UPDATE run for every channel (executemany). Django's bulk_update
    builds a CASE per field per row, which cost milliseconds per channel here."""
    if not channels:
        return
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it looks the connection up on every access
    adapters = [_adapter(Channel._meta.get_field(name), db) for name in CHANNEL_FIELDS]
    attnames = [Channel._meta.get_field(name).attname for name in CHANNEL_FIELDS]  # type: ignore[union-attr]
    rows = [
        (*[adapt(getattr(channel, attname)) for adapt, attname in zip(adapters, attnames, strict=True)], channel.pk)
        for channel in channels
    ]
    with db.cursor() as cursor:
        cursor.executemany(_update_sql(Channel, CHANNEL_FIELDS), rows)


def _adapter(field: Any, db: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """What turns a field's value into the database's, without Django's per-value checks for
    the two kinds that cost most (the values set by a poll are already of the field's type)."""
    if isinstance(field, models.DateTimeField):
        return db.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return lambda value: db.ops.adapt_json_value(value, field.encoder)
    for kind, python_type in PLAIN_FIELDS:
        if isinstance(field, kind):
            return _keeping_none(python_type)  # what the field's get_prep_value does, and all it does
    return lambda value: field.get_db_prep_save(value, db)


def _keeping_none(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _update_channel(channel: Channel, membership: Membership, now: datetime, previous_poll: datetime | None) -> None:
    previous_count = channel.member_count
    total = membership.total if membership.exists else 0
    if previous_poll is not None and channel.is_live:
        channel.observed_member_minutes += member_minutes(previous_count, now - previous_poll)
    if membership.mode.value != "unknown":
        channel.mode = membership.mode.value
    channel.role_counts = {role.value: count for role, count in membership.counts.items() if count}
    channel.member_count = total
    channel.listed_count = len(membership.members) if membership.exists else 0
    channel.poll_error = channel.poll_error_code = channel.poll_error_request_id = ""
    live = membership.exists and total > 0
    if live and not channel.is_live:
        channel.live_since = now
    if live:
        channel.last_seen_live_at = now
    else:
        channel.live_since = None
    channel.is_live = live
    if total > channel.peak_members:
        channel.peak_members, channel.peak_at = total, now
