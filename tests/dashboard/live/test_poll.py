"""Live channels: snapshot diffing, polling against the Aliyun simulator, kick, close, history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.credentials.models import VendorAccount
from dashboard.live.diff import Known, diff
from dashboard.live.discovery import discover
from dashboard.live.models import Cause, Channel, EventKind, MemberEvent, Presence, Snapshot
from dashboard.live.poll import Polled, due_channels, poll_channels, poll_due, store
from dashboard.live.tasks import poll_account
from dashboard.rtc.models import RtcApp
from vendors.base.types import ChannelMode, Member, MemberRole, Membership
from vendors.sim.world import ROLE_COMMUNICATION

from .conftest import HTMX, Simulated, World2, logged_in

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def members(*users: str, role: MemberRole = MemberRole.COMMUNICATION) -> tuple[Member, ...]:
    return tuple(Member(user, role) for user in users)


def membership(channel_id: str, *users: str, exists: bool = True) -> Membership:
    listed = members(*users)
    return Membership(channel_id, exists, ChannelMode.COMMUNICATION, listed, {MemberRole.COMMUNICATION: len(listed)})


# --- diffing, pure ------------------------------------------------------------------------------


def test_diff_names_joins_leaves_and_members_who_stayed() -> None:
    known = {"a": Known("a", "communication"), "b": Known("b", "communication")}
    change = diff(known, members("b", "c", "c"))
    assert [c.user_id for c in change.joined] == ["c"]
    assert [c.user_id for c in change.left] == ["a"] and change.left[0].cause == ""
    assert change.stayed == 1 and change.ghosts == []


def test_diff_keeps_a_kicked_member_the_vendor_still_lists_as_a_ghost() -> None:
    known = {"a": Known("a", "communication", kicked_at=T0)}
    still_there = diff(known, members("a"))
    assert still_there.ghosts == ["a"] and not still_there.left and not still_there.joined
    gone = diff(known, members())
    assert [(c.user_id, c.cause) for c in gone.left] == [("a", "kicked")]


def test_diff_tells_a_rejoin_after_a_kick_from_a_first_join() -> None:
    change = diff({}, members("a", "b"), rejoined=["a"])
    assert {c.user_id: c.cause for c in change.joined} == {"a": "rejoin", "b": ""}


def test_diff_notices_a_role_change() -> None:
    change = diff({"a": Known("a", "viewer")}, members("a", role=MemberRole.CO_HOST))
    assert change.role_changed == {"a": "co_host"}


# --- storing polls (no vendor) ------------------------------------------------------------------


@pytest.fixture
def channel(two_tenants: World2) -> Channel:
    return Channel.objects.create(app=two_tenants.acme_manual_app, channel_id="room-1", watched=True)


def poll_with(channel: Channel, result: Membership, at: datetime) -> None:
    channel.refresh_from_db()
    store([Polled(channel, membership=result)], at)


def present(channel: Channel) -> dict[str, bool]:
    """Members the console lists now, each with True unless a kick is waiting for confirmation."""
    return {
        user: kicked_at is None
        for user, kicked_at in Presence.objects.filter(channel=channel).values_list("user_id", "kicked_at")
    }


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


# --- against the simulator ---------------------------------------------------------------------


@pytest.fixture
def live(two_tenants: World2, aliyun_sim: Simulated) -> tuple[World2, Simulated, RtcApp, Channel]:
    """Acme's first Aliyun app with a watched channel holding three users the test put there."""
    world = aliyun_sim.simulator.world
    app_id = world.apps("aliyun")[0].app_id
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id=app_id, name="Meet")
    channel_id = f"test-{uuid.uuid4().hex[:12]}"  # the simulated world outlives each test
    for user in ("alice", "bob", "carol"):
        world.join(app_id, channel_id, user, role=ROLE_COMMUNICATION)
    channel = Channel.objects.create(app=app, channel_id=channel_id, watched=True)
    return two_tenants, aliyun_sim, app, channel


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


