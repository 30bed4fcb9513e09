"""Poll the live membership of channels and store what changed.

Fetching runs on a small thread pool (the vendor calls are I/O); storing is one batch of
queries for all channels of the poll, whatever their number, so a worker keeps up with
thousands of watched channels.
"""

from __future__ import annotations

import contextvars
import logging
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
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
    return poll_channels(account, list(due_channels(account, now)), interactive=False)


def poll_channels(account: VendorAccount, channels: Sequence[Channel], *, interactive: bool = True) -> PollSummary:
    if not channels:
        return PollSummary()
    try:
        polled = fetch(account, channels, interactive=interactive)
    except UndecryptableCredentials as error:
        block(account, error)
        return PollSummary(failed=len(channels))
    summary = store(polled, timezone.now())
    _stop_on_permanent_errors(account, polled)
    return summary


def fetch(account: VendorAccount, channels: Sequence[Channel], *, interactive: bool) -> list[Polled]:
    with provider_for(account, interactive=interactive) as provider:

        def one(channel: Channel) -> Polled:
            try:
                return Polled(channel, membership=provider.membership(channel.app.app_id, channel.channel_id))
            except VendorError as error:
                return Polled(channel, error=error)

        workers = min(settings.LIVE_POLL_THREADS, len(channels))
        if workers <= 1:
            return [one(channel) for channel in channels]
        with ThreadPoolExecutor(workers, thread_name_prefix="live-poll") as pool:
            # Each call runs in a copy of this context, so its log lines keep the request or job id.
            return list(pool.map(lambda channel: contextvars.copy_context().run(one, channel), channels))


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
    answered = [item for item in polled if item.membership is not None]
    known: dict[int, dict[str, Known]] = defaultdict(dict)
    presence_pks: dict[tuple[int, str], int] = {}
    rows = Presence.objects.filter(channel_id__in=[item.channel.pk for item in answered]).values_list(
        "pk", "channel_id", "user_id", "role", "kicked_at"
    )
    for pk, channel_pk, user_id, role, kicked_at in rows:
        known[channel_pk][user_id] = Known(user_id, role, kicked_at)
        presence_pks[(channel_pk, user_id)] = pk

    kicked_before = _kicked_recently(answered, known, now)
    new_presences: list[Presence] = []
    gone: list[int] = []
    events: list[MemberEvent] = []
    snapshots: list[Snapshot] = []
    role_updates: list[tuple[int, str]] = []
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
        for joined in change.joined:
            new_presences.append(
                Presence(
                    channel=channel,
                    user_id=joined.user_id,
                    role=joined.role,
                    first_seen_at=now,
                    last_seen_at=now,
                    there_before=first_look,
                )
            )
            cause = Cause.REJOIN if joined.cause == "rejoin" else Cause.THERE_BEFORE if first_look else Cause.NONE
            events.append(
                MemberEvent(
                    channel=channel, user_id=joined.user_id, kind=EventKind.JOIN, role=joined.role, at=now, cause=cause
                )
            )
        for left in change.left:
            gone.append(presence_pks[(channel.pk, left.user_id)])
            cause = Cause.KICKED if left.cause == "kicked" else (Cause.CLOSED if not membership.exists else Cause.NONE)
            events.append(
                MemberEvent(
                    channel=channel, user_id=left.user_id, kind=EventKind.LEAVE, role=left.role, at=now, cause=cause
                )
            )
        role_updates.extend((presence_pks[(channel.pk, user)], role) for user, role in change.role_changed.items())
        joined_total += len(change.joined)
        left_total += len(change.left)
        _update_channel(channel, membership, now, previous_poll)
        snapshots.append(
            Snapshot(
                channel=channel,
                observed_at=now,
                exists=membership.exists,
                total=channel.member_count,
                role_counts=channel.role_counts,
                joined=0 if first_look else len(change.joined),  # those were there already
                left=len(change.left),
            )
        )
    if gone:
        Presence.objects.filter(pk__in=gone).delete()
    Presence.objects.filter(channel_id__in=[item.channel.pk for item in answered]).update(last_seen_at=now)
    for pk, role in role_updates:
        Presence.objects.filter(pk=pk).update(role=role)
    Presence.objects.bulk_create(new_presences, batch_size=500)
    MemberEvent.objects.bulk_create(events, batch_size=500)
    Snapshot.objects.bulk_create(snapshots, batch_size=500)
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


def _save_channels(channels: Sequence[Channel]) -> None:
    """One parametrised UPDATE run for every channel (executemany). Django's bulk_update
    builds a CASE per field per row, which cost milliseconds per channel here."""
    if not channels:
        return
    columns = {field.name: field for field in Channel._meta.concrete_fields}
    fields = [columns[name] for name in CHANNEL_FIELDS]
    quote = connection.ops.quote_name
    # A concrete field always has a column (django-stubs types it optional for every field).
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)  # type: ignore[arg-type]
    sql = f"UPDATE {quote(Channel._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"
    rows = [
        [field.get_db_prep_save(getattr(channel, field.attname), connection) for field in fields] + [channel.pk]
        for channel in channels
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


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
