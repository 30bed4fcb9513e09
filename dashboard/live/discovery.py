"""How channels become known: the vendor's channel records, the console, the watch list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from dashboard.credentials.blocking import block
from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.base.types import ChannelRecord

from .models import Channel, Discovery
from .poll import PollSummary, can_poll, poll_channels

# A record that ended this recently may still be running: the vendors report an ongoing
# stretch with its end at "now" or without an end, so both are polled to find out.
STILL_RUNNING = timedelta(minutes=3)
# A record starting at 00:00 UTC may be the rest of yesterday's stretch (records are cut at
# the day's edges): the days before are read back this far to find where it began.
MIDNIGHT_LOOKBACK_DAYS = 7


@dataclass(frozen=True, slots=True)
class DiscoverySummary:
    records: int = 0
    new_channels: int = 0
    poll: PollSummary = field(default_factory=PollSummary)


def discover(account: VendorAccount, now: datetime | None = None, *, interactive: bool = False) -> DiscoverySummary:
    """Read today's channel records of every app of the account, add the channels not yet
    known, and poll those that may be live right now."""
    if not account.info.can(Capability.CHANNEL_RECORDS):
        return DiscoverySummary()
    now = now or timezone.now()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    apps = list(account.apps.filter(sync_blocked=False, missing_from_listing=False))
    records = 0
    running: dict[int, dict[str, datetime]] = {}  # app -> channel -> start of its running stretch
    seen: dict[int, set[str]] = {}
    with provider_for(account, interactive=interactive) as provider:
        for app in list(apps):
            try:
                found = list(provider.channel_records(app.app_id, day))
            except VendorError as error:
                if error.transient or not error.app_scoped:
                    raise
                block(app, error)  # this app alone is gone or stopped: the others go on
                apps.remove(app)
                continue
            for record in found:
                records += 1
                seen.setdefault(app.pk, set()).add(record.channel_id)
                if record.end is None or record.end >= now - STILL_RUNNING:
                    running.setdefault(app.pk, {})[record.channel_id] = record.start
    new = 0
    for app in apps:
        ids = seen.get(app.pk, set())
        existing = set(Channel.objects.filter(app=app, channel_id__in=ids).values_list("channel_id", flat=True))
        created = [
            Channel(app=app, channel_id=channel_id, discovered_by=Discovery.RECORDS) for channel_id in ids - existing
        ]
        Channel.objects.bulk_create(created, ignore_conflicts=True)
        new += len(created)
    to_poll = [
        channel
        for app in apps
        for channel in Channel.objects.select_related("app").filter(
            app=app, channel_id__in=list(running.get(app.pk, {})), is_live=False
        )
    ]
    poll = poll_channels(account, to_poll, interactive=interactive) if to_poll and can_poll(account) else PollSummary()
    # The record knows when the running stretch began; a poll only knows when it first saw it.
    starts: dict[tuple[str, datetime], list[ChannelRecord]] = {}  # one read per app and earlier day
    for channel in Channel.objects.filter(pk__in=[c.pk for c in to_poll], is_live=True).select_related("app"):
        start = running[channel.app_id][channel.channel_id]
        if start <= day:
            start = _stretch_start(account, channel.app.app_id, channel.channel_id, start, starts, interactive)
        if channel.live_since is None or start < channel.live_since:
            Channel.objects.filter(pk=channel.pk).update(live_since=start)
    return DiscoverySummary(records=records, new_channels=new, poll=poll)


def _stretch_start(
    account: VendorAccount,
    app_id: str,
    channel_id: str,
    start: datetime,
    cache: dict[tuple[str, datetime], list[ChannelRecord]],
    interactive: bool,
) -> datetime:
    """Where a stretch that runs into today from before midnight began: each earlier day's
    record of the channel that reaches that day's end continues it."""
    for _ in range(MIDNIGHT_LOOKBACK_DAYS):
        previous = start - timedelta(days=1)
        key = (app_id, previous)
        if key not in cache:
            try:
                with provider_for(account, interactive=interactive) as provider:
                    cache[key] = list(provider.channel_records(app_id, previous))
            except VendorError:
                cache[key] = []  # the start seen today stands: the earliest the console can tell
        reaching = [
            record
            for record in cache[key]
            if record.channel_id == channel_id and (record.end is None or record.end >= start - timedelta(minutes=1))
        ]
        if not reaching:
            return start
        start = min(record.start for record in reaching)
        if start > previous:
            return start
    return start


def add_channel(app: RtcApp, channel_id: str, *, watched: bool, discovered_by: str) -> tuple[Channel, bool]:
    """A channel an admin watches or looked up; watching an already known channel just marks it."""
    channel, created = Channel.objects.get_or_create(
        app=app, channel_id=channel_id, defaults={"watched": watched, "discovered_by": discovered_by}
    )
    if watched and not channel.watched:
        channel.watched = True
        channel.save(update_fields=["watched"])
    return channel, created
