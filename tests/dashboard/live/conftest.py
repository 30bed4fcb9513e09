"""Live fixtures: member lists as the vendor returns them, and a watched channel at the Aliyun simulator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from dashboard.live.models import Channel, Presence
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import Simulated, World2
from vendors.base.types import ChannelMode, Member, MemberRole, Membership
from vendors.sim.world import ROLE_COMMUNICATION

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def members(*users: str, role: MemberRole = MemberRole.COMMUNICATION) -> tuple[Member, ...]:
    return tuple(Member(user, role) for user in users)


def membership(channel_id: str, *users: str, exists: bool = True) -> Membership:
    listed = members(*users)
    return Membership(channel_id, exists, ChannelMode.COMMUNICATION, listed, {MemberRole.COMMUNICATION: len(listed)})


def present(channel: Channel) -> dict[str, bool]:
    """Members the console lists now, each with True unless a kick is waiting for confirmation."""
    return {
        user: kicked_at is None
        for user, kicked_at in Presence.objects.filter(channel=channel).values_list("user_id", "kicked_at")
    }


@pytest.fixture
def live(two_tenants: World2, aliyun_sim: Simulated) -> tuple[World2, Simulated, RtcApp, Channel]:
    """Acme's first Aliyun app with a watched channel holding three users the test put there."""
    world = aliyun_sim.simulator.world
    app_id = world.apps("aliyun")[0].app_id
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id=app_id, name="Meet")
    channel_id = f"test-{uuid.uuid4().hex[:12]}"  # the simulated world outlives each test
    for user in ("alice", "bob", "carol"):
        world.join(app_id, channel_id, user, role=ROLE_COMMUNICATION)
    channel = Channel.objects.create(app=app, channel_id=channel_id, watched=True)
    return two_tenants, aliyun_sim, app, channel
