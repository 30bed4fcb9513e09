"""Planted live polls: two channels of one app on one UTC day, with checkable observed figures."""

from __future__ import annotations

from datetime import datetime, timedelta

from dashboard.live.models import Channel, EventKind, MemberEvent, Snapshot
from dashboard.rtc.models import RtcApp

STEP = timedelta(seconds=30)


def plant_day(app: RtcApp, day: datetime, *, skip: tuple[int, int] | None = None) -> None:
    """10:00 to 11:00 two members in "c1", 10:30 to 11:00 three more in "c2" (u2 in both), polled
    every 30 s; `skip` (minutes after 10:00) leaves out c1's polls in that stretch.

    Expected with every poll: hour 10 has 2*60 + 3*30 = 210 member-minutes, 4 users, 2
    channels, a peak of 5 members and 2 channels at 10:30; hour 11 only the empty polls.
    """
    ten = day.replace(hour=10)
    plan = (("c1", ten, 120, 2, ("u1", "u2")), ("c2", ten + timedelta(minutes=30), 60, 3, ("u2", "u3", "u4")))
    for name, first, polls, members, users in plan:
        channel, _ = Channel.objects.get_or_create(app=app, channel_id=name)
        rows = []
        for index in range(polls + 1):
            at = first + index * STEP
            if name == "c1" and skip and timedelta(minutes=skip[0]) <= at - ten < timedelta(minutes=skip[1]):
                continue
            rows.append(Snapshot(channel=channel, observed_at=at, total=0 if index == polls else members))
        Snapshot.objects.bulk_create(rows)
        end = first + polls * STEP
        MemberEvent.objects.bulk_create(
            [MemberEvent(channel=channel, user_id=user, kind=EventKind.JOIN, at=first) for user in users]
            + [MemberEvent(channel=channel, user_id=user, kind=EventKind.LEAVE, at=end) for user in users]
        )
