"""The outbound policy: private addresses are refused before any packet leaves, unless that exact
host and port were allowed; every failure to get an HTTP answer reads the same."""

from __future__ import annotations

import socket

import pytest

from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.errors import UnavailableError
from vendors.base.http import HttpSettings, RetryPolicy
from vendors.base.outbound import OutboundPolicy, is_public, origin_of
from vendors.sim.server import SimServer
from vendors.sim.world import World, WorldOptions


@pytest.fixture
def dialled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address a socket was opened to, in this test."""
    seen: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(address, *args, **kwargs):
        seen.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return seen


def client(base_url: str, policy: OutboundPolicy | None) -> AliyunRtcClient:
    return AliyunRtcClient(
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        base_url=base_url,
        retry=RetryPolicy.never(),
        http=HttpSettings(timeout=2.0, connect_timeout=1.0, outbound=policy),
    )


def failure(base_url: str, policy: OutboundPolicy | None) -> UnavailableError:
    with client(base_url, policy) as c, pytest.raises(UnavailableError) as info:
        c.describe_apps()
    return info.value


@pytest.mark.parametrize("port", [6379, 5432])
def test_the_servers_own_redis_and_postgresql_are_never_dialled(port: int, dialled: list) -> None:
    error = failure(f"http://127.0.0.1:{port}", OutboundPolicy())
    assert dialled == []
    assert error.code == "Unreachable"


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1", "::ffff:127.0.0.1"],
)
def test_private_loopback_and_link_local_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


def test_a_public_name_that_resolves_inside_is_refused(monkeypatch: pytest.MonkeyPatch, dialled: list) -> None:
    """DNS rebinding: the name is checked by what it resolves to, and only a checked address is dialled."""
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 6379))]
    )
    error = failure("http://rtc.example.com:6379", OutboundPolicy())
    assert dialled == [] and error.code == "Unreachable"


def test_an_allowed_origin_is_dialled_at_the_checked_address(dialled: list) -> None:
    sim = AliyunSimulator(World(WorldOptions(seed=2, apps_per_vendor=1)))
    with SimServer(sim.handle) as server:
        policy = OutboundPolicy.allowing([server.base_url])
        with client(server.base_url, policy) as c:
            assert c.describe_apps()
        assert dialled and all(address == ("127.0.0.1", origin_of(server.base_url)[1]) for address in dialled)
        # the same host on another port is still refused
        assert failure("http://127.0.0.1:6379", policy).code == "Unreachable"
        assert ("127.0.0.1", 6379) not in dialled


def test_open_and_closed_ports_read_the_same() -> None:
    """Redis answers an HTTP request with garbage, a closed port refuses: the user reads one message."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    allowed = OutboundPolicy.allowing(["http://127.0.0.1:6379", f"http://127.0.0.1:{closed_port}"])
    open_port = failure("http://127.0.0.1:6379", allowed)
    closed_port_error = failure(f"http://127.0.0.1:{closed_port}", allowed)
    refused = failure("http://127.0.0.1:6379", OutboundPolicy())
    assert open_port.message == closed_port_error.message == refused.message
    assert open_port.code == closed_port_error.code == refused.code == "Unreachable"
