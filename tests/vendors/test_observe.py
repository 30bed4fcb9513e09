"""vendors/base/observe.py: every attempt of every vendor call reaches the observer the
application installs, named by vendor and action, with its error class."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.errors import AuthenticationError
from vendors.base.http import RetryPolicy
from vendors.base.observe import CallObservation, set_call_observer
from vendors.uprtc.client import route_of

FAST = RetryPolicy(attempts=5, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0)


@pytest.fixture
def seen() -> Iterator[list[CallObservation]]:
    observed: list[CallObservation] = []
    set_call_observer(observed.append)
    yield observed
    set_call_observer(None)


def test_each_attempt_is_observed_with_its_outcome(sim: AliyunSimulator, clock, seen) -> None:
    failures = iter([True])

    def first_fails(request: httpx.Request) -> httpx.Response:
        if next(failures, False):
            return httpx.Response(503, text="busy")
        return sim.handle(request)

    client = AliyunRtcClient(
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        base_url="http://sim",
        transport=httpx.MockTransport(first_fails),
        clock=clock,
        retry=FAST,
    )
    client.describe_apps()
    assert [(c.vendor, c.action, c.error) for c in seen] == [
        ("aliyun", "DescribeApps", "UnavailableError"),
        ("aliyun", "DescribeApps", ""),
    ]
    assert all(c.seconds >= 0 for c in seen)

    wrong = AliyunRtcClient(
        DEMO_ACCESS_KEY_ID,
        "not-the-secret",
        base_url="http://sim",
        transport=httpx.MockTransport(sim.handle),
        clock=clock,
        retry=FAST,
    )
    with pytest.raises(AuthenticationError):
        wrong.describe_apps()
    assert (seen[-1].action, seen[-1].error) == ("DescribeApps", "AuthenticationError")  # permanent: once


def test_a_failing_observer_never_breaks_the_call(sim: AliyunSimulator, clock) -> None:
    def broken(call: CallObservation) -> None:
        raise RuntimeError("metrics store is down")

    set_call_observer(broken)
    try:
        client = AliyunRtcClient(
            DEMO_ACCESS_KEY_ID,
            DEMO_ACCESS_KEY_SECRET,
            base_url="http://sim",
            transport=httpx.MockTransport(sim.handle),
            clock=clock,
        )
        assert client.describe_apps() is not None
    finally:
        set_call_observer(None)


def test_uprtc_routes_leave_ids_out_so_labels_stay_few() -> None:
    assert route_of("GET", "/room/r-123") == "GET /room/{id}"
    assert route_of("DELETE", "/room/r-1/live/member/p-9") == "DELETE /room/{id}/live/member/{id}"
    assert route_of("POST", "/room/r-1/join/enbale/true") == "POST /room/{id}/join/enbale/true"
    assert route_of("GET", "/server/miniLoad") == "GET /server/miniLoad"
