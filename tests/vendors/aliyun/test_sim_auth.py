"""Authentication as Alibaba does it: signature, key, clock skew, replay."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.vendors.conftest import FakeClock, make_client
from vendors.aliyun.signing import percent_encode, rpc_signature
from vendors.base.errors import AuthenticationError, InvalidRequestError


def test_wrong_secret_gets_signature_does_not_match_with_the_server_string(endpoint, clock):
    with make_client(endpoint, clock, secret="not-the-secret") as client, pytest.raises(AuthenticationError) as info:
        client.describe_apps()
    error = info.value
    assert error.code == "SignatureDoesNotMatch" and error.http_status == 400 and error.request_id
    assert "server string to sign is:GET&%2F&AccessKeyId%3D" in error.message
    assert error.permanent


def test_unknown_access_key(endpoint, clock):
    with make_client(endpoint, clock, key="LTAInobody") as client, pytest.raises(AuthenticationError) as info:
        client.describe_apps()
    assert info.value.code == "InvalidAccessKeyId.NotFound" and info.value.http_status == 404


def test_timestamp_more_than_15_minutes_off_is_rejected(endpoint, clock):
    skewed = FakeClock(clock.now - timedelta(minutes=16))
    with make_client(endpoint, skewed) as client, pytest.raises(AuthenticationError) as info:
        client.describe_apps()
    assert info.value.code == "InvalidTimeStamp.Expired"
    skewed.now = clock.now + timedelta(minutes=14)
    with make_client(endpoint, skewed) as client:
        assert client.describe_apps().items


def test_replayed_nonce_is_rejected(endpoint, clock):
    base_url, transport = endpoint
    with make_client(endpoint, clock) as client, httpx.Client(base_url=base_url, transport=transport) as raw:
        query = client.signed_query("DescribeApps", {})
        url = "/?" + "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in query.items())
        assert raw.get(url).status_code == 200
        replay = raw.get(url)
    assert replay.status_code == 400 and replay.json()["Code"] == "SignatureNonceUsed"


def test_missing_signature_and_timestamp_use_section_9_codes(endpoint):
    base_url, transport = endpoint
    with httpx.Client(base_url=base_url, transport=transport) as raw:
        no_timestamp = raw.get("/?Action=DescribeApps&Format=JSON")
        no_signature = raw.get("/?Action=DescribeApps&Format=JSON&Timestamp=2026-11-18T10:30:00Z")
        default_xml = raw.get("/?Action=DescribeApps")
    assert no_timestamp.json()["Code"] == "Request.NoTimestamp"
    assert no_signature.json()["Code"] == "Request.NoSignature"
    assert default_xml.text.startswith("<?xml") and "<Code>Request.NoTimestamp</Code>" in default_xml.text


def test_xml_errors_parse_into_the_hierarchy(endpoint, clock):
    with (
        make_client(endpoint, clock, response_format="XML", secret="wrong") as client,
        pytest.raises(AuthenticationError) as info,
    ):
        client.describe_apps()
    assert info.value.code == "SignatureDoesNotMatch" and info.value.host_id == "rtc.aliyuncs.com"


def test_post_form_body_with_plus_for_spaces_is_accepted(endpoint, clock, app_id):
    """RPC 1.0 over POST, as the legacy SDK may send it: parameters in a form body."""
    base_url, transport = endpoint
    with make_client(endpoint, clock) as client, httpx.Client(base_url=base_url, transport=transport) as raw:
        query = client.signed_query("ModifyApp", {"AppId": app_id, "AppName": "Name with spaces"})
        query["Signature"] = rpc_signature("POST", query, "SimDemoSecretForAliyunRtc2018")
        body = "&".join(f"{k}={percent_encode(v).replace('%20', '+')}" for k, v in query.items())
        response = raw.post("/", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 200, response.text
        names = {a.app_id: a.name for a in client.iter_apps()}
    assert names[app_id] == "Name with spaces"


def test_validation_errors_are_permanent(endpoint, clock, app_id):
    with make_client(endpoint, clock) as client, pytest.raises(InvalidRequestError) as info:
        client.call("DescribeRtcUserCntData", {"AppId": app_id, "Interval": "7"}, idempotent=True)
    assert info.value.permanent and not info.value.transient


EVERY_ACTION = [
    "DescribeApps", "ModifyApp", "DeleteChannel", "RemoveTerminals", "DescribeChannelParticipants",
    "DescribeRtcChannelUserList", "DescribeRtcChannelList", "DescribeRtcChannelMetric", "UpdateChannel",
    "DescribeUserInfoInChannel", "DescribeChannelUsers", "DescribeRtcDurationData", "DescribeRtcUserCntData",
    "DescribeRtcChannelCntData", "DescribeRtcPeakUserCntData", "DescribeRtcPeakChannelCntData", "StartMPUTask",
    "GetMPUTaskStatus", "StopMPUTask", "UpdateMPULayout",
]  # fmt: skip


@pytest.mark.parametrize("action", EVERY_ACTION)
def test_every_action_refuses_a_bad_signature_and_changes_nothing(endpoint, clock, sim, app_id, action):
    params = {"AppId": app_id, "ChannelId": "lobby-001", "AppName": "hijacked", "TerminalIds.1": "u1", "TaskId": "t"}
    with make_client(endpoint, clock, secret="forged") as client, pytest.raises(AuthenticationError) as info:
        client.call(action, params, idempotent=False)
    assert info.value.code == "SignatureDoesNotMatch"
    assert sim.requests_served == 0 and sim.app_names == {}
