"""dashboard/live/room_views.py against the uprtc simulator: each room control changes the
simulator's state, is audited with the vendor's answer (per user where it acts on users), and
is offered only where the vendor declares it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel, Discovery
from dashboard.live.poll import poll_channels
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import HTMX, World2, logged_in
from vendors.base.types import ChannelMode
from vendors.sim.world import ROLE_COMMUNICATION, ROLE_VIEWER, World, WorldOptions
from vendors.uprtc.sim import SERVERS, ApiError, UprtcSimulator


@dataclass
class Room:
    tenants: World2
    sim: UprtcSimulator
    account: VendorAccount
    app: RtcApp
    channel: Channel  # a conversation room with alice, bob and carol in it

    def url(self, name: str, channel: Channel | None = None) -> str:
        return reverse(name, args=["acme", (channel or self.channel).pk])

    def live_room(self, owner: str) -> Channel:
        with self.sim._lock:
            room_id = self.sim._new_room(self.app.app_id, "live", {"masterId": owner}).room_id
        return Channel.objects.create(app=self.app, channel_id=room_id, mode=ChannelMode.INTERACTIVE_LIVE.value)


@pytest.fixture
def room(two_tenants: World2, sim_transport) -> Room:
    world = World(WorldOptions(seed=11, apps_per_vendor=1, channels_per_app=3, users_per_app=200))
    sim = UprtcSimulator(world)
    sim_transport(sim.handle)
    account = VendorAccount(tenant=two_tenants.acme, vendor="uprtc", label="Acme uprtc", endpoint="http://uprtc.sim")
    account.set_credentials(sim.demo_account(0, 1))
    account.save()
    app_id = sim.demo_app_ids(0, 1)[0]
    app = RtcApp.objects.create(vendor_account=account, app_id=app_id, source="manual")
    with sim._lock:
        room_id = sim._new_room(app_id, "convo", {"masterId": "alice"}).room_id
        sim.rooms[room_id].invited = ["alice", "bob", "carol"]
    for user in ("alice", "bob", "carol"):
        sim.join(app_id, room_id, user, role=ROLE_COMMUNICATION)
    channel = Channel.objects.create(app=app, channel_id=room_id, watched=True, discovered_by=Discovery.CONSOLE)
    poll_channels(account, [channel])
    return Room(two_tenants, sim, account, app, channel)


def test_the_channel_page_offers_the_room_controls_to_admins_only(room: Room) -> None:
    admin = logged_in(room.tenants.acme_admin).get(room.url("live:channel_detail")).content.decode()
    for name in ("live:channel_lock", "live:channel_block", "live:channel_message", "live:channel_invite"):
        assert room.url(name) in admin, name
    assert room.url("live:member_presence") in admin and room.url("live:channel_room") in admin
    viewer = logged_in(room.tenants.acme_viewer).get(room.url("live:channel_detail")).content.decode()
    assert room.url("live:channel_lock") not in viewer and room.url("live:member_presence") in viewer


def test_viewers_are_refused_every_room_control(room: Room) -> None:
    viewer = logged_in(room.tenants.acme_viewer)
    for name in ("live:channel_lock", "live:channel_unlock", "live:channel_block", "live:channel_message"):
        assert viewer.get(room.url(name)).status_code == 403, name
        assert viewer.post(room.url(name), {"users": "bob", "message": "x"}).status_code == 403, name
    assert not AuditEntry.objects.exists()


def test_lock_is_confirmed_then_refuses_joins_and_unlock_lets_them_in(room: Room) -> None:
    admin = logged_in(room.tenants.acme_admin)
    confirm = admin.get(room.url("live:channel_lock")).content.decode()
    assert (
        "refuses everyone who tries to join" in confirm
        and room.sim.rooms[room.channel.channel_id].joinable_since is None
    )
    response = admin.post(room.url("live:channel_lock"), {"reason": "abuse"}, follow=True)
    assert f"{room.channel.channel_id} is locked" in response.content.decode()
    with pytest.raises(ApiError) as refused:
        room.sim.join(room.app.app_id, room.channel.channel_id, "carol")
    assert refused.value.code == 50022
    entry = AuditEntry.objects.get(action="live.join_lock")
    assert entry.outcome == Outcome.SUCCESS and entry.detail["reason"] == "abuse"
    panel = admin.get(room.url("live:channel_room"), headers=HTMX).content.decode()
    assert "locked" in panel and "acme-admin" in panel
    admin.post(room.url("live:channel_unlock"), {})
    assert room.sim.rooms[room.channel.channel_id].joinable_since is None
    assert "open" in admin.get(room.url("live:channel_room"), headers=HTMX).content.decode()


def test_block_answers_per_user_and_a_blocked_user_cannot_rejoin(room: Room) -> None:
    admin = logged_in(room.tenants.acme_admin)
    confirm = admin.get(room.url("live:channel_block"), {"user": "bob"}).content.decode()
    assert "every room of this account" in confirm and "bob" in confirm
    response = admin.post(room.url("live:channel_block"), {"users": "bob\n", "reason": "spam"}).content.decode()
    assert "1 accepted" in response and 'data-user="bob"' in response
    with pytest.raises(ApiError) as refused:
        room.sim.join(room.app.app_id, room.channel.channel_id, "bob")
    assert refused.value.code == 50000
    entry = AuditEntry.objects.get(action="live.block")
    assert entry.detail["user"] == "bob" and entry.detail["reason"] == "spam" and entry.outcome == Outcome.SUCCESS


def test_messages_reach_the_rooms_log_to_everyone_or_to_each_named_member(room: Room) -> None:
    admin = logged_in(room.tenants.acme_admin)
    admin.post(room.url("live:channel_message"), {"message": "closing in five minutes"})
    admin.post(room.url("live:channel_message"), {"message": '{"kind": "mute"}', "as_json": "on", "users": "bob\nzed"})
    log = room.sim.rooms[room.channel.channel_id].messages
    assert [(m["to"], m["body"]) for m in log] == [
        (None, {"text": "closing in five minutes"}),
        (["bob"], {"kind": "mute"}),
    ]
    entries = AuditEntry.objects.filter(action="live.message").order_by("pk")
    assert [(e.detail.get("user"), e.outcome) for e in entries] == [
        (None, Outcome.SUCCESS),
        ("bob", Outcome.SUCCESS),
        ("zed", Outcome.FAILURE),
    ]
    assert entries[2].error_code == "50011" and entries[0].detail["body"] == {"text": "closing in five minutes"}
    bad = admin.post(room.url("live:channel_message"), {"message": "[1, 2]", "as_json": "on"}).content.decode()
    assert "must be a JSON object" in bad and len(log) == 2


def test_invite_then_the_invited_user_may_join(room: Room) -> None:
    with pytest.raises(ApiError):
        room.sim.join(room.app.app_id, room.channel.channel_id, "dave")
    logged_in(room.tenants.acme_admin).post(room.url("live:channel_invite"), {"users": "dave"})
    room.sim.join(room.app.app_id, room.channel.channel_id, "dave")
    presence = logged_in(room.tenants.acme_viewer).get(room.url("live:member_presence"), {"user": "dave"})
    assert 'data-present="yes"' in presence.content.decode()
    absent = logged_in(room.tenants.acme_viewer).get(room.url("live:member_presence"), {"user": "erin"})
    assert 'data-present="no"' in absent.content.decode()
    assert AuditEntry.objects.get(action="live.invite").detail["user"] == "dave"


def test_live_room_controls_change_the_simulator(room: Room) -> None:
    admin = logged_in(room.tenants.acme_admin)
    a, b = room.live_room("host-a"), room.live_room("host-b")
    room.sim.join(room.app.app_id, a.channel_id, "fan", role=ROLE_VIEWER)
    results = admin.post(room.url("live:co_host_add", a), {"users": "fan\nghost", "video": "on"}).content.decode()
    assert "1 accepted" in results and "1 refused" in results
    assert room.sim.rooms[a.channel_id].cohosts == {"fan": "video"}
    admin.post(room.url("live:co_host_remove", a), {"users": "fan"})
    assert room.sim.rooms[a.channel_id].cohosts == {}
    elsewhere = next(alias for alias in SERVERS if alias != room.sim.rooms[a.channel_id].server_alias)
    admin.post(room.url("live:mirror_create", a), {"server": elsewhere})
    assert room.sim.rooms[a.channel_id].mirrors == [elsewhere]
    admin.post(room.url("live:channel_merge", a), {"room": b.channel_id})
    assert room.sim.rooms[a.channel_id].merged == {b.channel_id}
    panel = admin.get(room.url("live:channel_room", a)).content.decode()
    assert elsewhere in panel and b.channel_id in panel
    admin.post(room.url("live:merged_track", a), {"track": "host-b-audio", "paused": "1"})
    assert room.sim.rooms[a.channel_id].paused_tracks == {"host-b-audio"}
    admin.post(room.url("live:merged_track", a), {"track": "host-b-audio", "paused": "0"})
    assert room.sim.rooms[a.channel_id].paused_tracks == set()
    refused = admin.post(room.url("live:merged_track", a), {"track": "nobody-video", "paused": "1"}).content.decode()
    assert "50016" in refused  # the vendor's refusal, shown on the form
    admin.post(room.url("live:channel_separate", a), {"room": ""})  # the host leaves every merge
    assert room.sim.rooms[a.channel_id].merged == set()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"live.co_host_add", "live.co_host_remove", "live.mirror_create", "live.merge", "live.separate"} <= actions
    failed = AuditEntry.objects.get(action="live.merged_track", outcome=Outcome.FAILURE)
    assert failed.error_code == "50016"


def test_the_rooms_recording_status_sits_beside_the_consoles_recordings(room: Room) -> None:
    fragment = logged_in(room.tenants.acme_viewer).get(room.url("live:channel_recording_status")).content.decode()
    assert 'data-state="none"' in fragment and "0 not recording" in fragment
    start = logged_in(room.tenants.acme_admin).get(room.url("recordings:recording_start")).content.decode()
    assert room.url("live:channel_recording_status") in start


def test_watch_by_id_asks_whether_the_room_exists(room: Room) -> None:
    admin = logged_in(room.tenants.acme_admin)
    url = reverse("live:channel_list", args=["acme", room.account.pk]).replace("channels/", "channels/watch/")
    answer = admin.post(url, {"app": room.app.pk, "channel_id": "NoSuchR"}, follow=True).content.decode()
    assert "has no channel NoSuchR now: check the id" in answer
    answer = admin.post(url, {"app": room.app.pk, "channel_id": room.channel.channel_id}, follow=True).content.decode()
    assert "has no channel" not in answer and "3 in it now" in answer
