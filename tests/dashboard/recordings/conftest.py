"""Recordings fixtures: anyRTC, uprtc and ISDP+ simulators in process on one world and clock, an
account and a busy watched channel at each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel
from dashboard.mixing.layouts import preset_layout, to_json
from dashboard.mixing.models import LayoutTemplate, LayoutVersion
from dashboard.recordings.models import Recording
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import World2
from vendors.anyrtc.sim import AnyRtcSimulator
from vendors.isdp.sim import IsdpSimulator
from vendors.sim.world import World, WorldOptions
from vendors.uprtc.sim import UprtcSimulator

STORAGE_SECRET = "storage-SECRET-5c1d9e"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def to_console(request: httpx.Request) -> httpx.Response:
    """The ISDP+ simulator's callbacks, delivered to the console under test."""
    headers = {name: value for name, value in request.headers.items() if name.lower() == "x-hw-sign"}
    answer = Client().post(request.url.path, data=request.content, content_type="application/json", headers=headers)
    return httpx.Response(answer.status_code, content=answer.content)


class Setup:
    def __init__(self, tenants: World2, sim_transport) -> None:
        self.tenants = tenants
        self.clock = Clock()
        # The world runs on the wall clock (callback signatures are checked against it), so the
        # day must be busy enough at every hour: at 24,000 sessions a day each app has a channel
        # with five or more publishers at any quarter hour of a week (2,400 left none at night).
        options = WorldOptions(
            seed=11, apps_per_vendor=1, channels_per_app=4, users_per_app=200, sessions_per_day=24000
        )
        self.world = World(options, self.clock)
        self.sims = {
            "anyrtc": AnyRtcSimulator(self.world),
            "uprtc": UprtcSimulator(self.world),
            "isdp": IsdpSimulator(
                self.world, deliver_in_background=False, callback_transport=httpx.MockTransport(to_console)
            ),
        }
        self.accounts: dict[str, VendorAccount] = {}
        self.channels: dict[str, Channel] = {}
        self.publishers: dict[str, list[str]] = {}
        for vendor, sim in self.sims.items():
            account = VendorAccount(
                tenant=tenants.acme, vendor=vendor, label=f"Acme {vendor}", endpoint=f"http://{vendor}.sim"
            )
            account.set_credentials(sim.demo_account(0, 1))
            account.save()
            app_id = sim.demo_app_ids(0, 1)[0]
            app = RtcApp.objects.create(vendor_account=account, app_id=app_id, source="manual")
            channel_id, users = self._busy(app_id)
            if vendor == "uprtc":
                channel_id = sim.world_room_id(app_id, channel_id)
            self.channels[vendor] = Channel.objects.create(app=app, channel_id=channel_id, watched=True)
            self.publishers[vendor] = users
            self.accounts[vendor] = account
        routes = {vendor: sim.handle for vendor, sim in self.sims.items()}
        sim_transport(lambda r: routes[r.url.host.split(".")[0]](r))

    def _busy(self, app_id: str) -> tuple[str, list[str]]:
        for channel in self.world.app(app_id).channels:
            users = sorted({s.user_id for s in self.world.live_sessions(app_id, channel.channel_id) if s.publishes})
            if len(users) >= 2:
                return channel.channel_id, users
        pytest.fail("no busy channel in the test world: pick another seed")


@pytest.fixture
def setup(two_tenants: World2, sim_transport) -> Setup:
    return Setup(two_tenants, sim_transport)


def layout_template(tenant, name: str, users: list[str]) -> LayoutTemplate:
    layout = preset_layout("side-by-side")
    template = LayoutTemplate.objects.create(tenant=tenant, name=name)
    data = to_json(layout)
    for pane, user in zip(data["panes"], users, strict=False):
        pane["user_id"] = user
    LayoutVersion.objects.create(template=template, number=1, layout=data)
    return template


def actions_audited(*names: str) -> list[tuple[str, str]]:
    return list(AuditEntry.objects.filter(action__in=names).order_by("pk").values_list("action", "outcome"))


# --- ISDP+ and its callbacks ----------------------------------------------------------------


def start_isdp_capture(setup: Setup, admin: Client) -> Recording:
    channel = setup.channels["isdp"]
    form = admin.get(reverse("recordings:recording_start", args=["acme", channel.pk])).content.decode()
    assert "Recording rule" in form and "1001" in form
    response = admin.post(
        reverse("recordings:recording_start", args=["acme", channel.pk]),
        {"kind": "video", "rule": "1001", "users": setup.publishers["isdp"][0]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Recording.objects.get(channel=channel)
