"""What the console sees: the registry's declarations and the normalized provider."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

import vendors
from vendors.aliyun.sim import AliyunSimulator
from vendors.base.errors import AuthenticationError, UnsupportedCapabilityError
from vendors.base.provider import Capability, Provider, capability_methods
from vendors.base.types import Interval, UsageMetric
from vendors.sim.world import World

from .conftest import WALL_CLOCK_WORLD


def test_registry_declares_aliyun_for_forms_and_pages():
    info = vendors.registry.get("aliyun")
    assert info.label == "Alibaba Cloud RTC"
    fields = {f.name: f for f in info.credential_fields}
    assert fields["access_key_secret"].secret and not fields["access_key_id"].secret
    assert not fields["security_token"].required
    assert all(f.label and f.help_text for f in info.credential_fields)
    assert {Capability.LIST_APPS, Capability.USAGE_STATS, Capability.KICK} <= info.capabilities
    assert Capability.RECORDING not in info.capabilities
    assert info.limits.max_usage_span_days == 30 and info.limits.kick_batch_size == 30
    assert info in vendors.registry.with_capability(Capability.KICK)
    with pytest.raises(KeyError, match="unknown vendor"):
        vendors.registry.get("nope")


@pytest.fixture
def live_world() -> World:
    """Wall clock, as in production: the provider signs with the real time."""
    return World(WALL_CLOCK_WORLD)


@pytest.fixture
def live_sim(live_world) -> AliyunSimulator:
    return AliyunSimulator(live_world)


@pytest.fixture
def provider(live_sim) -> Provider:
    return vendors.registry.get("aliyun").connect(
        live_sim.demo_credentials(), base_url="http://sim", transport=httpx.MockTransport(live_sim.handle)
    )


def test_provider_speaks_the_normalized_vocabulary(provider, live_world):
    world = live_world
    app_id = world.apps("aliyun")[0].app_id
    busy_channel = max(world.app(app_id).channels, key=lambda c: len(world.live_sessions(app_id, c.channel_id)))
    busy_channel = busy_channel.channel_id
    now = world.now()
    assert isinstance(provider, Provider)
    assert provider.check_connection()
    assert {a.app_id for a in provider.list_apps()} == {a.app_id for a in world.apps("aliyun")}
    points = provider.usage(app_id, UsageMetric.PEAK_CHANNELS, Interval.DAY, now - timedelta(days=40), now)
    assert len(points) == 41 and all(p.peak_time for p in points)
    assert list(provider.channel_records(app_id, now - timedelta(days=1)))
    membership = provider.membership(app_id, busy_channel)
    victim = membership.members[0].user_id
    results = provider.kick(app_id, busy_channel, [victim, victim])
    assert [(r.user_id, r.ok) for r in results] == [(victim, True)], "duplicates are kicked once"
    assert victim not in {m.user_id for m in provider.membership(app_id, busy_channel).members}
    assert provider.rename_app(app_id, "Renamed")
    assert provider.close_channel(app_id, busy_channel)
    assert not provider.membership(app_id, busy_channel).exists


def test_bad_credentials_surface_from_check_connection(live_sim):
    provider = vendors.registry.get("aliyun").connect(
        {"access_key_id": "LTAI5tSimDemoAccessKey", "access_key_secret": "wrong"},
        base_url="http://sim",
        transport=httpx.MockTransport(live_sim.handle),
    )
    with pytest.raises(AuthenticationError) as info:
        provider.check_connection()
    assert info.value.request_id and "wrong" not in str(info.value)


def _provider_class(vendor: str) -> type[Provider]:
    return next(cls for cls in Provider.__subclasses__() if cls.vendor == vendor)


@pytest.mark.parametrize("vendor", vendors.registry.names())
def test_a_provider_implements_exactly_the_capabilities_its_vendor_declares(vendor):
    """A capability is declared once, in VendorInfo; the Provider base class says which
    methods belong to it and answers "unsupported" for every one a vendor leaves alone."""
    info, cls = vendors.registry.get(vendor), _provider_class(vendor)
    for capability in Capability:
        methods = capability_methods(capability)
        overridden = [name for name in methods if getattr(cls, name) is not getattr(Provider, name)]
        if info.can(capability):
            assert overridden == methods, (
                f"{vendor} declares {capability.value} but leaves {set(methods) - set(overridden)}"
            )
        else:
            assert not overridden, f"{vendor} implements {overridden} without declaring {capability.value}"


def test_a_method_a_vendor_lacks_answers_unsupported_with_the_vendor_and_what():
    cls = _provider_class("uprtc")
    provider = cls.__new__(cls)  # no client needed: the base class answers before any call
    with pytest.raises(UnsupportedCapabilityError, match="uprtc has no API to mix streams") as refused:
        provider.start_mixing("app", "channel", None)
    assert refused.value.code == "Unsupported" and refused.value.vendor == "uprtc"
    assert provider.recording_callback_reply(200, "ok") == {"message": "ok"}


def test_every_capability_with_methods_names_real_provider_methods():
    assert capability_methods(Capability.KICK) == ["kick"]
    assert capability_methods(Capability.MIXING) == [
        "start_mixing",
        "mixing_status",
        "update_mixing_layout",
        "stop_mixing",
    ]
    # Options of start_recording: no method of their own.
    assert capability_methods(Capability.RECORDING_RESOLUTION) == []


def test_the_add_a_vendor_guide_names_every_capability_with_exactly_its_methods():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "adding-a-vendor.md").read_text()
    section = guide[guide.index("## 4.") : guide.index("## 5.")]
    rows = re.findall(r"^\| `([a-z_]+)` \|([^|]*)\|", section, re.M)
    table = {capability: re.findall(r"`(\w+)`", methods) for capability, methods in rows}
    assert table == {capability.value: capability_methods(capability) for capability in Capability}
