"""Alibaba's own SDKs, pointed at the loopback simulator, work as they would against Alibaba.

- alibabacloud-rtc20180111 (current SDK): ACS3-HMAC-SHA256 header signature by default, and
  signature 1.0 when configured with signature_algorithm="v2".
- aliyun-python-sdk-core + aliyun-python-sdk-rtc (legacy SDK): signature 1.0 over GET and POST.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alibabacloud_rtc20180111 import models as rtc_models
from alibabacloud_rtc20180111.client import Client as RtcClient
from alibabacloud_tea_openapi.utils_models import Config
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkrtc.request.v20180111.DescribeAppsRequest import DescribeAppsRequest as LegacyDescribeApps
from aliyunsdkrtc.request.v20180111.DescribeChannelUsersRequest import DescribeChannelUsersRequest
from aliyunsdkrtc.request.v20180111.ModifyAppRequest import ModifyAppRequest

from tests.vendors.conftest import SMALL_WORLD
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.sim.server import SimServer
from vendors.sim.world import World


@pytest.fixture(scope="module")
def live_sim() -> Iterator[tuple[AliyunSimulator, str]]:
    """Real clock: the SDKs stamp requests with the wall clock."""
    sim = AliyunSimulator(World(SMALL_WORLD))
    with SimServer(sim.handle) as server:
        yield sim, server.base_url.removeprefix("http://")


def tea_client(host: str, secret: str = DEMO_ACCESS_KEY_SECRET, **config) -> RtcClient:
    return RtcClient(
        Config(access_key_id=DEMO_ACCESS_KEY_ID, access_key_secret=secret, endpoint=host, protocol="http", **config)
    )


@pytest.mark.parametrize("config", [{}, {"signature_algorithm": "v2"}], ids=["acs3", "signature-1.0"])
def test_current_sdk_lists_apps_and_reads_a_channel(live_sim, config):
    sim, host = live_sim
    client = tea_client(host, **config)
    apps = client.describe_apps(rtc_models.DescribeAppsRequest(page_size=10)).body
    assert apps.total_num == 2
    app_ids = {app.app_id for app in apps.app_list.app}
    assert app_ids == {a.app_id for a in sim.world.apps("aliyun")}
    app = sim.world.apps("aliyun")[0]
    channel = app.channels[0].channel_id
    users = client.describe_channel_users(
        rtc_models.DescribeChannelUsersRequest(app_id=app.app_id, channel_id=channel)
    ).body
    assert users.is_channel_exist == bool(sim.world.live_sessions(app.app_id, channel))


def test_current_sdk_sees_signature_errors(live_sim):
    _, host = live_sim
    with pytest.raises(Exception) as info:
        tea_client(host, secret="wrong").describe_apps(rtc_models.DescribeAppsRequest())
    assert "SignatureDoesNotMatch" in str(info.value)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_legacy_sdk_signs_over_get_and_post(live_sim, method):
    sim, host = live_sim
    client = AcsClient(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "cn-hangzhou")
    app_id = sim.world.apps("aliyun")[1].app_id

    rename = ModifyAppRequest()
    rename.set_endpoint(host)
    rename.set_protocol_type("http")
    rename.set_method(method)
    rename.set_AppId(app_id)
    rename.set_AppName(f"Renamed via {method} + legacy SDK")
    client.do_action_with_exception(rename)

    listing = LegacyDescribeApps()
    listing.set_endpoint(host)
    listing.set_protocol_type("http")
    listing.set_method(method)
    body = json.loads(client.do_action_with_exception(listing))
    names = {app["AppId"]: app["AppName"] for app in body["AppList"]["App"]}
    assert names[app_id] == f"Renamed via {method} + legacy SDK"


def test_legacy_sdk_error_carries_code_and_request_id(live_sim):
    _, host = live_sim
    client = AcsClient(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "cn-hangzhou")
    request = DescribeChannelUsersRequest()
    request.set_endpoint(host)
    request.set_protocol_type("http")
    request.set_AppId("nosuchap")
    request.set_ChannelId("c1")
    with pytest.raises(ServerException) as info:
        client.do_action_with_exception(request)
    assert info.value.get_error_code() == "Service.NoApp"
    assert info.value.get_request_id()
