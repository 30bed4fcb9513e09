"""The simulator's statistics agree with its own channel and member data."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import httpx
import pytest

from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.types import Interval, UsageMetric
from vendors.sim.world import World

from .conftest import NOW, SMALL_WORLD, FakeClock


def connect(world: World, clock: FakeClock) -> AliyunRtcClient:
    sim = AliyunSimulator(world)
    return AliyunRtcClient(
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        base_url="http://sim",
        transport=httpx.MockTransport(sim.handle),
        clock=clock,
    )


def test_usage_equals_member_minutes_and_recomputed_peaks(world, clock, app_id):
    client = connect(world, clock)
    day = (NOW - timedelta(days=1)).replace(hour=0, minute=0)
    records = list(client.iter_rtc_channel_user_list(app_id, day, page_size=500))
    assert len(records) > 500

    hourly = {
        metric: {p.timestamp: p for p in client.usage(metric, day, day + timedelta(days=1), app_id=app_id)}
        for metric in UsageMetric
    }
    daily = {
        metric: client.usage(metric, day, day + timedelta(days=1), interval=Interval.DAY, app_id=app_id)[0]
        for metric in UsageMetric
    }

    # Minutes: every member-minute of the day, by tier, is in the duration statistics.
    assert daily[UsageMetric.DURATION].value == sum(r.subscribed.total for r in records)
    assert daily[UsageMetric.DURATION].duration.v720 == sum(r.subscribed.v720 for r in records)
    assert sum(p.value for p in hourly[UsageMetric.DURATION].values()) == daily[UsageMetric.DURATION].value

    # Active users and channels: distinct ids seen that day.
    assert daily[UsageMetric.ACTIVE_USERS].value == len({r.user_id for r in records})
    assert daily[UsageMetric.ACTIVE_CHANNELS].value == len({r.channel_id for r in records})

    # Peaks: rebuild per-minute presence from the records and compare every hour.
    users_at: dict = defaultdict(set)
    channels_at: dict = defaultdict(set)
    for r in records:
        minute = r.start
        while minute < r.end:
            users_at[minute].add(r.user_id)
            channels_at[minute].add(r.channel_id)
            minute += timedelta(minutes=1)
    for hour in range(24):
        start = day + timedelta(hours=hour)
        minutes = [start + timedelta(minutes=m) for m in range(60)]
        peak_users = max(len(users_at[m]) for m in minutes)
        peak_channels = max(len(channels_at[m]) for m in minutes)
        user_point = hourly[UsageMetric.PEAK_USERS][start]
        channel_point = hourly[UsageMetric.PEAK_CHANNELS][start]
        assert user_point.value == peak_users
        assert len(users_at[user_point.peak_time]) == peak_users, "the peak time is when the peak happened"
        assert channel_point.value == peak_channels
        assert len(channels_at[channel_point.peak_time]) == peak_channels
        hour_users = {u for m in minutes for u in users_at[m]}
        assert hourly[UsageMetric.ACTIVE_USERS][start].value == len(hour_users)
    assert daily[UsageMetric.PEAK_USERS].value == max(p.value for p in hourly[UsageMetric.PEAK_USERS].values())


def test_the_same_seed_gives_the_same_world(clock):
    one, two = World(SMALL_WORLD, clock=clock), World(SMALL_WORLD, clock=clock)
    app_one, app_two = one.apps("aliyun")[0], two.apps("aliyun")[0]
    assert app_one.app_id == app_two.app_id
    lo = one.now_minute() - 3 * 24 * 60
    assert one.sessions(app_one.app_id, lo, lo + 600) == two.sessions(app_two.app_id, lo, lo + 600)


def test_usage_worked_out_ahead_is_the_usage_worked_out_when_asked(clock):
    ahead, asked = World(SMALL_WORLD, clock=clock), World(SMALL_WORLD, clock=clock)
    assert ahead.warm(["aliyun"], 3) == (len(ahead.apps("aliyun")) + 1) * 3
    assert len(ahead._day_cache) == (len(ahead.apps("aliyun")) + 1) * 3 and not asked._day_cache
    apps = tuple(app.app_id for app in asked.apps("aliyun"))
    last = asked.now_minute()
    first = last - last % (24 * 60) - 4 * 24 * 60  # a day more than was worked out, and today
    for app_ids in [*((app,) for app in apps), apps]:
        for step in (60, 24 * 60):
            assert ahead.usage_rows(app_ids, first, step, last) == asked.usage_rows(app_ids, first, step, last)


def test_working_out_more_days_than_are_kept_is_refused(clock, monkeypatch):
    world = World(SMALL_WORLD, clock=clock)
    monkeypatch.setattr("vendors.sim.world.MAX_CACHED_DAYS", 10)
    with pytest.raises(ValueError, match="over the 10 kept"):
        world.warm(["aliyun"], 10)
    assert not world._day_cache


def test_members_join_and_leave_as_time_passes(world, clock, app_id, busy_channel):
    before = {s.session_id for s in world.live_sessions(app_id, busy_channel)}
    clock.advance(minutes=30)
    after = {s.session_id for s in world.live_sessions(app_id, busy_channel)}
    assert after - before, "someone joined"
    assert before - after, "someone left"


def test_a_kick_ends_the_session_at_the_kick_in_the_statistics(world, clock, app_id, busy_channel):
    untouched = World(SMALL_WORLD, clock=clock)
    victim = world.live_sessions(app_id, busy_channel)[0]
    kicked_at = world.now_minute()
    assert world.kick(app_id, busy_channel, victim.user_id)
    clock.advance(hours=4)

    def stored(w: World):
        found = w.sessions(app_id, victim.start, victim.start + 1)
        return next(s for s in found if s.session_id == victim.session_id)

    assert stored(world).end == kicked_at
    assert stored(untouched).end > kicked_at, "without the kick it would have gone on"


def test_one_channels_sessions_are_the_apps_sessions_of_that_channel(world, clock, app_id, busy_channel):
    world.kick(app_id, busy_channel, world.live_sessions(app_id, busy_channel)[0].user_id)
    world.join(app_id, busy_channel, "walk-in")
    lo = world.now_minute() - 26 * 60
    everyone = world.sessions(app_id, lo, lo + 27 * 60)
    for channel in world.app(app_id).channels:
        expected = [s for s in everyone if s.channel_id == channel.channel_id]
        assert world.sessions(app_id, lo, lo + 27 * 60, channel.channel_id) == expected
        assert world.channel(app_id, channel.channel_id) is world.app(app_id).channel(channel.channel_id)
    assert world.channel(app_id, "no-such-channel") is None and world.channel("no-such-app", busy_channel) is None
