"""dashboard/live/poll.py: storing polls (snapshots, join and leave events, presences) and polling the
Aliyun simulator."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from dashboard.live.models import Cause, Channel, EventKind, MemberEvent, Presence, Snapshot
from dashboard.live.poll import Polled, _in_batches, due_channels, poll_channels, poll_due, store
from dashboard.live.tasks import poll_account
from tests.dashboard.conftest import World2
from tests.dashboard.live.conftest import T0, membership, present
from vendors.base.types import ChannelMode, Member, MemberRole, Membership
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


def replayed(channel: Channel) -> set[str]:
    """The members the channel's join and leave events add up to."""
    members: set[str] = set()
    for user_id, kind in (
        MemberEvent.objects.filter(channel=channel).order_by("at", "-kind").values_list("user_id", "kind")
    ):
        (members.add if kind == EventKind.JOIN else members.discard)(user_id)
    return members


@pytest.mark.parametrize(("threads", "batch"), [(1, 250), (8, 250), (1, 2), (8, 2)])
def test_after_every_poll_the_stored_members_are_the_simulators_own(
    live, settings, monkeypatch, threads: int, batch: int
) -> None:
    """Channels polled together, with joins, leaves, kicks and a closed channel between polls:
    after each poll every channel's members, counts, snapshot and events say what the vendor's
    world holds, whether the poll stores them in one batch or in several."""
    settings.LIVE_POLL_THREADS = threads
    monkeypatch.setattr("dashboard.live.poll.STORE_BATCH", batch)
    tenants, sim, app, first = live
    world = sim.simulator.world
    channels = [first] + [
        Channel.objects.create(app=app, channel_id=f"{first.channel_id}-{n}", watched=True) for n in range(5)
    ]
    for n, channel in enumerate(channels[1:], start=1):
        for user in range(n * 3):
            world.join(app.app_id, channel.channel_id, f"u{user}", role=ROLE_COMMUNICATION)
    changes = [
        lambda: world.join(app.app_id, channels[1].channel_id, "late", role=ROLE_COMMUNICATION),
        lambda: world.kick(app.app_id, channels[2].channel_id, "u0"),
        lambda: world.end_channel(app.app_id, channels[3].channel_id),
        lambda: world.join(app.app_id, channels[4].channel_id, "u0", role=ROLE_COMMUNICATION),  # a second terminal
        lambda: world.join(app.app_id, channels[3].channel_id, "u1", role=ROLE_COMMUNICATION),  # open again
        lambda: world.kick(app.app_id, channels[5].channel_id, "u7"),
    ]
    for step in range(4):
        if step:  # the first poll finds them never polled
            for change in changes[(step - 1) * 2 : step * 2]:
                change()
            Channel.objects.filter(pk__in=[c.pk for c in channels]).update(
                last_polled_at=timezone.now() - timedelta(seconds=settings.LIVE_POLL_SECONDS)
            )
        summary = poll_due(tenants.acme_account)
        assert summary.polled == len(channels) and summary.failed == 0
        snapshots_at = set(Snapshot.objects.filter(channel__in=channels).values_list("observed_at", flat=True))
        assert len(snapshots_at) == step + 1  # one instant per poll, whatever the threads and batches
        for channel in channels:
            vendor = {s.user_id for s in world.live_sessions(app.app_id, channel.channel_id)}
            channel.refresh_from_db()
            assert set(present(channel)) == vendor == replayed(channel), (step, channel.channel_id)
            assert channel.member_count == channel.listed_count == len(vendor)
            assert channel.is_live == bool(vendor)
            assert channel.role_counts == ({"communication": len(vendor)} if vendor else {})
            latest = Snapshot.objects.filter(channel=channel).latest("observed_at")
            assert (latest.total, latest.observed_at) == (len(vendor), channel.last_polled_at)
    # The kick above happened at the vendor, not from the console: a plain leave.
    assert MemberEvent.objects.get(channel=channels[2], user_id="u0", kind=EventKind.JOIN).cause == Cause.THERE_BEFORE
    assert MemberEvent.objects.get(channel=channels[2], user_id="u0", kind=EventKind.LEAVE).cause == Cause.NONE
    closed = MemberEvent.objects.filter(channel=channels[3], kind=EventKind.LEAVE).values_list("cause", flat=True)
    assert set(closed) == {Cause.CLOSED}


