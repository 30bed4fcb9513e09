"""The outbound policy: private addresses are refused before any packet leaves, unless that exact
host and port were allowed; every failure to get an HTTP answer reads the same."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from functools import partial

import pytest

from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.errors import UnavailableError
from vendors.base.http import HttpSettings, RetryPolicy
from vendors.base.outbound import OutboundPolicy, is_public
from vendors.sim.server import SimServer
from vendors.sim.world import World, WorldOptions
from vendors.uprtc.client import UprtcClient
from vendors.uprtc.sim import UprtcSimulator


class Listener:
    """A loopback port that counts the connections made to it and answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return count
            conn.close()
            count += 1


@pytest.fixture
def listener() -> Iterator[Listener]:
    port = Listener()
    yield port
    port.sock.close()


# The two ways a client reaches a vendor: Aliyun's signed GETs take the lean libcurl path
# (vendors/base/curl.py), the other vendors' calls go through httpx. Both must hold the policy.
def aliyun_call(base_url: str, settings: HttpSettings) -> None:
    with AliyunRtcClient(
        DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, base_url=base_url, retry=RetryPolicy.never(), http=settings
    ) as c:
        c.describe_apps()


def uprtc_call(base_url: str, settings: HttpSettings) -> None:
    with UprtcClient("secret", base_url=base_url, retry=RetryPolicy.never(), http=settings) as c:
        c.room_exists("room-1")


PATHS = [pytest.param(aliyun_call, id="curl"), pytest.param(uprtc_call, id="httpx")]


def failure(call, base_url: str, policy: OutboundPolicy | None) -> UnavailableError:
    with pytest.raises(UnavailableError) as info:
        call(base_url, HttpSettings(timeout=2.0, connect_timeout=1.0, outbound=policy))
    return info.value


@pytest.mark.parametrize("call", PATHS)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_private_address_is_never_dialled(call, host: str, listener: Listener) -> None:
    """By the address the name resolves to, not by the name: localhost is as private as 127.0.0.1."""
    error = failure(call, f"http://{host}:{listener.port}", OutboundPolicy())
    assert listener.connections() == 0
    assert error.code == "Unreachable"


@pytest.mark.parametrize("call", PATHS)
@pytest.mark.parametrize("port", [6379, 5432])
def test_the_servers_own_redis_and_postgresql_are_refused(call, port: int) -> None:
    assert failure(call, f"http://127.0.0.1:{port}", OutboundPolicy()).code == "Unreachable"


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1", "::ffff:127.0.0.1"],
)
def test_private_loopback_and_link_local_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


def test_a_public_name_that_resolves_inside_is_refused_by_httpx(monkeypatch: pytest.MonkeyPatch, listener) -> None:
    """DNS rebinding: the name is checked by what it resolves to, and only a checked address is
    dialled (libcurl checks the address it is about to dial itself: see the localhost case)."""
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", listener.port))],
    )
    error = failure(uprtc_call, f"http://rtc.example.com:{listener.port}", OutboundPolicy())
    assert listener.connections() == 0 and error.code == "Unreachable"


@pytest.mark.parametrize("call", PATHS)
def test_an_allowed_origin_is_dialled_and_no_other(call, listener: Listener) -> None:
    sims = {aliyun_call: AliyunSimulator, uprtc_call: UprtcSimulator}
    sim = sims[call](World(WorldOptions(seed=2, apps_per_vendor=1)))
    with SimServer(sim.handle) as server:
        policy = OutboundPolicy.allowing([server.base_url])
        if call is uprtc_call:
            call = partial(_uprtc_with_demo_secret, sim)
        call(server.base_url, HttpSettings(timeout=2.0, connect_timeout=1.0, outbound=policy))
        # the same host on another port is still refused
        assert failure(call, f"http://127.0.0.1:{listener.port}", policy).code == "Unreachable"
        assert listener.connections() == 0


def _uprtc_with_demo_secret(sim, base_url: str, settings: HttpSettings) -> None:
    with UprtcClient(sim.demo_credentials()["app_secret"], base_url=base_url, http=settings) as c:
        c.room_exists("room-1")


@pytest.mark.parametrize("call", PATHS)
def test_open_and_closed_ports_read_the_same(call) -> None:
    """Redis answers an HTTP request with garbage, a closed port refuses: the user reads one message."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    allowed = OutboundPolicy.allowing(["http://127.0.0.1:6379", f"http://127.0.0.1:{closed_port}"])
    open_port = failure(call, "http://127.0.0.1:6379", allowed)
    closed_port_error = failure(call, f"http://127.0.0.1:{closed_port}", allowed)
    refused = failure(call, "http://127.0.0.1:6379", OutboundPolicy())
    assert open_port.message == closed_port_error.message == refused.message
    assert open_port.code == closed_port_error.code == refused.code == "Unreachable"
