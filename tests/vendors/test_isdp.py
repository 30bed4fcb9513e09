"""Huawei ISDP+ iRTC (spec 004): OAuth, every server API, join tokens and signed callbacks."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import subprocess
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendors import registry
from vendors.base.errors import (
    AuthenticationError,
    InvalidRequestError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
    VendorError,
)
from vendors.base.http import RetryPolicy
from vendors.base.types import JoinRole
from vendors.isdp import callbacks
from vendors.isdp.client import IsdpClient
from vendors.isdp.join_token import JoinParams, join_token, payload, read_join_token, signature, verify_join_token
from vendors.isdp.models import RecordRule, StorageType
from vendors.isdp.sim import IsdpSimulator, access_key, app_token
from vendors.sim import Faults
from vendors.sim.server import SimServer
from vendors.sim.world import World

from .conftest import FakeClock

SPEC_TOKEN = (
    "eyJ0aW1lU3RhbXAiOjE2NDg2NDE0NzQxNzEsInJvbGUiOiIxIiwicG9ydCI6IjQ0MyIsImFwcElkIjoic2RjcGZXcU1jT"
    "UdKSDVsa2lFakNmcEd0TXpsWlBNMFQiLCJob3N0IjoiMTEuMjIuMzMuNDQiLCJ0ZW5hbnRJZCI6IjIwMTIiLCJ1c2VySWQiOiIxMjEyMzEyMzEyMzEyMyIsImNoYW5u"
    "ZWxJZCI6IjIyMjUwNzMwMjUzMTE0MSJ9QCNAbTJ1UGJDdFBtSzdJQ2J1bHp6ZnptVFQ3RXZTbG9WY0lhcldyMWlWOUkzMD0="
)


class CallbackSink:
    """The third party's callback endpoint: records what arrives, can be told to fail."""

    def __init__(self) -> None:
        self.received: list[httpx.Request] = []
        self.fail_next = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        if self.fail_next:
            self.fail_next -= 1
            return httpx.Response(503, text="busy")
        return httpx.Response(200, json={"errorCode": "0", "errorMessage": None, "data": None})

    def bodies(self) -> list[dict]:
        return [json.loads(request.content) for request in self.received]


@pytest.fixture
def sink() -> CallbackSink:
    return CallbackSink()


@pytest.fixture
def sim(world: World, sink: CallbackSink) -> IsdpSimulator:
    return IsdpSimulator(world, deliver_in_background=False, callback_transport=httpx.MockTransport(sink.handle))


@pytest.fixture
def app_id(world: World) -> str:
    return world.apps("isdp")[0].app_id


@pytest.fixture(params=["in-process", "loopback-http"])
def base(request: pytest.FixtureRequest, sim: IsdpSimulator) -> Iterator[tuple[str, httpx.BaseTransport | None]]:
    if request.param == "in-process":
        yield "https://isdp.sim.invalid", httpx.MockTransport(sim.handle)
    else:
        with SimServer(sim.handle) as server:
            yield server.base_url, None


@pytest.fixture
def client(base, app_id: str, clock: FakeClock) -> Iterator[IsdpClient]:
    url, transport = base
    with IsdpClient(
        app_id, app_token(app_id), base_url=url, transport=transport, retry=RetryPolicy.never(), clock=clock
    ) as c:
        yield c


def busy(sim: IsdpSimulator, app_id: str) -> tuple[str, list[str]]:
    for channel in sim.world.app(app_id).channels:
        users = sorted({s.user_id for s in sim.world.live_sessions(app_id, channel.channel_id)})
        if len(users) >= 2:
            return channel.channel_id, users
    pytest.fail("the test world has no busy ISDP+ channel: pick another seed")


# --- OAuth --------------------------------------------------------------------------------------------


def test_token_is_cached_reused_and_refreshed(client: IsdpClient, sim: IsdpSimulator, clock: FakeClock) -> None:
    for _ in range(3):
        assert client.check_health() == "OK"
    assert client.tokens_fetched == 1
    clock.advance(minutes=19)  # within a minute of expiry: fetched again (the vendor hands out the same one)
    client.check_health()
    assert client.tokens_fetched == 2
    clock.advance(minutes=2)  # the old token has expired: a new one
    client.check_health()
    assert client.tokens_fetched == 3 and len(sim.tokens) == 2
    sim.revoke_tokens()  # refused with invalid_token: fetched again and retried once
    assert client.check_health() == "OK"
    assert client.tokens_fetched == 4


