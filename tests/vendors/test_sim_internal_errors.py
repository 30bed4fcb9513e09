"""A simulator's own failure answers HTTP 500 in its vendor's error envelope; only the drops
the fault settings ask for close a connection without an answer."""

from __future__ import annotations

import httpx
import pytest

from tests.vendors.conftest import SMALL_WORLD
from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.errors import VendorError
from vendors.base.http import RetryPolicy
from vendors.sim import Faults, Simulator, World, build_simulators
from vendors.sim.server import SimServer


class Broken(Faults):
    """A bug inside the handler (here where every request passes first)."""

    def intercept(self, server_error, throttled):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in the simulator")


# What each vendor's backend answers when it fails: (method, path, the envelope's fields).
EXPECTED = {
    "aliyun": ("GET", "/?Format=JSON&Action=DescribeApps", {"Code": "InternalError"}),
    "anyrtc": ("POST", "/v1/apps/app/cloud_recording/acquire", {"code": 500, "reason": "Internal Server Error"}),
    "uprtc": ("GET", "/uprtc/api/v2/rooms", {"code": 10000, "data": None, "msg": "系统错误"}),
    "isdp": ("POST", "/openapi/v1/rtcLive/getMediaEndpoint", {"errorCode": "500", "data": None}),
}


def simulators() -> list[Simulator]:
    return build_simulators(World(SMALL_WORLD))


@pytest.mark.parametrize("sim", simulators(), ids=lambda sim: sim.vendor)
def test_a_failure_inside_the_handler_is_a_500_in_the_vendors_envelope(sim, caplog) -> None:
    assert set(EXPECTED) == {s.vendor for s in simulators()}, "a new simulator: say what its 500 looks like"
    method, path, fields = EXPECTED[sim.vendor]
    sim.faults = Broken()
    with SimServer(sim.handle) as server:
        response = httpx.request(method, server.base_url + path, json={} if method == "POST" else None)
    assert response.status_code == 500
    body = response.json()
    assert {key: body.get(key) for key in fields} == fields
    assert "a bug in the simulator" not in response.text  # the vendor says nothing of its insides
    assert any("answering 500" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("sim", simulators(), ids=lambda sim: sim.vendor)
def test_an_injected_drop_still_drops_the_connection(sim) -> None:
    method, path, _fields = EXPECTED[sim.vendor]
    sim.faults = Faults(drop_rate=1.0)
    with SimServer(sim.handle) as server, pytest.raises(httpx.TransportError):
        httpx.request(method, server.base_url + path, json={} if method == "POST" else None)


def test_the_console_client_reads_an_aliyun_handler_failure_as_the_vendors_error() -> None:
    sim = AliyunSimulator(World(SMALL_WORLD))

    def bug(params, account):  # type: ignore[no-untyped-def]
        raise KeyError("Action")  # what an ACS3 usage call used to raise

    sim._actions["DescribeApps"] = bug
    with SimServer(sim.handle) as server:
        client = AliyunRtcClient(
            DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, base_url=server.base_url, retry=RetryPolicy.never()
        )
        with pytest.raises(VendorError) as failure:
            client.describe_apps()
    assert failure.value.code == "InternalError" and failure.value.request_id
