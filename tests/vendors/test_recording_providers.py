"""Recordings through the normalized Provider interface, against each vendor's simulator."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from vendors import registry
from vendors.anyrtc.sim import DEMO_CUSTOMER_ID, DEMO_CUSTOMER_SECRET, AnyRtcSimulator
from vendors.base.errors import CallbackRejectedError, InvalidRequestError, UnsupportedCapabilityError, ValidationError
from vendors.base.provider import Capability
from vendors.base.types import (
    MixLayout,
    Pane,
    RecordingKind,
    RecordingRequest,
    RecordingRule,
    RecordingState,
    Rgb,
    SourceType,
    StorageTarget,
)
from vendors.isdp import callbacks
from vendors.isdp.sim import IsdpSimulator, access_key, app_token
from vendors.sim.world import World
from vendors.uprtc.sim import UprtcSimulator, demo_secret

from .conftest import FakeClock

STORAGE = StorageTarget(vendor=2, region=3, bucket="tenant-bucket", access_key="AK", secret_key="SK", prefix=("rec",))
SIDE_BY_SIDE = MixLayout(
    panes=(Pane(0, 0, 0.5, 1, user_id=None), Pane(0.5, 0, 0.5, 1, z=1)),
    background=Rgb(16, 32, 48),
)


def publishers(world: World, app_id: str) -> tuple[str, list[str]]:
    for channel in world.app(app_id).channels:
        users = sorted({s.user_id for s in world.live_sessions(app_id, channel.channel_id) if s.publishes})
        if len(users) >= 2:
            return channel.channel_id, users
    pytest.fail("no channel with two publishers: pick another seed")


# --- anyRTC ---------------------------------------------------------------------------


@pytest.fixture
def anyrtc(world: World):
    sim = AnyRtcSimulator(world)
    provider = registry.get("anyrtc").connect(
        {"customer_id": DEMO_CUSTOMER_ID, "customer_secret": DEMO_CUSTOMER_SECRET},
        transport=httpx.MockTransport(sim.handle),
    )
    return sim, provider, world.apps("anyrtc")[0].app_id


def test_anyrtc_mixed_recording_lifecycle(anyrtc, world: World, clock: FakeClock) -> None:
    sim, provider, app_id = anyrtc
    channel, users = publishers(world, app_id)
    layout = MixLayout(panes=(Pane(0, 0, 0.5, 1, user_id=users[0]), Pane(0.5, 0, 0.5, 1, z=1, user_id=users[1])))
    started = provider.start_recording(app_id, channel, RecordingRequest(layout=layout, storage=STORAGE))
    assert started.state is RecordingState.STARTING and started.handle["mode"] == "mix"
    sent = sim.sessions[started.handle["sid"]].request
    assert sent["storageConfig"]["bucket"] == "tenant-bucket" and sent["storageConfig"]["fileNamePrefix"] == ["rec"]
    panes = sent["recordingConfig"]["transcodingConfig"]["layoutConfig"]
    assert [pane["uid"] for pane in panes] == users[:2]
    clock.advance(seconds=7)
    running = provider.recording_status(app_id, started.handle)
    assert running.state is RecordingState.RECORDING and running.files
    assert provider.update_recording_layout(app_id, started.handle, SIDE_BY_SIDE) == ""
    provider.update_recording_users(app_id, started.handle, users[:1])
    stopped = provider.stop_recording(app_id, started.handle)
    assert stopped.state is RecordingState.STOPPING and stopped.files[0].name.endswith(".m3u8")
    clock.advance(seconds=3)
    assert provider.recording_status(app_id, started.handle).state is RecordingState.STOPPING
    clock.advance(seconds=10)
    assert provider.recording_status(app_id, started.handle).state is RecordingState.FINISHED


def test_anyrtc_refuses_what_it_cannot_record(anyrtc, world: World) -> None:
    _, provider, app_id = anyrtc
    channel, _ = publishers(world, app_id)
    screen = MixLayout(panes=(Pane(0, 0, 1, 1, source=SourceType.SCREEN),))
    with pytest.raises(ValidationError, match="camera or screen"):
        provider.start_recording(app_id, channel, RecordingRequest(layout=screen))
    with pytest.raises(ValidationError):
        provider.start_recording(app_id, channel, RecordingRequest(kind=RecordingKind.IMAGE))
    bad_storage = StorageTarget(vendor=0, region=9, bucket="b", access_key="a", secret_key="s")
    with pytest.raises(ValidationError, match="region"):
        provider.start_recording(app_id, channel, RecordingRequest(storage=bad_storage))
    with pytest.raises(UnsupportedCapabilityError):
        provider.recording_rules(app_id)


# --- uprtc ----------------------------------------------------------------------------


@pytest.fixture
def uprtc(world: World):
    sim = UprtcSimulator(world)
    project = world.apps("uprtc")[0].app_id
    provider = registry.get("uprtc").connect(
        {"app_secret": demo_secret(project)}, transport=httpx.MockTransport(sim.handle)
    )
    return sim, provider, project


def test_uprtc_recording_playback_and_download(uprtc, world: World, clock: FakeClock) -> None:
    sim, provider, project = uprtc
    channel, users = publishers(world, project)
    room = sim.world_room_id(project, channel)
    started = provider.start_recording(project, room, RecordingRequest(users=tuple(users[:2]), featured_user=users[0]))
    assert started.state is RecordingState.STARTING and not started.files
    clock.advance(seconds=4)
    assert provider.recording_status(project, started.handle).state is RecordingState.RECORDING
    clock.advance(seconds=20)
    assert provider.stop_recording(project, started.handle).state is RecordingState.STOPPING
    clock.advance(seconds=11)
    done = provider.recording_status(project, started.handle)
    assert done.state is RecordingState.FINISHED and done.files[0].media_type == "video/mp4"
    playback = provider.recording_playback(project, started.handle)
    assert playback.room_id and playback.server_url.startswith("wss://")
    download = provider.download_recording(project, started.handle)
    assert download.media_type == "video/mp4" and download.content[4:8] == b"ftyp"
    with pytest.raises(ValidationError):
        provider.start_recording(project, room, RecordingRequest(layout=SIDE_BY_SIDE))


# --- ISDP+ ----------------------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.received: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        return httpx.Response(200, json={"errorCode": "0"})


@pytest.fixture
def isdp(world: World, clock: FakeClock):
    sink = Sink()
    sim = IsdpSimulator(world, deliver_in_background=False, callback_transport=httpx.MockTransport(sink.handle))
    app_id = world.apps("isdp")[0].app_id
    credentials = {"app_id": app_id, "app_token": app_token(app_id), "access_key": access_key(app_id)}
    provider = registry.get("isdp").connect(credentials, transport=httpx.MockTransport(sim.handle))
    provider.client.clock = clock
    return sim, provider, app_id, sink


def test_isdp_capture_stop_and_a_verified_callback(isdp, world: World, clock: FakeClock) -> None:
    sim, provider, app_id, sink = isdp
    channel, users = publishers(world, app_id)
    request = RecordingRequest(users=(users[0],), rule_id="1001", callback_url="https://console.example/hook/x/")
    started = provider.start_recording(app_id, channel, request)
    assert started.state is RecordingState.RECORDING
    assert provider.stop_recording(app_id, started.handle).state is RecordingState.STOPPING
    clock.advance(seconds=4)
    sim.pump()
    [delivery] = sink.received
    headers, body = dict(delivery.headers), json.loads(delivery.content)
    event = provider.verify_recording_callback(headers, body, clock())
    assert event.recording_id == started.recording_id and event.files and event.files[0].media_type == "video/mp4"
    forged = {name: value for name, value in headers.items() if name.lower() != "x-hw-sign"}
    forged[callbacks.SIGN_HEADER] = "0" * 64
    with pytest.raises(CallbackRejectedError, match="does not match"):
        provider.verify_recording_callback(forged, body, clock())
    with pytest.raises(CallbackRejectedError, match="stale"):
        provider.verify_recording_callback(headers, body, clock() + timedelta(hours=2))
    keyless = registry.get("isdp").connect(
        {"app_id": app_id, "app_token": app_token(app_id)}, transport=httpx.MockTransport(sim.handle)
    )
    with pytest.raises(CallbackRejectedError, match="access key"):
        keyless.verify_recording_callback(headers, body, clock())


def test_isdp_snapshot_callback_carries_the_image(isdp, world: World, clock: FakeClock) -> None:
    sim, provider, app_id, sink = isdp
    channel, users = publishers(world, app_id)
    request = RecordingRequest(
        kind=RecordingKind.IMAGE, users=(users[1],), rule_id="1002", callback_url="https://console.example/hook/x/"
    )
    provider.start_recording(app_id, channel, request)
    clock.advance(minutes=30)
    sim.pump()
    event = provider.verify_recording_callback(
        dict(sink.received[-1].headers), json.loads(sink.received[-1].content), clock()
    )
    assert event.kind is RecordingKind.IMAGE and event.files[0].content.startswith(b"\x89PNG")


def test_isdp_rules_and_automatic_recording(isdp) -> None:
    sim, provider, app_id, _ = isdp
    assert Capability.RECORDING_RULES in registry.get("isdp").capabilities
    before = provider.recording_rules(app_id)
    rule = RecordingRule(
        kind=RecordingKind.VIDEO, mixed=True, file_name="{channel_id}", callback_url="https://console.example/h/"
    )
    rule_id = provider.save_recording_rule(app_id, rule)
    assert rule_id in {r.rule_id for r in provider.recording_rules(app_id)}
    provider.save_recording_rule(app_id, RecordingRule(**{**_fields(rule), "rule_id": rule_id, "file_name": "x"}))
    assert {r.rule_id: r.file_name for r in provider.recording_rules(app_id)}[rule_id] == "x"
    provider.set_auto_recording(app_id, rule_id, on=True)
    assert sim.auto_record.get(app_id) == int(rule_id)
    provider.set_auto_recording(app_id, rule_id, on=False)
    assert app_id not in sim.auto_record
    provider.delete_recording_rule(app_id, rule_id)
    assert len(provider.recording_rules(app_id)) == len(before)
    with pytest.raises(InvalidRequestError):
        provider.delete_recording_rule(app_id, rule_id)


def _fields(rule: RecordingRule) -> dict:
    return {name: getattr(rule, name) for name in rule.__dataclass_fields__}
