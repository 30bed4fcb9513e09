"""dashboard/live/poll.py: storing polls (snapshots, join and leave events, presences) and polling the
Aliyun simulator."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from dashboard.live.models import Cause, Channel, EventKind, MemberEvent, Presence, Snapshot
from dashboard.live.poll import Polled, due_channels, poll_channels, poll_due, store
from dashboard.live.tasks import poll_account
from tests.dashboard.conftest import World2
from tests.dashboard.live.conftest import T0, membership, present
from vendors.base.types import Membership
from vendors.sim.world import ROLE_COMMUNICATION


@pytest.fixture
def channel(two_tenants: World2) -> Channel:
    return Channel.objects.create(app=two_tenants.acme_manual_app, channel_id="room-1", watched=True)


def poll_with(channel: Channel, result: Membership, at: datetime) -> None:
    channel.refresh_from_db()
    store([Polled(channel, membership=result)], at)


def test_consecutive_snapshots_give_join_and_leave_events_and_a_timeline(channel: Channel) -> None:
    poll_with(channel, membership("room-1", "a", "b"), T0)
    poll_with(channel, membership("room-1", "b", "c"), T0 + timedelta(seconds=30))
    poll_with(channel, membership("room-1", "b", "c", "a"), T0 + timedelta(seconds=60))
    poll_with(channel, membership("room-1", exists=False), T0 + timedelta(seconds=90))
    events = [
        (e.user_id, e.kind, e.cause)
        for e in MemberEvent.objects.filter(channel=channel).order_by("at", "kind", "user_id")
    ]
    assert events == [
        ("a", "join", "before"),  # listed by the first poll: they were there already
        ("b", "join", "before"),
        ("c", "join", ""),
        ("a", "leave", ""),
        ("a", "join", ""),
        ("a", "leave", "closed"),
        ("b", "leave", "closed"),
        ("c", "leave", "closed"),
    ]
    assert list(Snapshot.objects.filter(channel=channel).order_by("observed_at").values_list("total", flat=True)) == [
        2,
        2,
        3,
        0,
    ]
    channel.refresh_from_db()
    assert channel.peak_members == 3 and channel.peak_at == T0 + timedelta(seconds=60)
    assert not channel.is_live and channel.live_since is None
    # 2 members for 30 s, 2 for 30 s, 3 for 30 s: observed, not billed.
    assert channel.observed_member_minutes == pytest.approx(3.5)


def test_a_gap_of_several_intervals_is_not_counted_as_observed_minutes(channel: Channel) -> None:
    poll_with(channel, membership("room-1", "a", "b"), T0)
    poll_with(channel, membership("room-1", "a", "b"), T0 + timedelta(hours=2))
    channel.refresh_from_db()
    assert channel.observed_member_minutes == 0


def test_a_kicked_member_stays_marked_until_the_vendor_drops_them(channel: Channel) -> None:
    poll_with(channel, membership("room-1", "a", "b"), T0)
    Presence.objects.filter(channel=channel, user_id="a").update(kicked_at=T0 + timedelta(seconds=5))
    poll_with(channel, membership("room-1", "a", "b"), T0 + timedelta(seconds=30))  # a ghost
    assert present(channel) == {"a": False, "b": True}
    assert not MemberEvent.objects.filter(channel=channel, kind=EventKind.LEAVE).exists()
    poll_with(channel, membership("room-1", "b"), T0 + timedelta(seconds=60))
    assert present(channel) == {"b": True}
    assert MemberEvent.objects.get(channel=channel, kind=EventKind.LEAVE).cause == Cause.KICKED
    poll_with(channel, membership("room-1", "a", "b"), T0 + timedelta(seconds=90))
    rejoin = MemberEvent.objects.filter(channel=channel, user_id="a", kind=EventKind.JOIN).latest("at")
    assert rejoin.cause == Cause.REJOIN and present(channel) == {"a": True, "b": True}


def test_a_failed_poll_keeps_the_members_and_shows_the_vendor_answer(channel: Channel) -> None:
    from vendors.base.errors import UnavailableError

    poll_with(channel, membership("room-1", "a"), T0)
    channel.refresh_from_db()
    store(
        [
            Polled(
                channel, error=UnavailableError("busy", vendor="aliyun", code="ServiceUnavailable", request_id="RID-9")
            )
        ],
        T0 + timedelta(seconds=30),
    )
    channel.refresh_from_db()
    assert present(channel) == {"a": True}
    assert (channel.poll_error, channel.poll_error_code, channel.poll_error_request_id) == (
        "busy",
        "ServiceUnavailable",
        "RID-9",
    )


def test_a_poll_reads_the_vendor_membership_and_a_new_member_shows_as_a_join(live) -> None:
    tenants, sim, app, channel = live
    summary = poll_due(tenants.acme_account)
    assert summary.polled >= 1 and summary.failed == 0
    assert set(present(channel)) == {"alice", "bob", "carol"}
    sim.simulator.world.join(app.app_id, channel.channel_id, "dave", role=ROLE_COMMUNICATION)
    Channel.objects.filter(pk=channel.pk).update(last_polled_at=timezone.now() - timedelta(minutes=1))
    poll_account(tenants.acme_account.pk)  # the scheduled job, run inline in tests
    assert set(present(channel)) == {"alice", "bob", "carol", "dave"}
    assert MemberEvent.objects.filter(channel=channel, user_id="dave", kind=EventKind.JOIN).exists()
    channel.refresh_from_db()
    assert channel.is_live and channel.member_count == 4 and channel.mode == "communication"


def test_only_live_or_watched_channels_are_due_and_only_after_an_interval(live, settings) -> None:
    tenants, _sim, app, channel = live
    idle = Channel.objects.create(app=app, channel_id="idle-one")
    assert set(due_channels(tenants.acme_account)) == {channel}
    poll_channels(tenants.acme_account, [channel])
    assert not due_channels(tenants.acme_account).exists()
    later = timezone.now() + timedelta(seconds=settings.LIVE_POLL_SECONDS)
    assert list(due_channels(tenants.acme_account, later)) == [channel]
    assert idle.last_polled_at is None