def test_bad_credentials_and_bad_bearer(base, app_id: str) -> None:
    url, transport = base
    bad = IsdpClient(app_id, "wrong-token", base_url=url, transport=transport, retry=RetryPolicy.never())
    with bad, pytest.raises(AuthenticationError) as refused:
        bad.check_health()
    assert refused.value.code == "unauthorized" and refused.value.http_status == 401
    raw = httpx.Client(transport=transport).post(
        f"{url}/openapi/v1/rtcLive/checkRtcHeath", json={"version": "V1"}, headers={"Authorization": "bearer nope"}
    )
    assert raw.status_code == 401 and raw.json() == {"error": "invalid_token", "error_description": "check_token error"}


# --- the server API -----------------------------------------------------------------------------------


def test_media_endpoints(client: IsdpClient) -> None:
    found = client.media_endpoints(["231914379845701", "room_2"])
    assert [e.channel_id for e in found] == ["231914379845701", "room_2"] and found[0].port == "8086"
    assert found[0].ip.startswith("172.16.")
    with pytest.raises(ValidationError):
        client.media_endpoints(["bad channel"])
    with pytest.raises(ValidationError):
        client.media_endpoints([f"c{n}" for n in range(21)])


def test_video_recording_ends_with_a_signed_callback(client, sim, sink, app_id, clock) -> None:
    channel, users = busy(sim, app_id)
    recording = client.capture_video(
        channel, users[0], 1001, "https://third.party/video", extra_data="ticket-42", file_name="AICC_{channel_id}"
    )
    assert sim.pump() == 0  # still recording
    client.stop_capture(channel, recording)
    with pytest.raises(InvalidRequestError) as again:
        client.stop_capture(channel, recording)
    assert again.value.code == "1001001" and "already stopped" in again.value.message
    clock.advance(seconds=4)
    assert sim.pump() == 1
    request = sink.received[0]
    event = callbacks.verify(request.headers, json.loads(request.content), access_key(app_id), clock())
    assert (event.kind, event.recording_id, event.channel_id, event.user_id) == ("video", recording, channel, users[0])
    assert event.extra_data == "ticket-42" and event.file_id
    assert sim.pump() == 0  # delivered once


def test_nas_rule_reports_path_and_name(client, sim, sink, app_id, clock) -> None:
    channel, users = busy(sim, app_id)
    rule = client.add_rule(
        RecordRule(
            StorageType.NAS,
            "AICC_{channel_id}",
            0,
            0,
            "https://third.party/nas",
            record_path="/saas/application/{app_id}/{date_time}",
        )
    )
    recording = client.capture_video(channel, users[0], rule, "https://third.party/nas")
    client.release_room(channel)  # the room closes: the recording ends with it
    clock.advance(seconds=4)
    sim.pump()
    body = sink.bodies()[0]
    assert body["recordingId"] == recording and body["fileName"] == f"AICC_{channel}.mp4"
    assert body["filePath"].startswith(f"/saas/application/{app_id}/") and body["fileId"] == ""


def test_snapshot_callback_carries_a_png(client, sim, sink, app_id, clock) -> None:
    channel, users = busy(sim, app_id)
    rule = client.add_rule(
        RecordRule(StorageType.ISDP, "snap", 1, 0, "https://third.party/img", capture_interval=2, capture_nums=3)
    )
    client.capture_image(channel, users[1], rule, "https://third.party/img")
    clock.advance(seconds=5)
    assert sim.pump() == 0
    clock.advance(seconds=1)
    assert sim.pump() == 1
    image = base64.b64decode(sink.bodies()[0]["imageData"])
    assert image.startswith(b"\x89PNG")


def test_failed_callbacks_are_retried(client, sim, sink, app_id, clock) -> None:
    channel, users = busy(sim, app_id)
    recording = client.capture_video(channel, users[0], 1001, "https://third.party/video")
    client.stop_capture(channel)  # every recording of the channel
    sink.fail_next = 2
    clock.advance(seconds=4)
    assert sim.pump() == 0
    clock.advance(seconds=2)
    assert sim.pump() == 0
    clock.advance(seconds=4)
    assert sim.pump() == 1
    assert len(sink.received) == 3 and sim.captures[recording].delivered


def test_capture_refusals(client, sim, app_id) -> None:
    channel, users = busy(sim, app_id)
    with pytest.raises(InvalidRequestError, match="not in the channel"):
        client.capture_video(channel, "nobody", 1001, "https://x.invalid/cb")
    with pytest.raises(InvalidRequestError, match="not a video rule"):
        client.capture_video(channel, users[0], 1002, "https://x.invalid/cb")
    with pytest.raises(InvalidRequestError, match="no recording rule"):
        client.capture_video(channel, users[0], 999, "https://x.invalid/cb")
    with pytest.raises(InvalidRequestError, match="no recording is running"):
        client.stop_capture(channel)
    with pytest.raises(ValidationError):
        client.capture_video(channel, users[0], 1001, "ftp://x")
    with pytest.raises(ValidationError):
        client.capture_video(channel, users[0], 1001, "https://x.invalid", extra_data="x" * 1001)
    with pytest.raises(ValidationError):
        client.capture_video("no spaces allowed", users[0], 1001, "https://x.invalid")


