"""anyRTC cloud recording (spec 002): every call through MockTransport and loopback HTTP, against the simulator."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendors import registry
from vendors.anyrtc.client import AnyRtcClient
from vendors.anyrtc.models import (
    AliyunVod,
    Layout,
    LayoutPane,
    RecordingRequest,
    Status,
    Storage,
    Subscription,
    Transcoding,
)
from vendors.anyrtc.sim import DEMO_CUSTOMER_ID, DEMO_CUSTOMER_SECRET, AnyRtcSimulator
from vendors.base.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
    VendorError,
)
from vendors.base.http import RetryPolicy
from vendors.sim import Faults
from vendors.sim.server import SimServer
from vendors.sim.world import World

from .conftest import FakeClock

UID = "527841"


@pytest.fixture
def sim(world: World) -> AnyRtcSimulator:
    return AnyRtcSimulator(world)


@pytest.fixture
def app_id(world: World) -> str:
    return world.apps("anyrtc")[0].app_id


@pytest.fixture(params=["in-process", "loopback-http"])
def base(request: pytest.FixtureRequest, sim: AnyRtcSimulator) -> Iterator[tuple[str, httpx.BaseTransport | None]]:
    if request.param == "in-process":
        yield "https://api.anyrtc.sim.invalid", httpx.MockTransport(sim.handle)
    else:
        with SimServer(sim.handle) as server:
            yield server.base_url, None


@pytest.fixture
def client(base) -> Iterator[AnyRtcClient]:
    url, transport = base
    with AnyRtcClient(
        DEMO_CUSTOMER_ID, DEMO_CUSTOMER_SECRET, base_url=url, transport=transport, retry=RetryPolicy.never()
    ) as c:
        yield c


def busy_channel(sim: AnyRtcSimulator, app_id: str) -> tuple[str, set[str]]:
    for channel in sim.world.app(app_id).channels:
        publishers = {s.user_id for s in sim.world.live_sessions(app_id, channel.channel_id) if s.publishes}
        if len(publishers) >= 2:
            return channel.channel_id, publishers
    pytest.fail("the test world has no channel with two publishers: pick another seed")


MIX = RecordingRequest(transcoding=Transcoding(width=640, height=360, layout=Layout(1, "#FF0000")))


def raw(client: AnyRtcClient) -> httpx.Client:
    return httpx.Client(
        base_url=str(client._http.base_url),
        transport=client._http._transport,
        auth=client._http.auth,
        headers={"Content-Type": "application/json;charset=utf-8"},
    )


# --- authentication and routing -----------------------------------------------------------------


def test_bad_credentials_unknown_app_and_unknown_route(base, client: AnyRtcClient, app_id: str) -> None:
    url, transport = base
    with AnyRtcClient(DEMO_CUSTOMER_ID, "wrong", base_url=url, transport=transport, retry=RetryPolicy.never()) as bad:
        with pytest.raises(AuthenticationError) as refused:
            bad.acquire(app_id, "room", UID)
        assert refused.value.http_status == 401
        with pytest.raises(AuthenticationError):
            bad.verify_credentials()
    client.verify_credentials()
    with pytest.raises(NotFoundError) as unknown:
        client.acquire("not-my-app", "room", UID)
    assert unknown.value.code == "invalid appid"
    answer = raw(client).get(f"/v1/apps/{app_id}/cloud_recording/acquire")
    assert answer.status_code == 404 and answer.json() == {"message": "no Route matched with those values"}
    wrong_type = raw(client).post(
        f"/v1/apps/{app_id}/cloud_recording/acquire", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert wrong_type.json()["code"] == 8


def test_apps_without_recording_get_62(client: AnyRtcClient, sim: AnyRtcSimulator, app_id: str) -> None:
    sim.recording_disabled.add(app_id)
    with pytest.raises(PermissionDeniedError) as caught:
        client.acquire(app_id, "room", UID)
    assert caught.value.code == "62"


# --- acquire and start ----------------------------------------------------------------------------


def test_record_in_one_call_and_the_status_timeline(client, sim, app_id, clock: FakeClock) -> None:
    cname, _ = busy_channel(sim, app_id)
    started = client.record(app_id, cname, UID, "mix", MIX)
    seen = []
    for _ in range(7):
        seen.append(client.query(app_id, started.resource_id, started.sid, "mix").status)
        clock.advance(seconds=1)
    assert seen == [Status(0), Status(1), Status(2), Status(3), Status(4), Status(4), Status(5)]
    result = client.query(app_id, started.resource_id, started.sid, "mix")
    assert result.file_list_mode == "string" and result.files[0].filename == f"{started.sid}_{cname}.m3u8"
    stopped = client.stop(app_id, started.resource_id, started.sid, "mix", cname, UID)
    assert not stopped.nobody_published and stopped.uploading_status == "backuped"
    after = []
    for _ in range(3):
        after.append(client.query(app_id, started.resource_id, started.sid, "mix").status)
        clock.advance(seconds=2)
    assert after == [Status.STOPPED, Status.ALL_STOPPED, Status.EXITING]
    with pytest.raises(ConflictError) as exiting:
        client.query(app_id, started.resource_id, started.sid, "mix")
    assert exiting.value.code == "501"
    with pytest.raises(ConflictError) as twice:
        client.stop(app_id, started.resource_id, started.sid, "mix", cname, UID)
    assert twice.value.code == "49"
    clock.advance(seconds=5)
    with pytest.raises(NotFoundError) as gone:
        client.query(app_id, started.resource_id, started.sid, "mix")
    assert gone.value.http_status == 404


def test_resource_rules(client: AnyRtcClient, sim, app_id: str, world: World, clock: FakeClock) -> None:
    cname, _ = busy_channel(sim, app_id)
    resource = client.acquire(app_id, cname, UID)
    started = client.start(app_id, resource, cname, UID, "mix", MIX)
    with pytest.raises(ConflictError) as again:
        client.start(app_id, resource, cname, UID, "mix", MIX)
    assert again.value.code == "7"
    second = client.acquire(app_id, cname, UID)
    with pytest.raises(ConflictError) as same_params:
        client.start(app_id, second, cname, UID, "mix", MIX)
    assert same_params.value.code == "53"
    other_uid = client.acquire(app_id, cname, "999")
    with pytest.raises(InvalidRequestError) as mismatch:
        client.start(app_id, other_uid, cname, UID, "mix", MIX)
    assert mismatch.value.code == "432"
    with pytest.raises(InvalidRequestError) as unknown:
        client.start(app_id, "made-up-resource", cname, UID, "mix", MIX)
    assert unknown.value.code == "1001"
    other_app = world.apps("anyrtc")[1].app_id
    with pytest.raises(InvalidRequestError) as foreign:
        client.query(other_app, started.resource_id, started.sid, "mix")
    assert foreign.value.code == "1003"
    stale = client.acquire(app_id, cname, "1234")
    clock.advance(minutes=6)
    with pytest.raises(InvalidRequestError) as expired:
        client.start(app_id, stale, cname, "1234", "mix", MIX)
    assert expired.value.code == "433"


def test_idle_channel_exits_by_itself_and_stop_says_206(client, app_id: str, clock: FakeClock) -> None:
    request = replace(MIX, max_idle_time=5)
    started = client.record(app_id, "nobody-here", UID, "mix", request)
    clock.advance(seconds=4)
    assert client.query(app_id, started.resource_id, started.sid, "mix").status is Status.RECORDER_READY
    clock.advance(seconds=2)
    assert client.query(app_id, started.resource_id, started.sid, "mix").status is Status.STOPPED
    result = client.stop(app_id, started.resource_id, started.sid, "mix", "nobody-here", UID)
    assert result.nobody_published and result.files == ()


def test_refused_storage_makes_an_abnormal_exit(client, sim, app_id, clock: FakeClock) -> None:
    cname, _ = busy_channel(sim, app_id)
    storage = Storage(
        vendor=2, region=1, bucket="rejected-bucket", access_key="ak", secret_key="sk", file_name_prefix=("rec", "2026")
    )
    started = client.record(app_id, cname, UID, "mix", replace(MIX, storage=storage))
    clock.advance(seconds=5)
    assert client.query(app_id, started.resource_id, started.sid, "mix").status is Status.ABNORMAL_EXIT


def test_individual_mode_lists_files_per_uid_and_follows_subscription(client, sim, app_id, clock) -> None:
    cname, publishers = busy_channel(sim, app_id)
    chosen = sorted(publishers)[:1]
    request = RecordingRequest(subscription=Subscription(audio=tuple(chosen), video=tuple(chosen), uid_group=0))
    started = client.record(app_id, cname, UID, "individual", request)
    clock.advance(seconds=7)
    result = client.query(app_id, started.resource_id, started.sid, "individual")
    assert result.file_list_mode == "json" and [f.uid for f in result.files] == chosen
    assert result.files[0].track_type == "audio_and_video" and not result.files[0].mixed_all_user
    client.update_subscription(
        app_id, started.resource_id, started.sid, "individual", cname, UID, audio=["#allstream#"], not_video=["nobody"]
    )
    everyone = client.query(app_id, started.resource_id, started.sid, "individual")
    assert {f.uid for f in everyone.files} == publishers
    with pytest.raises(ValidationError):
        client.update_subscription(
            app_id, started.resource_id, started.sid, "individual", cname, UID, stream_types=1, audio=["1"]
        )
    sent = raw(client).post(
        f"/v1/apps/{app_id}/cloud_recording/resourceid/{started.resource_id}/sid/{started.sid}/mode/individual/update",
        json={
            "cname": cname,
            "uid": UID,
            "clientRequest": {"streamSubscribe": {"audioUidList": {"subscribeAudioUids": []}}},
        },
    )
    assert sent.status_code == 400 and sent.json()["code"] == 2


def test_snapshots_have_no_file_list(client, sim, app_id, clock) -> None:
    cname, _ = busy_channel(sim, app_id)
    request = RecordingRequest(snapshot_interval=5, subscription=Subscription(uid_group=1))
    started = client.record(app_id, cname, UID, "individual", request)
    clock.advance(seconds=7)
    result = client.query(app_id, started.resource_id, started.sid, "individual")
    assert result.files == () and result.file_list_mode == "" and result.status is Status.RECORDER_READY


def test_vod_extension_reports_its_state(client, sim, app_id, clock) -> None:
    cname, _ = busy_channel(sim, app_id)
    vod = AliyunVod("ak", "sk", "cn-shanghai", "Town hall")
    started = client.record(app_id, cname, UID, "mix", RecordingRequest(vod=vod))
    clock.advance(seconds=7)
    result = client.query(app_id, started.resource_id, started.sid, "mix")
    assert result.extension_states[0]["serviceName"] == "aliyun_vod_service"
    assert result.extension_states[0]["payload"]["state"] == "inProgress"
    assert result.recording_service == "serviceInProgress" and result.status is None


def test_update_layout(client, sim, app_id, clock) -> None:
    cname, publishers = busy_channel(sim, app_id)
    started = client.record(app_id, cname, UID, "mix", MIX)
    panes = (LayoutPane(0, 0, 0.5, 1, uid=sorted(publishers)[0]), LayoutPane(0.5, 0, 0.5, 1, render_mode=1))
    client.update_layout(app_id, started.resource_id, started.sid, cname, UID, Layout(3, "#102030", panes))
    assert sim.sessions[started.sid].layout["backgroundColor"] == "#102030"
    client.update_layout(app_id, started.resource_id, started.sid, cname, UID, {"mixedVideoLayout": 1})
    assert sim.sessions[started.sid].layout["backgroundColor"] == "#000000"  # left out: back to default
    url = f"/v1/apps/{app_id}/cloud_recording/resourceid/{started.resource_id}/sid/{started.sid}/mode/mix/updateLayout"
    bad = raw(client).post(url, json={"cname": cname, "uid": UID, "clientRequest": {"mixedVideoLayout": 3}})
    assert bad.status_code == 400 and bad.json()["code"] == 1028
    bad_pane = {"mixedVideoLayout": 3, "layoutConfig": [{"x_axis": 1.5, "y_axis": 0, "width": 1, "height": 1}]}
    assert raw(client).post(url, json={"cname": cname, "uid": UID, "clientRequest": bad_pane}).json()["code"] == 1028
    with pytest.raises(ValidationError):
        client.update_layout(
            app_id,
            started.resource_id,
            started.sid,
            cname,
            UID,
            Layout(3, "#102030", tuple(LayoutPane(0, 0, 0.1, 0.1) for _ in range(18))),
        )


def test_rate_limit_is_ten_per_second_per_app(client, sim, app_id, clock: FakeClock) -> None:
    for n in range(10):
        client.acquire(app_id, "room", str(n + 1))
    with pytest.raises(RateLimitedError) as throttled:
        client.acquire(app_id, "room", "11")
    assert throttled.value.retry_after == 1.0
    clock.advance(seconds=1)
    client.acquire(app_id, "room", "12")


# --- client-side rules -----------------------------------------------------------------------------

BAD_STARTS = {
    "files and snapshots": (
        "individual",
        {
            "recordingConfig": {"subscribeUidGroup": 0},
            "recordingFileConfig": {"avFileType": ["hls"]},
            "snapshotConfig": {"fileType": ["jpg"]},
        },
    ),
    "snapshots in mix mode": ("mix", {"recordingConfig": {}, "snapshotConfig": {"fileType": ["jpg"]}}),
    "snapshots of audio only": (
        "individual",
        {"recordingConfig": {"streamTypes": 0, "subscribeUidGroup": 0}, "snapshotConfig": {"fileType": ["jpg"]}},
    ),
    "vod in individual mode": (
        "individual",
        RecordingRequest(vod=AliyunVod("a", "s", "r", "t"), subscription=Subscription(uid_group=0)).to_json(),
    ),
    "vod with storage": (
        "mix",
        RecordingRequest(vod=AliyunVod("a", "s", "r", "t"), storage=Storage(0, 0, "b", "a", "s")).to_json(),
    ),
    "too wide": ("mix", RecordingRequest(transcoding=Transcoding(width=1921, height=100)).to_json()),
    "too many pixels": ("mix", RecordingRequest(transcoding=Transcoding(width=1920, height=1200)).to_json()),
    "fps": ("mix", RecordingRequest(transcoding=Transcoding(fps=0)).to_json()),
    "custom layout without panes": ("mix", RecordingRequest(transcoding=Transcoding(layout=Layout(3))).to_json()),
    "layout 4": ("mix", RecordingRequest(transcoding=Transcoding(layout=Layout(4))).to_json()),
    "18 panes": (
        "mix",
        RecordingRequest(
            transcoding=Transcoding(layout=Layout(3, panes=tuple(LayoutPane(0, 0, 0.1, 0.1) for _ in range(18))))
        ).to_json(),
    ),
    "pane off canvas": (
        "mix",
        RecordingRequest(transcoding=Transcoding(layout=Layout(3, panes=(LayoutPane(0, 0, 1.2, 0.1),)))).to_json(),
    ),
    "alpha": (
        "mix",
        RecordingRequest(transcoding=Transcoding(layout=Layout(3, panes=(LayoutPane(0, 0, 1, 1, alpha=2),)))).to_json(),
    ),
    "colour": ("mix", RecordingRequest(transcoding=Transcoding(layout=Layout(1, "red"))).to_json()),
    "idle time": ("mix", replace(MIX, max_idle_time=4).to_json()),
    "33 uids": ("mix", RecordingRequest(subscription=Subscription(audio=tuple(map(str, range(33))))).to_json()),
    "no uid group in individual mode": ("individual", RecordingRequest().to_json()),
    "transcoding in individual mode": ("individual", replace(MIX, subscription=Subscription(uid_group=0)).to_json()),
    "storage vendor": ("mix", RecordingRequest(storage=Storage(9, 0, "b", "a", "s")).to_json()),
    "storage region": ("mix", RecordingRequest(storage=Storage(0, 7, "b", "a", "s")).to_json()),
    "prefix with a slash": ("mix", RecordingRequest(storage=Storage(0, 0, "b", "a", "s", ("a/b",))).to_json()),
    "prefix too long": ("mix", RecordingRequest(storage=Storage(0, 0, "b", "a", "s", ("a" * 100, "b" * 40))).to_json()),
    "decryption without secret": ("mix", {"recordingConfig": {"decryptionMode": 1}}),
}


@pytest.mark.parametrize("name", sorted(BAD_STARTS))
def test_the_client_refuses_what_the_spec_forbids_and_the_simulator_agrees(name: str, client, app_id, sim) -> None:
    mode, request = BAD_STARTS[name]
    before = sim.requests_served
    with pytest.raises(ValidationError):
        client.record(app_id, "room", UID, mode, request)
    assert sim.requests_served == before  # nothing was sent
    resource = client.acquire(app_id, "room", UID)
    sent = raw(client).post(
        f"/v1/apps/{app_id}/cloud_recording/resourceid/{resource}/mode/{mode}/start",
        json={"cname": "room", "uid": UID, "clientRequest": request},
    )
    assert sent.status_code == 400 and sent.json()["code"] == 2


@pytest.mark.parametrize("cname", ["", "x" * 65, "naïve", "slash/no", 'quote"no'])
def test_channel_names(cname: str, client, app_id) -> None:
    with pytest.raises(ValidationError):
        client.acquire(app_id, cname, UID)
    sent = raw(client).post(f"/v1/apps/{app_id}/cloud_recording/acquire", json={"cname": cname, "uid": UID})
    assert sent.json()["code"] == 1013


def test_acquire_parameters(client, app_id) -> None:
    for bad in (
        lambda: client.acquire(app_id, "room", ""),
        lambda: client.acquire(app_id, "room", "x" * 49),
        lambda: client.acquire(app_id, "room", UID, resource_expired_hour=721),
    ):
        with pytest.raises(ValidationError):
            bad()
    assert client.acquire(app_id, "Room #1 (a+b)", UID, resource_expired_hour=1)


# --- robustness ------------------------------------------------------------------------------------


def test_gateway_faults(world: World, app_id: str) -> None:
    for faults, error in ((Faults(error_rate=1.0), UnavailableError), (Faults(throttle_rate=1.0), RateLimitedError)):
        flaky = AnyRtcSimulator(world, faults=faults)
        with (
            AnyRtcClient(
                DEMO_CUSTOMER_ID,
                DEMO_CUSTOMER_SECRET,
                transport=httpx.MockTransport(flaky.handle),
                retry=RetryPolicy.never(),
            ) as c,
            pytest.raises(error),
        ):
            c.query(app_id, "r", "s", "mix")


@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "code",
                            "reason",
                            "message",
                            "resourceId",
                            "sid",
                            "serverResponse",
                            "fileList",
                            "fileListMode",
                            "status",
                            "x",
                        ]
                    ),
                    inner,
                    max_size=5,
                )
            ),
            max_leaves=14,
        ).map(lambda value: json.dumps(value).encode()),
    ),
    status=st.sampled_from([200, 206, 400, 401, 404, 429, 500, 504]),
)
def test_any_reply_raises_only_the_hierarchy(body: bytes, status: int) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body))
    with AnyRtcClient("id", "secret", transport=transport, retry=RetryPolicy.never()) as c:
        for call in (
            lambda: c.acquire("app", "room", UID),
            lambda: c.query("app", "r", "s", "mix"),
            lambda: c.stop("app", "r", "s", "mix", "room", UID),
            lambda: c.start("app", "r", "room", UID, "mix", MIX),
        ):
            with contextlib.suppress(VendorError):
                call()


def test_provider_checks_credentials(sim: AnyRtcSimulator) -> None:
    info = registry.get("anyrtc")
    good = info.connect(sim.demo_credentials(), transport=httpx.MockTransport(sim.handle))
    assert good.check_connection() == ""
    bad = info.connect(
        {"customer_id": DEMO_CUSTOMER_ID, "customer_secret": "nope"}, transport=httpx.MockTransport(sim.handle)
    )
    with pytest.raises(AuthenticationError):
        bad.check_connection()
    with pytest.raises(VendorError):
        good.membership("app", "room")