def test_one_batch_stores_every_channel_as_its_own_answer_says(two_tenants: World2) -> None:
    """Several channels in one store(): roles, ghosts, rejoins, closes and a failure do not mix."""
    app = two_tenants.acme_manual_app
    a, b, c, d = (Channel.objects.create(app=app, channel_id=f"room-{n}", watched=True) for n in "abcd")
    interactive = Membership(
        "room-b",
        True,
        ChannelMode.INTERACTIVE_LIVE,
        (Member("host", MemberRole.INTERACTIVE), Member("v1", MemberRole.VIEWER)),
        {MemberRole.INTERACTIVE: 1, MemberRole.VIEWER: 1},
    )
    store(
        [
            Polled(a, membership=membership("room-a", "x", "y")),
            Polled(b, membership=interactive),
            Polled(c, membership=membership("room-c", "x")),
            Polled(d, membership=membership("room-d", "z")),
        ],
        T0,
    )
    Presence.objects.filter(channel=a, user_id="x").update(kicked_at=T0 + timedelta(seconds=5))
    for channel in (a, b, c, d):
        channel.refresh_from_db()
    promoted = Membership(
        "room-b",
        True,
        ChannelMode.INTERACTIVE_LIVE,
        (Member("host", MemberRole.INTERACTIVE), Member("v1", MemberRole.CO_HOST)),
        {MemberRole.INTERACTIVE: 1, MemberRole.CO_HOST: 1},
    )
    from vendors.base.errors import UnavailableError

    summary = store(
        [
            Polled(a, membership=membership("room-a", "y")),  # x gone after the kick
            Polled(b, membership=promoted),
            Polled(c, membership=membership("room-c", exists=False)),
            Polled(d, error=UnavailableError("busy", vendor="aliyun", code="Busy", request_id="R1")),
        ],
        T0 + timedelta(seconds=30),
    )
    assert (summary.polled, summary.failed, summary.joined, summary.left) == (3, 1, 0, 2)
    assert present(a) == {"y": True} and present(c) == {} and present(d) == {"z": True}
    assert dict(Presence.objects.filter(channel=b).values_list("user_id", "role")) == {
        "host": "interactive",
        "v1": "co_host",
    }
    leaves = {
        (e.channel_id, e.user_id, e.cause)
        for e in MemberEvent.objects.filter(kind=EventKind.LEAVE, at=T0 + timedelta(seconds=30))
    }
    assert leaves == {(a.pk, "x", Cause.KICKED), (c.pk, "x", Cause.CLOSED)}
    b.refresh_from_db()
    assert b.mode == "interactive_live" and b.role_counts == {"interactive": 1, "co_host": 1}
    snapshot = Snapshot.objects.get(channel=b, observed_at=T0 + timedelta(seconds=30))
    assert (snapshot.total, snapshot.role_counts, snapshot.joined, snapshot.left) == (2, b.role_counts, 0, 0)
    assert Presence.objects.get(channel=b, user_id="v1").last_seen_at == T0 + timedelta(seconds=30)
    d.refresh_from_db()
    assert (d.poll_error_code, d.last_polled_at) == ("Busy", T0 + timedelta(seconds=30))
    assert not Snapshot.objects.filter(channel=d, observed_at=T0 + timedelta(seconds=30)).exists()
    store([Polled(a, membership=membership("room-a", "x", "y"))], T0 + timedelta(seconds=60))
    back = MemberEvent.objects.get(channel=a, user_id="x", at=T0 + timedelta(seconds=60))
    assert back.cause == Cause.REJOIN and present(a) == {"x": True, "y": True}


@pytest.mark.parametrize("workers", [1, 7])
def test_threads_answer_every_channel_in_batches_and_a_bug_in_one_call_reaches_the_caller(
    two_tenants: World2, workers: int
) -> None:
    app = two_tenants.acme_manual_app
    channels = [Channel(app=app, channel_id=f"c{n}") for n in range(50)]
    batches = list(_in_batches(lambda channel: Polled(channel), channels, workers, 8))
    assert sorted(item.channel.channel_id for batch in batches for item in batch) == sorted(
        c.channel_id for c in channels
    )
    assert all(len(batch) >= 8 for batch in batches[:-1]) and batches[-1]

    def broken(channel: Channel) -> Polled:
        if channel.channel_id == "c30":
            raise KeyError("c30")
        return Polled(channel)

    with pytest.raises(KeyError):
        list(_in_batches(broken, channels, workers, 8))