def test_release_user_and_room_change_the_world(client, sim, app_id) -> None:
    channel, users = busy(sim, app_id)
    client.release_user(channel, users[0])
    assert users[0] not in {s.user_id for s in sim.world.live_sessions(app_id, channel)}
    with pytest.raises(InvalidRequestError):
        client.release_user(channel, users[0])
    client.release_room(channel)
    assert sim.world.live_sessions(app_id, channel) == []
    with pytest.raises(InvalidRequestError, match="no members"):
        client.release_room(channel)


def test_rules_persist_and_page(client: IsdpClient, app_id: str) -> None:
    assert [rule.rule_id for rule in client.iter_rules()] == [1001, 1002]
    ids = [client.add_rule(RecordRule(StorageType.ISDP, f"r{n}", n % 2, 0, "https://cb.invalid/x")) for n in range(12)]
    assert ids[0] == 1031 and ids == list(range(1031, 1043))
    page = client.query_rules(page_no=2, page_size=5)
    assert [rule.rule_id for rule in page.items] == [1034, 1035, 1036, 1037, 1038] and page.total == 14
    assert len(list(client.iter_rules(page_size=4))) == 14
    assert {rule.rule_id for rule in client.query_rules(recording_type=1, page_size=50).items} >= {1002, 1032}
    client.update_rule(1031, RecordRule(StorageType.NAS, "renamed", 0, 1, "https://cb.invalid/y", enabled=False))
    updated = client.query_rules(rule_id=1031).items[0]
    assert (updated.file_name, updated.storage_type, updated.recording_model, updated.enabled) == (
        "renamed",
        StorageType.NAS,
        1,
        False,
    )
    client.delete_rule(1031)
    assert client.query_rules(rule_id=1031).items == ()
    with pytest.raises(InvalidRequestError):
        client.delete_rule(1031)
    with pytest.raises(ValidationError):
        client.add_rule(RecordRule(StorageType.ISDP, "x", 2, 0, "https://cb.invalid"))


def test_automatic_recording(client, sim, sink, app_id, clock) -> None:
    rule = client.add_rule(RecordRule(StorageType.ISDP, "auto", 0, 1, "https://third.party/auto"))
    client.start_auto_record(rule)
    with pytest.raises(InvalidRequestError, match="already running"):
        client.start_auto_record(rule)
    with pytest.raises(InvalidRequestError, match="used by automatic recording"):
        client.delete_rule(rule)
    sim.pump()
    live_channels = {
        c.channel_id for c in sim.world.app(app_id).channels if sim.world.live_sessions(app_id, c.channel_id)
    }
    assert {c.channel_id for c in sim.captures.values() if c.auto} == live_channels
    client.stop_auto_record(rule)
    with pytest.raises(InvalidRequestError):
        client.stop_auto_record(rule)
    clock.advance(seconds=4)
    sim.pump()
    assert {body["channelId"] for body in sink.bodies()} == live_channels


def test_health_can_report_faults(client, sim) -> None:
    sim.health = "media"
    with pytest.raises(UnavailableError) as media:
        client.check_health()
    assert media.value.code == "1001026"
    sim.health = "record"
    with pytest.raises(UnavailableError) as record:
        client.check_health()
    assert record.value.code == "1001027"


def test_sixty_requests_per_minute_per_api(client, clock) -> None:
    for _ in range(60):
        client.media_endpoints(["room"])
    with pytest.raises(RateLimitedError) as limited:
        client.media_endpoints(["room"])
    assert limited.value.retry_after and limited.value.retry_after <= 60
    client.check_health()  # another API has its own budget
    clock.advance(seconds=61)
    client.media_endpoints(["room"])


def test_provider_kick_close_and_check(sim: IsdpSimulator, app_id: str) -> None:
    provider = registry.get("isdp").connect(sim.demo_credentials(), transport=httpx.MockTransport(sim.handle))
    assert provider.check_connection() == ""
    channel, users = busy(sim, provider.client.app_id)
    results = provider.kick(app_id, channel, [users[0], "ghost"])
    assert [r.ok for r in results] == [True, False] and results[1].code == "1001001"
    provider.close_channel(app_id, channel)
    with pytest.raises(VendorError, match=r"no API"):
        provider.membership(app_id, channel)


