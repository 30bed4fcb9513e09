"""Usage observed by the console from its own live polls (dashboard.live), stored per app
like the vendor's series but in ObservedSample, never added to what the vendor bills.

Per bucket: member-minutes (a member counted from one poll to the next; see
live.observed for the one definition), active users (distinct users in any channel of the
app) and active channels (polled with somebody in), the peak members and peak channels at
one poll with its time, how many polls there were and how many a live channel missed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import QuerySet

from dashboard.live.models import EventKind, MemberEvent, Presence, Snapshot
from dashboard.live.observed import GAP_INTERVALS, member_minutes, missed_polls, poll_interval
from dashboard.rtc.models import RtcApp

from .models import Metric, ObservedSample

HOUR, DAY = 3600, 86400
OBSERVED_FIELDS = ("value", "peak_time", "sampling_seconds", "polls", "missed_polls", "computed_at")


@dataclass
class Observed:
    minutes: float = 0.0
    users: set[str] = field(default_factory=set)
    channels: set[int] = field(default_factory=set)
    peak_users: int = 0
    peak_users_at: datetime | None = None
    peak_channels: int = 0
    peak_channels_at: datetime | None = None
    polls: int = 0
    missed: int = 0


def floor_to(moment: datetime, size: int) -> datetime:
    seconds = int(moment.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(seconds - seconds % size, UTC)


def compute(app: RtcApp, start: datetime, end: datetime, size: int) -> dict[datetime, Observed]:
    """The app's observed figures per bucket of `size` seconds from `start` to `end` (UTC, aligned)."""
    buckets: dict[datetime, Observed] = defaultdict(Observed)
    hold = GAP_INTERVALS * poll_interval()
    snapshots = list(
        Snapshot.objects.filter(channel__app=app, observed_at__gte=start - hold, observed_at__lt=end)
        .order_by("channel_id", "observed_at")
        .values_list("channel_id", "observed_at", "total")
    )
    sweep: list[tuple[datetime, int, int, int]] = []  # (time, 0 expiry / 1 poll, channel, members)
    for index, (channel, at, total) in enumerate(snapshots):
        following = snapshots[index + 1] if index + 1 < len(snapshots) else None
        next_at = following[1] if following and following[0] == channel else None
        if at >= start:
            bucket = buckets[floor_to(at, size)]
            bucket.polls += 1
            if total:
                bucket.channels.add(channel)
        sweep.append((at, 1, channel, total))
        if next_at is None or next_at - at > hold:
            sweep.append((at + hold, 0, channel, 0))  # unknown after a gap: not counted as present
        if next_at is None or not total:
            continue
        _spread(buckets, at, next_at, member_minutes(total, next_at - at), start, end, size)
        missed = missed_polls(next_at - at)
        if missed:
            buckets[floor_to(max(at, start), size)].missed += missed
    _peaks(buckets, sweep, start, end, size)
    _users(buckets, app, start, end, size)
    return dict(buckets)


def _spread(
    buckets: dict[datetime, Observed],
    begin: datetime,
    finish: datetime,
    minutes: float,
    start: datetime,
    end: datetime,
    size: int,
) -> None:
    """Minutes between two polls, shared among the buckets the span covers (within the range)."""
    span = (finish - begin).total_seconds()
    if not minutes or span <= 0:
        return
    cursor = max(begin, start)
    while cursor < min(finish, end):
        bucket_start = floor_to(cursor, size)
        part_end = min(finish, end, bucket_start + timedelta(seconds=size))
        buckets[bucket_start].minutes += minutes * (part_end - cursor).total_seconds() / span
        cursor = part_end


