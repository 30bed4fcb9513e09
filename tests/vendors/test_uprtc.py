"""uprtc (spec 003): every endpoint through MockTransport and loopback HTTP, against the simulator."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendors import registry
from vendors.base.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
    VendorError,
)
from vendors.base.http import RetryPolicy
from vendors.base.types import ChannelMode, MemberRole
from vendors.sim import Faults
from vendors.sim.server import SimServer
from vendors.sim.world import ROLE_VIEWER, World
from vendors.uprtc.client import UprtcClient
from vendors.uprtc.errors import CODES, error_for_code
from vendors.uprtc.models import RecordStatus, RoomKind
from vendors.uprtc.sim import SERVERS, ApiError, UprtcSimulator, demo_secret

from .conftest import FakeClock


@pytest.fixture
def sim(world: World) -> UprtcSimulator:
    return UprtcSimulator(world)


@pytest.fixture
def project(world: World) -> str:
    return world.apps("uprtc")[0].app_id


@pytest.fixture(params=["in-process", "loopback-http"])
def base(request: pytest.FixtureRequest, sim: UprtcSimulator) -> Iterator[tuple[str, httpx.BaseTransport | None]]:
    if request.param == "in-process":
        yield "http://uprtc.sim.invalid", httpx.MockTransport(sim.handle)
    else:
        with SimServer(sim.handle) as server:
            yield server.base_url, None


@pytest.fixture
def client(base, project) -> Iterator[UprtcClient]:
    url, transport = base
    with UprtcClient(demo_secret(project), base_url=url, transport=transport, retry=RetryPolicy.never()) as c:
        yield c


def busy_room(sim: UprtcSimulator, project: str, kind: str = "convo") -> tuple[str, list]:
    """A world room with people in it right now."""
    app = sim.world.app(project)
    for channel in app.channels:
        if (channel.profile == 2) != (kind == "live"):
            continue
        live = sim.world.live_sessions(project, channel.channel_id)
        if len(live) >= 2:
            return sim.world_room_id(project, channel.channel_id), live
    pytest.fail(f"the test world has no busy {kind} room: pick another seed")


# --- authentication and envelope ---------------------------------------------------------


def test_wrong_or_missing_secret_is_an_authentication_error(base) -> None:
    url, transport = base
    bad = UprtcClient("not-a-secret", base_url=url, transport=transport, retry=RetryPolicy.never())
    with bad, pytest.raises(AuthenticationError) as caught:
        bad.room_count()
    assert caught.value.code == "10001"
    raw = httpx.Client(base_url=url, transport=transport).get("/uprtc/api/v2/server/room/num")
    assert raw.json()["code"] == 10001


def test_unknown_paths_and_methods(client: UprtcClient, base) -> None:
    url, transport = base
    raw = httpx.Client(base_url=url, transport=transport, headers=client._http.headers)
    assert raw.get("/uprtc/api/v2/nothing/here").status_code == 404
    assert raw.put("/uprtc/api/v2/server/room/num").status_code == 405
    assert raw.get("/elsewhere").json()["code"] == 10003


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_documented_code_maps_to_the_hierarchy(code: int) -> None:
    error = error_for_code(code, "")
    assert isinstance(error, VendorError) and error.code == str(code) and error.message == CODES[code][0]
    expected = {
        10001: AuthenticationError,
        50001: NotFoundError,
        50011: NotFoundError,
        50019: NotFoundError,
        50002: ConflictError,
        50020: ConflictError,
        10000: UnavailableError,
        50015: UnavailableError,
    }
    if code in expected:
        assert isinstance(error, expected[code])
    assert error.transient == isinstance(error, UnavailableError)


# --- conversation rooms ------------------------------------------------------------------


def test_conversation_room_lifecycle(client: UprtcClient) -> None:
    created = client.create_conversation_room("alice", ["bob", "carol"], max_member_num=4)
    assert len(created.room_id) == 7 and created.server.alias.endswith(":cluster-1")
    assert isinstance(created.invitation_code, int)
    info = client.room_info(created.room_id)
    assert info.kind is RoomKind.CONVERSATION and info.master_id == "alice"
    assert set(info.invited_user_ids) == {"alice", "bob", "carol"} and info.max_member_num == 4
    assert client.room_exists(created.room_id)
    client.add_conversation_members(created.room_id, ["dave"])
    with pytest.raises(ConflictError) as full:
        client.add_conversation_members(created.room_id, ["erin"])
    assert full.value.code == "50012"
    client.broadcast(created.room_id, {"type": "notice", "text": "hello"})
    client.set_joinable(created.room_id, False)
    client.delete_room(created.room_id)
    assert not client.room_exists(created.room_id)
    with pytest.raises(NotFoundError) as gone:
        client.room_info(created.room_id)
    assert gone.value.code == "50001"


def test_room_id_rules(client: UprtcClient, sim: UprtcSimulator) -> None:
    first = client.create_conversation_room("alice").room_id
    with pytest.raises(ConflictError) as twice:
        client.create_conversation_room("alice", room_id=first)
    assert twice.value.code == "50002"
    other_owner = client.create_conversation_room("bob", room_id=first).room_id
    assert other_owner != first
    client.delete_room(first)
    assert client.create_live_room("alice", room_id=first).room_id == first  # reused after the room ended
    foreign = client.create_conversation_room("alice", room_id="Zz9Zz9Z").room_id
    assert foreign != "Zz9Zz9Z"  # not issued by this service


def test_world_room_members_and_remove_peer(client: UprtcClient, sim: UprtcSimulator, project: str) -> None:
    room_id, live = busy_room(sim, project)
    info = client.room_info(room_id)
    present = {s.user_id for s in live}
    assert set(info.member_ids) == present and info.total == len(present)
    victim = sorted(present)[0]
    assert client.peer_joined(room_id, victim)
    client.message_peers(room_id, [victim], {"text": "please reconnect"})
    client.remove_peer(room_id, victim)
    assert not client.peer_joined(room_id, victim)
    assert victim not in client.room_info(room_id).member_ids
    with pytest.raises(NotFoundError) as absent:
        client.remove_peer(room_id, victim)
    assert absent.value.code == "50011"
    with pytest.raises(NotFoundError):
        client.message_peers(room_id, [victim], {"text": "hello?"})


def test_join_disabled_keeps_newcomers_out(
    client: UprtcClient, sim: UprtcSimulator, project: str, clock: FakeClock
) -> None:
    room_id, _ = busy_room(sim, project)
    client.set_joinable(room_id, False)
    disabled_at = sim.world.now_minute() + 1
    clock.advance(minutes=20)
    room = sim.rooms[room_id]
    assert all(s.start < disabled_at for s in sim._sessions(room))
    client.set_joinable(room_id, True)
    for _ in range(48):  # within two days somebody joins again
        clock.advance(hours=1)
        if any(s.start >= disabled_at for s in sim._sessions(room)):
            break
    else:
        pytest.fail("nobody could join after join was enabled again")


def test_deleting_a_world_room_ends_every_session(client: UprtcClient, sim: UprtcSimulator, project: str) -> None:
    room_id, live = busy_room(sim, project)
    client.delete_room(room_id)
    assert not client.room_exists(room_id)
    channel = live[0].channel_id
    assert sim.world.live_sessions(project, channel) == []


# --- live rooms --------------------------------------------------------------------------


def test_merging_separating_and_tracks(client: UprtcClient, sim: UprtcSimulator) -> None:
    a = client.create_live_room("host-a").room_id
    b = client.create_live_room("host-b").room_id
    c = client.create_live_room("host-c").room_id
    client.merge(a, b)
    client.merge(a, c)
    assert {room.room_id for room in client.merged_rooms(b)} == {a, c}  # connected through a
    with pytest.raises(ConflictError) as again:
        client.merge(b, a)
    assert again.value.code == "50014"
    with pytest.raises(NotFoundError) as missing:
        client.merge(a, "NoSuchR")
    assert missing.value.code == "50010"
    client.set_merged_track(a, "host-b-audio", paused=True)
    client.set_merged_track(a, "host-b-audio", paused=False)
    with pytest.raises(NotFoundError) as no_track:
        client.set_merged_track(a, "nobody-video", paused=True)
    assert no_track.value.code == "50016"
    client.separate(a, b)
    assert [room.room_id for room in client.merged_rooms(b)] == []
    with pytest.raises(NotFoundError):
        client.separate(a, b)
    with pytest.raises(InvalidRequestError):
        client.separate_self(a, "not-the-host")
    client.separate_self(a, "host-a")
    assert client.merged_rooms(c) == []
    assert client.room_info(a).merge_room_ids == ()


def test_mirrors(client: UprtcClient) -> None:
    created = client.create_live_room("host")
    elsewhere = next(
        alias for alias in ("rtc-1:cluster-1", "rtc-2:cluster-1", "rtc-3:cluster-1") if alias != created.server.alias
    )
    client.create_mirror(created.room_id, elsewhere)
    assert [server.alias for server in client.mirrors(created.room_id)] == [elsewhere]
    assert client.room_info(created.room_id).mirror_servers == (elsewhere,)
    with pytest.raises(ConflictError) as twice:
        client.create_mirror(created.room_id, elsewhere)
    assert twice.value.code == "50013"
    with pytest.raises(InvalidRequestError):
        client.create_mirror(created.room_id, created.server.alias)
    conversation = client.create_conversation_room("x").room_id
    with pytest.raises(InvalidRequestError) as not_live:
        client.mirrors(conversation)
    assert not_live.value.code == "10003"


def test_cohosts_in_a_live_world_room(client: UprtcClient, sim: UprtcSimulator, project: str) -> None:
    room_id, live = busy_room(sim, project, "live")
    viewers = sorted({s.user_id for s in live if s.role == ROLE_VIEWER})
    if not viewers:
        pytest.fail("the busy live room has no audience: pick another seed")
    client.add_cohost(room_id, viewers[0], kind="video")
    assert client.cohosts(room_id) == [viewers[0]]
    assert viewers[0] in client.room_info(room_id).member_ids
    with pytest.raises(ConflictError):
        client.add_cohost(room_id, viewers[0])
    client.remove_cohost(room_id, viewers[0])
    with pytest.raises(NotFoundError):
        client.remove_cohost(room_id, viewers[0])
    with pytest.raises(NotFoundError):
        client.add_cohost(room_id, "someone-not-here")
    with pytest.raises(ValidationError):
        client.add_cohost(room_id, viewers[0], kind="hologram")


# --- recording ---------------------------------------------------------------------------


def test_recording_moves_through_its_states(client: UprtcClient, sim: UprtcSimulator, project: str, clock: FakeClock):
    room_id, _ = busy_room(sim, project)
    started = client.start_recording(room_id, record_everyone=True, resolution="1080p")
    assert client.recording_status(started.record_id) is RecordStatus.PREPARING
    clock.advance(seconds=4)
    assert client.room_record_status(room_id) is RecordStatus.RECORDING
    with pytest.raises(ConflictError) as busy:
        client.start_recording(room_id, record_everyone=True)
    assert busy.value.code == "50020"
    clock.advance(seconds=30)
    with pytest.raises(NotFoundError) as early:
        client.download(started.record_id)
    assert early.value.code == "50019"
    client.stop_recording(room_id)
    assert client.recording_status(started.record_id) is RecordStatus.ENDED
    with pytest.raises(InvalidRequestError):
        client.stop_recording(room_id)
    clock.advance(seconds=3)
    assert client.recording_status(started.record_id) is RecordStatus.WAITING_FOR_PROCESSING
    clock.advance(seconds=4)
    assert client.recording_status(started.record_id) is RecordStatus.PROCESSING
    clock.advance(seconds=5)
    assert client.recording_status(started.record_id) is RecordStatus.PROCESSED
    download = client.download(started.record_id)
    assert download.media_type == "video/mp4" and download.content[4:8] == b"ftyp"
    assert download.filename == f"{started.record_id}.mp4"
    playback = client.create_playback_room(
        started.record_id, started.server_alias, loop_play=True, start_time=1, end_time=100
    )
    assert client.room_info(playback.room_id).kind is RoomKind.LIVE
    # a new recording of the same room may start now
    client.start_recording(room_id, peers=[client.room_info(room_id).member_ids[0]])


def test_deleting_a_room_while_recording_fails_the_recording(client: UprtcClient, sim, project, clock) -> None:
    room_id, _ = busy_room(sim, project)
    started = client.start_recording(room_id, record_everyone=True)
    clock.advance(seconds=5)
    client.delete_room(room_id)
    assert client.recording_status(started.record_id) is RecordStatus.FAILED


def test_recording_refusals(client: UprtcClient, sim: UprtcSimulator, project: str) -> None:
    room_id, _ = busy_room(sim, project)
    with pytest.raises(InvalidRequestError):
        client.start_recording(room_id)  # a conversation room needs peers or all
    with pytest.raises(UnavailableError) as no_server:
        client.start_recording(room_id, record_everyone=True, server_alias="rtc-9:cluster-9")
    assert no_server.value.code == "50021"
    with pytest.raises(NotFoundError):
        client.start_recording("NoSuchR", record_everyone=True)
    with pytest.raises(ValidationError):
        client.start_recording(room_id, resolution="4k")
    with pytest.raises(ValidationError):
        client.create_playback_room("x", "rtc-1:cluster-1", loop_play=True)


def test_upload_then_download_returns_the_file(client: UprtcClient, clock: FakeClock) -> None:
    content = b"\x00\x00\x00\x18ftypmp42" + bytes(range(200))
    uploaded = client.upload("talk.mp4", content)
    assert client.recording_status(uploaded.record_id) is RecordStatus.PROCESSING
    clock.advance(seconds=5)
    download = client.download(uploaded.record_id)
    assert download.content == content and download.media_type == "video/mp4" and download.filename == "talk.mp4"
    link = client.client_upload_url()
    assert link.upload_url.endswith(f"record?recordId={link.record_id}")
    assert client.recording_status(link.record_id) is RecordStatus.NOT_RECORDING


# --- servers -------------------------------------------------------------------------------


def test_servers_recycle_and_block(client: UprtcClient, sim: UprtcSimulator, project: str, clock: FakeClock) -> None:
    assert client.least_loaded_server().alias in SERVERS
    assert client.record_server().address
    assert client.room_count() >= 1
    loads = client.cpu_load()
    assert [load.pid for load in loads] == [32412, 32413] and all(0 <= load.cpu_percent <= 100 for load in loads)
    client.recycle_server()
    for _ in range(5):
        assert client.least_loaded_server().alias != "rtc-1:cluster-1"
        client.create_live_room("filler")
    room_id, live = busy_room(sim, project)
    blocked = live[0].user_id
    client.block_peer(blocked)
    assert not client.peer_joined(room_id, blocked)
    for _ in range(6):
        clock.advance(hours=1)
        for room in sim._project_rooms(project):
            assert blocked not in sim._peers(room)


# --- robustness ------------------------------------------------------------------------------


def test_gateway_faults_and_retries(world: World, project: str) -> None:
    flaky = UprtcSimulator(world, faults=Faults(error_rate=1.0))
    with (
        UprtcClient(
            demo_secret(project),
            transport=httpx.MockTransport(flaky.handle),
            retry=RetryPolicy(attempts=3, wait_initial=0, wait_max=0, wait_jitter=0),
        ) as c,
        pytest.raises(UnavailableError) as caught,
    ):
        c.room_count()
    assert caught.value.http_status == 502 and flaky.requests_served == 0
    throttled = UprtcSimulator(world, faults=Faults(throttle_rate=1.0))
    with (
        UprtcClient(
            demo_secret(project), transport=httpx.MockTransport(throttled.handle), retry=RetryPolicy.never()
        ) as c,
        pytest.raises(RateLimitedError) as slow,
    ):
        c.room_count()
    assert slow.value.retry_after == 1.0


@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
            max_leaves=12,
        ).map(lambda value: json.dumps(value).encode()),
    ),
    status=st.sampled_from([200, 400, 404, 429, 500, 503]),
)
def test_any_reply_raises_only_the_hierarchy(body: bytes, status: int) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body))
    with UprtcClient("secret", transport=transport, retry=RetryPolicy.never()) as c:
        for call in (
            c.room_info,
            c.room_exists,
            c.mirrors,
            c.cohosts,
            c.merged_rooms,
            c.room_record_status,
            lambda _: c.cpu_load(),
            lambda _: c.least_loaded_server(),
            c.download,
        ):
            with contextlib.suppress(VendorError):
                call("Room123")


def test_a_success_envelope_with_a_wrong_shape_is_malformed() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"code": 0, "data": [1, 2], "msg": ""}))
    with (
        UprtcClient("secret", transport=transport, retry=RetryPolicy.never()) as c,
        pytest.raises(MalformedResponseError),
    ):
        c.room_info("Room123")


def test_client_side_validation_sends_nothing() -> None:
    sent = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200, json={"code": 0}))
    with UprtcClient("secret", transport=transport) as c:
        for bad in (
            lambda: c.create_conversation_room(""),
            lambda: c.create_conversation_room("a", "bob"),
            lambda: c.create_conversation_room("a", protocol=7),
            lambda: c.create_conversation_room("a", min_bitrate=5_000_000),
            lambda: c.create_conversation_room("a", max_member_num=-1),
            lambda: c.room_info("a/b"),
            lambda: c.add_conversation_members("Room123", []),
            lambda: c.message_peers("Room123", [], {}),
            lambda: c.upload("x.mp4", b""),
        ):
            with pytest.raises(ValidationError):
                bad()
    assert sent == []


# --- the normalized provider ------------------------------------------------------------------


def test_provider_membership_kick_and_close(sim: UprtcSimulator, project: str) -> None:
    info = registry.get("uprtc")
    provider = info.connect({"app_secret": demo_secret(project)}, transport=httpx.MockTransport(sim.handle))
    assert provider.check_connection() == ""
    room_id, live = busy_room(sim, project, "live")
    if not any(
        s.role != ROLE_VIEWER for s in live
    ):  # nobody publishes in the busiest live room right now: someone starts
        sim.world.join(project, live[0].channel_id, "host-of-test")
        live = sim.world.live_sessions(project, live[0].channel_id)
    publishers = provider.membership(project, room_id).members
    assert publishers and all(member.role is MemberRole.INTERACTIVE for member in publishers)
    viewer = next(s.user_id for s in live if s.user_id not in {m.user_id for m in publishers})
    provider.client.add_cohost(room_id, viewer)
    membership = provider.membership(project, room_id)
    assert membership.exists and membership.mode is ChannelMode.INTERACTIVE_LIVE
    assert membership.total == len({s.user_id for s in live})
    roles = {member.user_id: member.role for member in membership.members}
    assert roles[viewer] is MemberRole.CO_HOST and membership.counts[MemberRole.CO_HOST] == 1
    assert membership.counts[MemberRole.VIEWER] == membership.total - len(roles)
    target = membership.members[0].user_id if membership.members else live[0].user_id
    results = provider.kick(project, room_id, [target, "not-here"])
    assert [r.ok for r in results] == [True, False] and results[1].code == "50011"
    provider.close_channel(project, room_id)
    assert not provider.membership(project, room_id).exists
    with pytest.raises(VendorError):
        provider.list_apps()


def _provider(sim: UprtcSimulator, project: str):
    transport = httpx.MockTransport(sim.handle)
    return registry.get("uprtc").connect({"app_secret": demo_secret(project)}, transport=transport)


def test_a_locked_room_refuses_joins_until_unlocked(sim: UprtcSimulator, project: str) -> None:
    provider = _provider(sim, project)
    room_id, live = busy_room(sim, project)
    present = live[0].user_id
    provider.set_join_lock(project, room_id, locked=True)
    with pytest.raises(ApiError) as refused:
        sim.join(project, room_id, "newcomer")
    assert refused.value.code == 50022
    assert provider.member_present(project, room_id, present)  # whoever was in stays
    assert not provider.member_present(project, room_id, "newcomer")
    provider.set_join_lock(project, room_id, locked=False)
    sim.join(project, room_id, "newcomer")
    assert provider.member_present(project, room_id, "newcomer")


def test_a_blocked_peer_is_removed_and_cannot_rejoin_any_room(sim: UprtcSimulator, project: str) -> None:
    provider = _provider(sim, project)
    room_id, live = busy_room(sim, project)
    victim = sorted({s.user_id for s in live})[0]
    results = provider.block_members(project, room_id, [victim, "never-here"])
    assert [(r.user_id, r.ok) for r in results] == [(victim, True), ("never-here", True)]
    assert not provider.member_present(project, room_id, victim)
    for user in (victim, "never-here"):
        with pytest.raises(ApiError) as refused:
            sim.join(project, room_id, user)
        assert refused.value.code == 50000
    other = provider.create_channel(project, "owner", ChannelMode.INTERACTIVE_LIVE)
    with pytest.raises(ApiError):
        sim.join(project, other, victim)


def test_messages_reach_the_rooms_log_for_everyone_or_each_member(sim: UprtcSimulator, project: str) -> None:
    provider = _provider(sim, project)
    room_id, live = busy_room(sim, project)
    member = sorted({s.user_id for s in live})[0]
    assert provider.broadcast_message(project, room_id, {"text": "closing in 5 minutes"}) == ""
    results = provider.message_members(project, room_id, [member, "not-here"], {"text": "please mute"})
    assert [(r.user_id, r.ok, r.code) for r in results] == [(member, True, ""), ("not-here", False, "50011")]
    log = sim.rooms[room_id].messages
    assert [(m["to"], m["body"]) for m in log] == [
        (None, {"text": "closing in 5 minutes"}),
        ([member], {"text": "please mute"}),
    ]


def test_invited_members_may_join_a_conversation_room_and_others_not(sim: UprtcSimulator, project: str) -> None:
    provider = _provider(sim, project)
    room_id = provider.create_channel(project, "owner", ChannelMode.COMMUNICATION)
    with pytest.raises(ApiError) as uninvited:
        sim.join(project, room_id, "guest")
    assert uninvited.value.code == 50003
    assert [r.ok for r in provider.invite_members(project, room_id, ["guest", "second"])] == [True, True]
    assert set(provider.channel_details(project, room_id).invited) >= {"owner", "guest", "second"}
    sim.join(project, room_id, "guest")
    assert provider.member_present(project, room_id, "guest")
    assert provider.channel_exists(project, room_id)
    assert not provider.channel_exists(project, "NoSuchR")
    live = provider.create_channel(project, "host", ChannelMode.INTERACTIVE_LIVE)
    refused = provider.invite_members(project, live, ["guest"])
    assert not refused[0].ok and refused[0].code == "10003"


def test_live_room_controls_through_the_provider(sim: UprtcSimulator, project: str) -> None:
    provider = _provider(sim, project)
    a = provider.create_channel(project, "host-a", ChannelMode.INTERACTIVE_LIVE)
    b = provider.create_channel(project, "host-b", ChannelMode.INTERACTIVE_LIVE)
    details = provider.channel_details(project, a)
    assert details.mode is ChannelMode.INTERACTIVE_LIVE and details.owner_id == "host-a" and details.server
    sim.join(project, a, "fan", role=ROLE_VIEWER)
    assert [r.ok for r in provider.add_co_hosts(project, a, ["fan", "stranger"], video=True)] == [True, False]
    assert sim.rooms[a].cohosts == {"fan": "video"}
    assert [r.ok for r in provider.remove_co_hosts(project, a, ["fan"])] == [True]
    assert sim.rooms[a].cohosts == {}
    elsewhere = next(alias for alias in SERVERS if alias != details.server.alias)
    provider.create_mirror(project, a, elsewhere)
    assert [server.alias for server in provider.mirrors(project, a)] == [elsewhere]
    provider.merge_channels(project, a, b)
    assert [m.channel_id for m in provider.merged_channels(project, a)] == [b]
    provider.set_merged_track(project, a, "host-b-video", paused=True)
    assert sim.rooms[a].paused_tracks == {"host-b-video"}
    provider.set_merged_track(project, a, "host-b-video", paused=False)
    assert sim.rooms[a].paused_tracks == set()
    provider.separate_channels(project, a, b)
    assert provider.merged_channels(project, a) == []
    provider.merge_channels(project, a, b)
    provider.separate_channels(project, a, None)  # the host of a leaves every connection
    assert provider.merged_channels(project, b) == []
    status = provider.channel_recording_status(project, a)
    assert status.state is None and status.vendor_status == "0 not recording"


def test_server_operations_through_the_provider(sim: UprtcSimulator, project: str) -> None:
    provider = _provider(sim, project)
    assert provider.least_loaded_server().alias in SERVERS
    assert provider.recording_server().alias in SERVERS
    loads = provider.server_cpu_load()
    assert loads and all(0 <= load.cpu_percent <= 100 for load in loads)
    assert provider.server_channel_count() >= 0
    target = provider.recording_upload_url()
    assert target.recording_id and target.upload_url.endswith(f"recordId={target.recording_id}")
    uploaded = provider.upload_recording("talk.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")
    assert uploaded.recording_id in sim.recordings and uploaded.server.alias in SERVERS
    provider.recycle_server()
    assert "rtc-1:cluster-1" in sim.recycled
    assert provider.least_loaded_server().alias != "rtc-1:cluster-1"