# --- join tokens --------------------------------------------------------------------------------------


def test_provider_signs_a_join_token_the_media_server_admits(sim: IsdpSimulator, world: World) -> None:
    """getMediaEndpoint names the server; the simulator's media side checks the token and lets the user in."""
    provider = registry.get("isdp").connect(sim.demo_credentials(), transport=httpx.MockTransport(sim.handle))
    app_id = provider.client.app_id
    token = provider.join_token(app_id, "hall-7", "visitor-1", JoinRole.PUBLISH_ONLY)
    endpoint = provider.client.media_endpoints(["hall-7"])[0]
    assert (token.media_host, token.media_port) == (endpoint.ip, endpoint.port)
    assert sim.admit(token.token) == "visitor-1"
    assert "visitor-1" in {s.user_id for s in world.live_sessions(app_id, "hall-7")}

    reading = provider.read_join_token(token.token)
    assert (reading.app_id, reading.channel_id, reading.user_id) == (app_id, "hall-7", "visitor-1")
    assert reading.role is JoinRole.PUBLISH_ONLY and reading.signature_holds is True
    assert reading.signed_at == token.signed_at and dict(reading.fields)["host"] == endpoint.ip

    data, signature = read_join_token(token.token)
    forged = base64.b64encode(
        (json.dumps({**data, "userId": "intruder"}, separators=(",", ":")) + "@#@" + signature).encode()
    ).decode()
    assert provider.read_join_token(forged).signature_holds is False
    with pytest.raises(ValueError, match="refused"):
        sim.admit(forged)


def test_a_token_of_another_app_or_without_a_key_cannot_be_checked(sim: IsdpSimulator, world: World) -> None:
    apps = [app.app_id for app in world.apps("isdp")]
    first = registry.get("isdp").connect(sim.demo_account(0, 2), transport=httpx.MockTransport(sim.handle))
    second = registry.get("isdp").connect(sim.demo_account(1, 2), transport=httpx.MockTransport(sim.handle))
    assert first.client.app_id != second.client.app_id and set(apps) >= {first.client.app_id, second.client.app_id}
    token = second.join_token(second.client.app_id, "c1", "u1", JoinRole.PUBLISH_AND_WATCH)
    reading = first.read_join_token(token.token)
    assert reading.app_id == second.client.app_id and reading.signature_holds is None
    keyless = registry.get("isdp").connect(
        {**sim.demo_account(0, 2), "access_key": ""}, transport=httpx.MockTransport(sim.handle)
    )
    assert keyless.read_join_token(token.token).signature_holds is None
    with pytest.raises(ValidationError, match="no access key"):
        keyless.join_token(first.client.app_id, "c1", "u1", JoinRole.PUBLISH_AND_WATCH)
    with pytest.raises(ValidationError, match="signs for app"):
        first.join_token(second.client.app_id, "c1", "u1", JoinRole.PUBLISH_AND_WATCH)
    with pytest.raises(ValidationError, match="userId"):
        first.join_token(first.client.app_id, "c1", "u 1", JoinRole.PUBLISH_AND_WATCH)
    with pytest.raises(ValidationError, match="not an iRTC join token"):
        first.read_join_token("plainly not a token")


def openssl_hmac_base64(key: str, message: str) -> str:
    digest = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", key, "-binary"], input=message.encode(), capture_output=True, check=True
    ).stdout
    return base64.b64encode(digest).decode()


SPEC_PARAMS = JoinParams(
    app_id="sdcpfWqMcMGJH5lkiEjCfpGtMzlZPM0T",
    channel_id="222507302531141",
    user_id="12123123123123",
    timestamp_ms=1648641474171,
    host="11.22.33.44",
    port="443",
    role="1",
    tenant_id="2012",
)


def test_payload_matches_the_spec_example_byte_for_byte() -> None:
    decoded = base64.b64decode(SPEC_TOKEN).decode()
    assert decoded.split("@#@")[0] == payload(SPEC_PARAMS)
    data, sig = read_join_token(SPEC_TOKEN)
    assert data["channelId"] == "222507302531141" and len(base64.b64decode(sig)) == 32


@pytest.mark.parametrize("access", ["WmXW2UKSU0=", "k", "a-much-longer-access-key-with-symbols+/="])
def test_signature_against_openssl(access: str) -> None:
    message = (
        "appId=sdcpfWqMcMGJH5lkiEjCfpGtMzlZPM0T&channelId=222507302531141&host=11.22.33.44&port=443"
        "&role=1&tenantId=2012&timeStamp=1648641474171&userId=12123123123123"
    )
    expected = openssl_hmac_base64(access + "1648641474171", message)
    assert signature(access, SPEC_PARAMS) == expected
    token = join_token(access, SPEC_PARAMS)
    assert base64.b64decode(token).decode() == payload(SPEC_PARAMS) + "@#@" + expected
    assert verify_join_token(token, access) == SPEC_PARAMS


