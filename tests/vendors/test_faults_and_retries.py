"""Transient faults are retried for reads only, each attempt freshly signed; permanent ones never."""

from __future__ import annotations

import httpx
import pytest

from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.errors import (
    AuthenticationError,
    MalformedResponseError,
    RateLimitedError,
    UnavailableError,
)
from vendors.base.http import HttpSettings, RetryPolicy
from vendors.sim.faults import Faults
from vendors.sim.server import SimServer

FAST = RetryPolicy(attempts=5, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0)


class Counting(httpx.MockTransport):
    def __init__(self, handler) -> None:
        super().__init__(handler)
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return super().handle_request(request)


def connect(sim, clock, retry=FAST, secret=DEMO_ACCESS_KEY_SECRET) -> tuple[AliyunRtcClient, Counting]:
    transport = Counting(sim.handle)
    client = AliyunRtcClient(
        DEMO_ACCESS_KEY_ID, secret, base_url="http://sim", transport=transport, clock=clock, retry=retry
    )
    return client, transport


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"error_rate": 1.0}, UnavailableError),
        ({"throttle_rate": 1.0}, RateLimitedError),
        ({"drop_rate": 1.0}, UnavailableError),
        ({"malformed_rate": 1.0}, MalformedResponseError),
    ],
)
def test_each_fault_maps_to_a_transient_error_and_reads_are_retried(world, clock, fault, error):
    sim = AliyunSimulator(world, faults=Faults(seed=1, **fault))
    client, transport = connect(sim, clock)
    with pytest.raises(error) as info:
        client.describe_apps()
    assert info.value.transient
    assert transport.sent == FAST.attempts


def test_writes_are_not_retried(world, clock, app_id):
    sim = AliyunSimulator(world, faults=Faults(error_rate=1.0, seed=1))
    client, transport = connect(sim, clock)
    with pytest.raises(UnavailableError):
        client.modify_app(app_id, "new name")
    assert transport.sent == 1


def test_retries_get_through_intermittent_faults_with_fresh_nonces(world, clock):
    """A replayed nonce would be refused: success proves each attempt was signed anew."""
    sim = AliyunSimulator(world, faults=Faults(error_rate=0.3, malformed_rate=0.3, seed=5))
    client, transport = connect(sim, clock, retry=RetryPolicy(attempts=10, wait_initial=0, wait_max=0, wait_jitter=0))
    for _ in range(20):
        assert len(list(client.iter_apps())) == 2
    assert transport.sent > 20


def test_permanent_errors_are_not_retried(world, clock):
    sim = AliyunSimulator(world)
    client, transport = connect(sim, clock, secret="wrong")
    with pytest.raises(AuthenticationError):
        client.describe_apps()
    assert transport.sent == 1


def test_dropped_connections_and_latency_over_real_http(world, clock):
    sim = AliyunSimulator(world, faults=Faults(drop_rate=1.0, seed=1))
    with SimServer(sim.handle) as server:
        client = AliyunRtcClient(
            DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, base_url=server.base_url, clock=clock, retry=RetryPolicy.never()
        )
        with pytest.raises(UnavailableError) as info:
            client.describe_apps()
    assert info.value.code == "Unreachable"


def test_slow_vendor_times_out_as_unavailable(world, clock):
    sim = AliyunSimulator(world, faults=Faults(latency=0.5))
    with SimServer(sim.handle) as server:
        client = AliyunRtcClient(
            DEMO_ACCESS_KEY_ID,
            DEMO_ACCESS_KEY_SECRET,
            base_url=server.base_url,
            clock=clock,
            retry=RetryPolicy.never(),
            http=HttpSettings(timeout=0.1),
        )
        with pytest.raises(UnavailableError) as info:
            client.describe_apps()
    assert info.value.code == "Unreachable"


def test_account_rate_limit_throttles(world, clock):
    sim = AliyunSimulator(world)
    sim.add_account("LTAIlimited", "secret", rate_limit=3)
    client = AliyunRtcClient(
        "LTAIlimited",
        "secret",
        base_url="http://sim",
        transport=httpx.MockTransport(sim.handle),
        clock=clock,
        retry=RetryPolicy.never(),
    )
    for _ in range(3):
        client.describe_apps()
    with pytest.raises(RateLimitedError) as info:
        client.describe_apps()
    assert info.value.code == "Throttling.User"