def test_kick_one_member_marks_them_audits_and_the_next_poll_confirms(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    url = reverse("live:channel_kick", args=["acme", channel.pk])
    admin = logged_in(tenants.acme_admin)
    confirm = admin.get(url, {"user": "bob"})
    assert (
        confirm.status_code == 200
        and b"Remove 1 user from" in confirm.content
        and channel.channel_id.encode() in confirm.content
    )
    assert Presence.objects.get(channel=channel, user_id="bob").kicked_at is None  # a GET changes nothing
    response = admin.post(url, {"users": "bob", "reason": "customer asked"}, headers=HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "live-changed"
    assert b"1 removed" in response.content
    assert Presence.objects.get(channel=channel, user_id="bob").kicked_at is not None
    entry = AuditEntry.objects.get(action="live.kick")
    assert entry.outcome == Outcome.SUCCESS and entry.vendor_request_id and entry.detail["reason"] == "customer asked"
    assert entry.actor == tenants.acme_admin and entry.detail["user"] == "bob"
    poll_channels(tenants.acme_account, [channel])
    assert set(present(channel)) == {"alice", "carol"}
    assert MemberEvent.objects.get(channel=channel, user_id="bob", kind=EventKind.LEAVE).cause == Cause.KICKED


def test_kick_a_set_reports_each_terminal_including_refusals(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_kick", args=["acme", channel.pk]), {"users": "alice\ncarol\nnobody-here"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "2 removed" in text and "1 refused" in text
    outcomes = dict(AuditEntry.objects.filter(action="live.kick").values_list("detail__user", "outcome"))
    assert outcomes == {"alice": Outcome.SUCCESS, "carol": Outcome.SUCCESS, "nobody-here": Outcome.FAILURE}
    refused = AuditEntry.objects.get(action="live.kick", outcome=Outcome.FAILURE)
    assert refused.error_code and refused.vendor_request_id
    assert set(present(channel)) == {"alice", "bob", "carol"}
    assert {u for u, not_kicked in present(channel).items() if not not_kicked} == {"alice", "carol"}


def test_kicking_more_than_thirty_splits_the_calls(live, aliyun_sim: Simulated, sim_transport) -> None:
    tenants, sim, app, channel = live
    users = [f"crowd{n:03d}" for n in range(65)]
    for user in users:
        sim.simulator.world.join(app.app_id, channel.channel_id, user, role=ROLE_COMMUNICATION)
    batches: list[int] = []

    def counting(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("Action") == "RemoveTerminals":
            batches.append(sum(1 for key in request.url.params if key.startswith("TerminalIds.")))
        return sim.simulator.handle(request)

    sim_transport(counting)
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_kick", args=["acme", channel.pk]), {"users": "\n".join(users)}
    )
    assert response.status_code == 200 and b"65 removed" in response.content
    assert batches == [30, 30, 5]
    assert AuditEntry.objects.filter(action="live.kick", outcome=Outcome.SUCCESS).count() == 65


def test_a_vendor_refusing_a_whole_batch_is_reported_per_terminal(live) -> None:
    tenants, _sim, _app, channel = live
    gone = Channel.objects.create(app=channel.app, channel_id="no-such-channel-here")
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_kick", args=["acme", gone.pk]), {"users": "x\ny"}
    )
    assert response.status_code == 200 and b"2 refused" in response.content
    assert set(AuditEntry.objects.filter(action="live.kick").values_list("error_code", flat=True)) == {
        "Service.NoChannel"
    }


def test_kick_form_refuses_bad_ids_and_loses_what_was_typed(live) -> None:
    tenants, _sim, _app, channel = live
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_kick", args=["acme", channel.pk]), {"users": "ok-user\nbad user!", "reason": "why"}
    )
    assert response.status_code == 200 and b"Letters, digits" in response.content and b"ok-user" in response.content
    assert not AuditEntry.objects.filter(action="live.kick").exists()


def test_close_needs_the_channel_id_typed_then_closes_and_audits(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    url = reverse("live:channel_close", args=["acme", channel.pk])
    admin = logged_in(tenants.acme_admin)
    assert admin.get(url).status_code == 200
    wrong = admin.post(url, {"confirm_channel_id": "something-else"})
    assert wrong.status_code == 200 and b"nothing was closed" in wrong.content
    assert not AuditEntry.objects.filter(action="live.close_channel").exists()
    response = admin.post(url, {"confirm_channel_id": channel.channel_id, "reason": "abuse"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="live.close_channel")
    assert entry.outcome == Outcome.SUCCESS and entry.vendor_request_id and entry.detail["reason"] == "abuse"
    channel.refresh_from_db()
    assert not channel.is_live and channel.member_count == 0 and channel.closed_at
    assert present(channel) == {}
    assert MemberEvent.objects.filter(channel=channel, kind=EventKind.LEAVE, cause=Cause.CLOSED).count() == 3


def test_closing_a_channel_the_vendor_does_not_know_shows_its_answer(live) -> None:
    tenants, _sim, app, _channel = live
    gone = Channel.objects.create(app=app, channel_id="never-existed")
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_close", args=["acme", gone.pk]), {"confirm_channel_id": "never-existed"}
    )
    assert response.status_code == 200 and b"The vendor refused" in response.content
    assert AuditEntry.objects.get(action="live.close_channel").outcome == Outcome.FAILURE


@pytest.mark.parametrize("name", ["live:channel_kick", "live:channel_close"])
def test_viewers_cannot_kick_or_close_and_other_tenants_do_not_see_the_channel(live, name: str) -> None:
    tenants, _sim, _app, channel = live
    url = reverse(name, args=["acme", channel.pk])
    form = {"users": "alice", "confirm_channel_id": channel.channel_id}
    viewer = logged_in(tenants.acme_viewer)
    assert viewer.get(url, {"user": "alice"}).status_code == 403
    assert viewer.post(url, form).status_code == 403
    harbor = logged_in(tenants.harbor_admin)
    assert harbor.get(url).status_code == 404
    assert harbor.post(url, form).status_code == 404
    assert harbor.post(reverse(name, args=["harbor", channel.pk]), form).status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="live.").exists()
    assert set(present(channel)) == set()  # never polled, nothing marked


def test_the_live_page_lists_members_counts_and_hides_kick_from_viewers(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    poll_channels(tenants.acme_account, [channel])
    url = reverse("live:channel_detail", args=["acme", channel.pk])
    page = logged_in(tenants.acme_admin).get(url).content.decode()
    assert (
        "alice" in page
        and "Kick selected" in page
        and "data-live-poll" in page
        and 'data-chart="chart-concurrency"' in page
    )
    fragment = logged_in(tenants.acme_viewer).get(url, {"q": "bo"}, headers=HTMX).content.decode()
    assert fragment.strip().startswith('<div id="live"') and 'data-user="bob"' in fragment
    assert 'data-user="alice"' not in fragment and "Kick" not in fragment


def test_member_session_asks_the_vendor_on_demand(live) -> None:
    tenants, _sim, _app, channel = live
    response = logged_in(tenants.acme_viewer).get(
        reverse("live:member_session", args=["acme", channel.pk]), {"user": "alice"}
    )
    assert response.status_code == 200 and b"joined" in response.content


def test_channel_list_searches_by_channel_and_by_user(live) -> None:
    tenants, _sim, app, channel = live
    Channel.objects.create(app=app, channel_id="other-room")
    poll_channels(tenants.acme_account, [channel])
    url = reverse("live:channel_list", args=["acme", tenants.acme_account.pk])
    viewer = logged_in(tenants.acme_viewer)
    both = viewer.get(url).content.decode()
    assert channel.channel_id in both and "other-room" in both
    assert both.index(channel.channel_id) < both.index("other-room")  # live first
    by_user = viewer.get(url, {"user": "carol"}, headers=HTMX).content.decode()
    assert channel.channel_id in by_user and "other-room" not in by_user and "carol is in it" in by_user
    by_id = viewer.get(url, {"q": "other"}, headers=HTMX).content.decode()
    assert "other-room" in by_id and channel.channel_id not in by_id


def test_watch_by_id_looks_the_channel_up_now(live) -> None:
    tenants, _sim, app, channel = live
    Channel.objects.filter(pk=channel.pk).delete()
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_watch", args=["acme", tenants.acme_account.pk]),
        {"app": app.pk, "channel_id": channel.channel_id},
        follow=True,
    )
    assert response.status_code == 200 and b"3 in it now" in response.content
    watched = Channel.objects.get(app=app, channel_id=channel.channel_id)
    assert watched.watched and watched.discovered_by == "watch" and watched.member_count == 3


def test_discovery_reads_todays_records_and_polls_the_running_channels(live) -> None:
    tenants, _sim, app, channel = live
    Channel.objects.filter(pk=channel.pk).delete()
    summary = discover(tenants.acme_account)
    assert summary.records > 0 and summary.new_channels > 0
    found = Channel.objects.get(app=app, channel_id=channel.channel_id)
    assert found.discovered_by == "records" and found.is_live and found.member_count == 3
    assert set(present(found)) == {"alice", "bob", "carol"}


def test_history_lists_a_days_records_finds_a_user_and_shows_a_channel(live) -> None:
    tenants, _sim, app, channel = live
    viewer = logged_in(tenants.acme_viewer)
    url = reverse("live:channel_history", args=["acme", app.pk])
    page = viewer.get(url).content.decode()
    assert 'id="history-records"' in page and channel.channel_id in page
    assert 'id="user-menu"' in page  # the page keeps its header (the signed-in user is not shadowed)
    mine = viewer.get(url, {"user": "alice"}, headers=HTMX).content.decode()
    assert channel.channel_id in mine and "alice was in" in mine
    bad = viewer.get(url, {"day": "yesterday"}).content.decode()
    assert "is not a date" in bad
    detail = viewer.get(
        reverse("live:channel_history_detail", args=["acme", app.pk]), {"channel": channel.channel_id}
    ).content.decode()
    assert 'id="tier-minutes"' in detail and 'data-chart="chart-users"' in detail and "alice" in detail


def test_the_minute_planner_queues_a_poll_per_interval_for_accounts_with_due_channels(live, settings) -> None:
    from huey.contrib.djhuey import HUEY

    from dashboard.live.tasks import plan_live_polls

    tenants, _sim, _app, channel = live
    settings.LIVE_POLL_SECONDS = 20
    HUEY.storage.flush_all()
    assert plan_live_polls.call_local() == 3  # at 0, 20 and 40 seconds of the minute
    assert {task.args for task in HUEY.scheduled()} == {(tenants.acme_account.pk,)}
    HUEY.storage.flush_all()
    Channel.objects.filter(pk=channel.pk).update(watched=False, is_live=False)
    assert plan_live_polls.call_local() == 0


# --- vendors without a membership read, and rooms opened from the console ----------------------


@pytest.fixture
def other_vendors(two_tenants: World2, sim_transport):
    """ISDP+ and uprtc simulators in process, on one small world, for Acme."""
    from vendors.isdp.sim import IsdpSimulator
    from vendors.sim.world import World, WorldOptions
    from vendors.uprtc.sim import UprtcSimulator

    world = World(WorldOptions(seed=11, apps_per_vendor=1, channels_per_app=3, users_per_app=200))
    sims = {"isdp": IsdpSimulator(world), "uprtc": UprtcSimulator(world)}
    routes = {"isdp": sims["isdp"].handle, "uprtc": sims["uprtc"].handle}
    accounts = {}
    for vendor, sim in sims.items():
        account = VendorAccount(
            tenant=two_tenants.acme, vendor=vendor, label=f"Acme {vendor}", endpoint=f"http://{vendor}.sim"
        )
        account.set_credentials(sim.demo_account(0, 1))
        account.save()
        app_id = sim.demo_app_ids(0, 1)[0]
        RtcApp.objects.create(vendor_account=account, app_id=app_id, source="manual")
        accounts[vendor] = account
    sim_transport(lambda request: routes[request.url.host.split(".")[0]](request))
    return world, accounts


def test_isdp_pages_say_there_is_no_membership_read_and_kick_and_close_by_id(
    two_tenants: World2, other_vendors
) -> None:
    world, accounts = other_vendors
    account = accounts["isdp"]
    app = account.apps.get()
    channel_id = world.app(app.app_id).channels[0].channel_id
    world.join(app.app_id, channel_id, "stuck-user")
    admin = logged_in(two_tenants.acme_admin)
    watched = admin.post(
        reverse("live:channel_watch", args=["acme", account.pk]), {"app": app.pk, "channel_id": channel_id}, follow=True
    )
    page = watched.content.decode()
    assert "has no API that says who is in a channel" in page and "Remove users by id" in page
    channel = Channel.objects.get(app=app, channel_id=channel_id)
    assert channel.watched and channel.last_polled_at is None  # nothing to poll at ISDP+
    assert poll_due(account).polled == 0  # and the scheduled job leaves it alone
    url = reverse("live:channel_kick", args=["acme", channel.pk])
    result = admin.post(url, {"users": "stuck-user\nnever-here"}).content.decode()
    assert "1 removed" in result and "1 refused" in result and "1001001" in result
    assert not [s for s in world.live_sessions(app.app_id, channel_id) if s.user_id == "stuck-user"]
    assert AuditEntry.objects.filter(action="live.kick", vendor="isdp").count() == 2
    if not world.live_sessions(app.app_id, channel_id):
        world.join(app.app_id, channel_id, "someone-else")
    closed = admin.post(reverse("live:channel_close", args=["acme", channel.pk]), {"confirm_channel_id": channel_id})
    assert closed.status_code == 302 and not world.live_sessions(app.app_id, channel_id)
    assert AuditEntry.objects.get(action="live.close_channel").outcome == Outcome.SUCCESS


def test_an_admin_opens_a_uprtc_room_which_is_then_watched_and_polled(two_tenants: World2, other_vendors) -> None:
    _world, accounts = other_vendors
    account = accounts["uprtc"]
    app = account.apps.get()
    admin = logged_in(two_tenants.acme_admin)
    response = admin.post(
        reverse("live:channel_create", args=["acme", account.pk]),
        {"app": app.pk, "mode": "communication", "owner_id": "teacher-1", "channel_id": ""},
        follow=True,
    )
    assert response.status_code == 200 and b"opened and watched" in response.content
    entry = AuditEntry.objects.get(action="live.create_channel")
    channel = Channel.objects.get(app=app, channel_id=entry.detail["channel"])
    assert channel.discovered_by == "console" and channel.watched and channel.last_polled_at
    assert channel.poll_error == "" and b"Nobody is in this channel." in response.content
    refused = logged_in(two_tenants.acme_viewer).post(
        reverse("live:channel_create", args=["acme", account.pk]),
        {"app": app.pk, "mode": "communication", "owner_id": "x"},
    )
    assert refused.status_code == 403