def test_tampered_tokens_are_refused() -> None:
    token = join_token("key", SPEC_PARAMS)
    forged = base64.b64encode(base64.b64decode(token).replace(b"12123123123123", b"99999999999999")).decode()
    with pytest.raises(ValidationError):
        verify_join_token(forged, "key")
    with pytest.raises(ValidationError):
        verify_join_token(token, "other-key")
    with pytest.raises(ValidationError):
        read_join_token("not base64 at all!")
    with pytest.raises(ValidationError):
        join_token("key", JoinParams("a", "c", 'u"', 1, "h", "1"))
    with pytest.raises(ValidationError):
        join_token("key", JoinParams("a", "c", "u", 1, "h", "1", role="2"))


# --- callbacks ----------------------------------------------------------------------------------------


def test_callback_signature_is_lowercase_hex_hmac_keyed_with_the_app_key() -> None:
    body = {"appId": "app", "channelId": "room", "userId": "u1", "extraData": "x", "authTimestamp": "1592639100"}
    expected = hmac.new(b"the-key", b"appthe-keyroomu1x1592639100", hashlib.sha256).hexdigest()
    assert callbacks.sign("the-key", body) == expected


def test_callback_verification_refuses_bad_and_stale(clock: FakeClock) -> None:
    now = clock()
    body = {
        "appId": "app",
        "channelId": "room",
        "userId": "u1",
        "extraData": "",
        "recordingId": "1",
        "authTimestamp": str(int((now + timedelta(minutes=5)).timestamp())),
        "fileId": "f",
    }
    good = {"X-HW-SIGN": callbacks.sign("key", body)}
    assert callbacks.verify(good, body, "key", now).file_id == "f"
    for headers, text in (({}, "missing"), ({"X-HW-SIGN": "00"}, "does not match")):
        with pytest.raises(callbacks.CallbackRejected, match=text):
            callbacks.verify(headers, body, "key", now)
    with pytest.raises(callbacks.CallbackRejected, match="stale"):
        callbacks.verify(good, body, "key", now + timedelta(minutes=7))
    ahead = body | {"authTimestamp": str(int((now + timedelta(hours=2)).timestamp()))}
    with pytest.raises(callbacks.CallbackRejected, match="too far"):
        callbacks.verify({"X-HW-SIGN": callbacks.sign("key", ahead)}, ahead, "key", now)
    iso = body | {
        "authTimestamp": (now + timedelta(minutes=1)).astimezone().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        + (now + timedelta(minutes=1)).astimezone().strftime("%z")
    }
    assert callbacks.verify({"X-HW-SIGN": callbacks.sign("key", iso)}, iso, "key", now).kind == "video"


# --- robustness ---------------------------------------------------------------------------------------


def test_gateway_faults(world: World, app_id: str) -> None:
    for faults, error in ((Faults(error_rate=1.0), UnavailableError), (Faults(throttle_rate=1.0), RateLimitedError)):
        flaky = IsdpSimulator(world, faults=faults, deliver_in_background=False)
        with (
            IsdpClient(
                app_id, app_token(app_id), transport=httpx.MockTransport(flaky.handle), retry=RetryPolicy.never()
            ) as c,
            pytest.raises(error),
        ):
            c.check_health()


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
                            "errorCode",
                            "errorMessage",
                            "data",
                            "list",
                            "ip",
                            "port",
                            "access_token",
                            "expires_in",
                            "error",
                            "recordingId",
                            "ruleId",
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
    status=st.sampled_from([200, 400, 401, 404, 429, 500, 502]),
)
def test_any_reply_raises_only_the_hierarchy(body: bytes, status: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("rest_token"):
            return httpx.Response(200, json={"access_token": "t", "token_type": "bearer", "expires_in": 100})
        return httpx.Response(status, content=body)

    with IsdpClient("app", "token", transport=httpx.MockTransport(answer), retry=RetryPolicy.never()) as c:
        for call in (
            c.check_health,
            lambda: c.media_endpoints(["room"]),
            lambda: c.query_rules(),
            lambda: c.capture_video("room", "u", 1, "https://x.invalid"),
            lambda: c.add_rule(RecordRule(StorageType.ISDP, "f", 0, 0, "https://x.invalid")),
        ):
            with contextlib.suppress(VendorError):
                call()
