from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.http import RetryPolicy
from vendors.sim.server import SimServer
from vendors.sim.world import World, WorldOptions

NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)
SMALL_WORLD = WorldOptions(seed=11, apps_per_vendor=2, channels_per_app=6, users_per_app=800, sessions_per_day=1500)
# For a world on the wall clock (the SDKs and providers sign with the real time): busy at any
# hour of any day. At 1,500 sessions a day a night hour could find every channel of an app
# empty; at 24,000 its busiest channel has 19 or more people all week.
WALL_CLOCK_WORLD = replace(SMALL_WORLD, sessions_per_day=24000)


class FakeClock:
    """Shared by the simulator's world and the client, so signatures stay fresh."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(clock: FakeClock) -> World:
    return World(SMALL_WORLD, clock=clock)


@pytest.fixture
def sim(world: World) -> AliyunSimulator:
    return AliyunSimulator(world)


@pytest.fixture(params=["in-process", "loopback-http"])
def endpoint(request: pytest.FixtureRequest, sim: AliyunSimulator) -> Iterator[tuple[str, httpx.BaseTransport | None]]:
    """Every action test runs twice: through MockTransport and over real loopback HTTP."""
    if request.param == "in-process":
        yield "http://rtc.sim.invalid", httpx.MockTransport(sim.handle)
    else:
        with SimServer(sim.handle) as server:
            yield server.base_url, None


def make_client(endpoint, clock, **kwargs) -> AliyunRtcClient:
    base_url, transport = endpoint
    options = {"retry": RetryPolicy.never(), "clock": clock, **kwargs}
    key = options.pop("key", DEMO_ACCESS_KEY_ID)
    secret = options.pop("secret", DEMO_ACCESS_KEY_SECRET)
    return AliyunRtcClient(key, secret, base_url=base_url, transport=transport, **options)


@pytest.fixture
def client(endpoint, clock) -> Iterator[AliyunRtcClient]:
    with make_client(endpoint, clock) as c:
        yield c


@pytest.fixture
def xml_client(endpoint, clock) -> Iterator[AliyunRtcClient]:
    with make_client(endpoint, clock, response_format="XML") as c:
        yield c


@pytest.fixture
def app_id(world: World) -> str:
    return world.apps("aliyun")[0].app_id


@pytest.fixture
def busy_channel(world: World, app_id: str) -> str:
    """The channel with the most people in it right now."""
    channels = world.app(app_id).channels
    return max(channels, key=lambda c: len(world.live_sessions(app_id, c.channel_id))).channel_id