def _peaks(
    buckets: dict[datetime, Observed],
    sweep: list[tuple[datetime, int, int, int]],
    start: datetime,
    end: datetime,
    size: int,
) -> None:
    """Members and live channels at each poll: each channel counts as its last poll saw it.
    One poll of an account stores all its channels at the same instant: counted together."""
    current: dict[int, int] = {}
    members = live = 0
    ordered = sorted(sweep)
    for index, (at, kind, channel, total) in enumerate(ordered):
        before = current.pop(channel, 0)
        members -= before
        live -= bool(before)
        if kind:
            current[channel] = total
            members += total
            live += bool(total)
        if index + 1 < len(ordered) and ordered[index + 1][0] == at:
            continue
        if not start <= at < end:
            continue
        bucket = buckets[floor_to(at, size)]
        if members > bucket.peak_users:
            bucket.peak_users, bucket.peak_users_at = members, at
        if live > bucket.peak_channels:
            bucket.peak_channels, bucket.peak_channels_at = live, at


def _users(buckets: dict[datetime, Observed], app: RtcApp, start: datetime, end: datetime, size: int) -> None:
    """Distinct users per bucket, from each member's stays (a join to the next leave)."""
    stays: list[tuple[str, datetime, datetime]] = []
    joined: dict[tuple[int, str], datetime] = {}
    seen: set[tuple[int, str]] = set()
    events = (
        MemberEvent.objects.filter(channel__app=app, at__gte=start, at__lt=end)
        .order_by("at")
        .values_list("channel_id", "user_id", "kind", "at")
    )
    for channel, user, kind, at in events:
        seen.add((channel, user))
        if kind == EventKind.JOIN:
            joined[(channel, user)] = at
        else:  # a leave without a join in the range: there since before it began
            stays.append((user, joined.pop((channel, user), start), at))
    stays.extend((user, at, end) for (_, user), at in joined.items())
    # Listed now, since before the range, without a join or leave in it: there all along.
    present = Presence.objects.filter(channel__app=app, first_seen_at__lt=start).values_list("channel_id", "user_id")
    stays.extend((user, start, end) for channel, user in present if (channel, user) not in seen)
    for user, begin, finish in stays:
        cursor = floor_to(begin, size)
        while cursor < finish:
            if cursor in buckets:  # only buckets the console polled in
                buckets[cursor].users.add(user)
            cursor += timedelta(seconds=size)


def samples(app: RtcApp, figures: dict[datetime, Observed], size: int) -> Iterable[ObservedSample]:
    sampling = int(poll_interval().total_seconds())
    for timestamp, seen in figures.items():
        common = {
            "app": app,
            "interval": size,
            "timestamp": timestamp,
            "sampling_seconds": sampling,
            "polls": seen.polls,
            "missed_polls": seen.missed,
        }
        yield ObservedSample(metric=Metric.DURATION, value=round(seen.minutes), **common)
        yield ObservedSample(metric=Metric.ACTIVE_USERS, value=len(seen.users), **common)
        yield ObservedSample(metric=Metric.ACTIVE_CHANNELS, value=len(seen.channels), **common)
        yield ObservedSample(metric=Metric.PEAK_USERS, value=seen.peak_users, peak_time=seen.peak_users_at, **common)
        yield ObservedSample(
            metric=Metric.PEAK_CHANNELS, value=seen.peak_channels, peak_time=seen.peak_channels_at, **common
        )


def observe(app: RtcApp, start: datetime, end: datetime) -> int:
    """Compute and store the app's observed hours and days touching [start, end). Upserted on
    (app, statistic, granularity, bucket): running it again changes nothing, and buckets whose
    polls were pruned since keep their figures."""
    stored = 0
    for size in (HOUR, DAY):
        first, last = floor_to(start, size), floor_to(end - timedelta(microseconds=1), size) + timedelta(seconds=size)
        rows = list(samples(app, compute(app, first, last, size), size))
        ObservedSample.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["app", "metric", "interval", "timestamp"],
            update_fields=list(OBSERVED_FIELDS),
        )
        stored += len(rows)
    return stored


def polled_apps(since: datetime) -> QuerySet[RtcApp]:
    return RtcApp.objects.filter(channels__snapshots__observed_at__gte=since).distinct()


def observe_recent(now: datetime, days: int = 1) -> int:
    """What the hourly job does: every polled app, from the start of `days` UTC days ago to now."""
    start = floor_to(now, DAY) - timedelta(days=days)
    return sum(observe(app, start, now) for app in polled_apps(start))
