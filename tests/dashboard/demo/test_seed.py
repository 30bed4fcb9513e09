"""dashboard/demo/seed.py: the demo's data; seeding again changes nothing twice."""

from __future__ import annotations

import pytest

from dashboard.alerts.models import Incident
from dashboard.audit.models import AuditEntry
from dashboard.credentials.models import VendorAccount
from dashboard.demo.seed import USERS, SimEndpoint, seed
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Membership, Tenant
from vendors.sim import World, WorldOptions, build_simulators
from vendors.sim.server import SimServer


@pytest.mark.django_db
def test_seeding_twice_creates_nothing_twice(settings) -> None:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8999"  # where the demo console listens
    world = World(WorldOptions(seed=2, apps_per_vendor=4, channels_per_app=2, users_per_app=100))
    simulators = build_simulators(world)
    servers = [SimServer(sim.handle).start() for sim in simulators]
    try:
        endpoints = {
            sim.vendor: SimEndpoint(sim, server.base_url) for sim, server in zip(simulators, servers, strict=True)
        }
        first = seed(endpoints, world=world)
        counts = (
            Tenant.objects.count(),
            Membership.objects.count(),
            VendorAccount.objects.count(),
            RtcApp.objects.count(),
        )
        second = seed(endpoints, password="same-for-everyone-1")
        again = (
            Tenant.objects.count(),
            Membership.objects.count(),
            VendorAccount.objects.count(),
            RtcApp.objects.count(),
        )
        isdp = next(sim for sim in simulators if sim.vendor == "isdp")
        demo_apps = set(RtcApp.objects.filter(vendor_account__vendor="isdp").values_list("app_id", flat=True))
        rule_callbacks = {rule.callback_url for rule in isdp.rules.values() if rule.app_id in demo_apps}
        incidents = list(Incident.objects.filter(tenant__slug="acme", resolved_at__isnull=True))
    finally:
        for server in servers:
            server.stop()
    assert counts == again
    assert counts[2] == 2 * len(simulators)
    assert set(first) == set(second) == {user.username for user in USERS}
    # each demo tenant sees its own half of the simulated apps
    acme = set(RtcApp.objects.filter(vendor_account__tenant__slug="acme").values_list("app_id", flat=True))
    harbor = set(RtcApp.objects.filter(vendor_account__tenant__slug="blue-harbor").values_list("app_id", flat=True))
    assert acme and harbor and not acme & harbor
    names = list(RtcApp.objects.filter(vendor_account__tenant__slug="acme").values_list("name", flat=True))
    assert len(names) == len(set(names)) and all(names), names  # every demo app has its own name
    # ISDP+'s recording rules call the console back, at the account's own callback address
    assert rule_callbacks and all(url.startswith("http://127.0.0.1:8999/hooks/recordings/") for url in rule_callbacks)
    # Acme's crowded-channel rule sits just under its busiest live channel: an alert is open
    assert incidents and {incident.rule.kind for incident in incidents} == {"channel_members_over"}
    assert AuditEntry.objects.filter(action="alerts.rule_update", tenant__slug="acme").exists()  # audited too
