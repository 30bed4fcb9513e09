"""Demo tenants, users and vendor accounts pointing at the simulators. Safe to run again."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from dashboard.audit.log import record
from dashboard.credentials.endpoints import normalize
from dashboard.credentials.models import VendorAccount, VendorEndpoint
from dashboard.live.discovery import add_channel, discover
from dashboard.live.models import Channel, Discovery
from dashboard.live.poll import poll_channels
from dashboard.rtc.listing import refresh_account
from dashboard.rtc.models import AppSource, RtcApp
from dashboard.tenancy.models import Membership, Role, Tenant
from vendors import registry
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.sim import Simulator

log = logging.getLogger(__name__)

TENANTS = (("acme", "Acme Rooms"), ("blue-harbor", "Blue Harbor Media"))
DEMO_ENDPOINT_NOTE = "Demo simulator on loopback (replaced on every `manage.py demo` run)"


@dataclass(frozen=True)
class DemoUser:
    username: str
    staff: bool
    roles: tuple[tuple[str, Role], ...]
    description: str


USERS = (
    DemoUser("staff", True, (), "support staff: every tenant, the admin site"),
    DemoUser(
        "acme-admin",
        False,
        (("acme", Role.ADMIN), ("blue-harbor", Role.VIEWER)),
        "admin of Acme, viewer of Blue Harbor",
    ),
    DemoUser("acme-viewer", False, (("acme", Role.VIEWER),), "viewer of Acme Rooms: read-only"),
    DemoUser("harbor-admin", False, (("blue-harbor", Role.ADMIN),), "admin of Blue Harbor Media"),
)


@dataclass(frozen=True)
class SimEndpoint:
    simulator: Simulator
    base_url: str


def seed(endpoints: dict[str, SimEndpoint], password: str | None = None) -> dict[str, str]:
    """Create or update the demo data; returns each demo user's password (new each run unless given)."""
    passwords: dict[str, str] = {}
    with transaction.atomic():
        tenants = {
            slug: Tenant.objects.update_or_create(slug=slug, defaults={"name": name})[0] for slug, name in TENANTS
        }
        for demo in USERS:
            user, _ = get_user_model().objects.get_or_create(username=demo.username)
            user.is_staff = user.is_superuser = demo.staff
            passwords[demo.username] = password or secrets.token_urlsafe(9)
            user.set_password(passwords[demo.username])
            user.save()
            for slug, role in demo.roles:
                Membership.objects.update_or_create(user=user, tenant=tenants[slug], defaults={"role": role})
        allow_simulators(endpoints)
        for share, slug in enumerate(tenants):
            for vendor, endpoint in endpoints.items():
                info = registry.get(vendor)
                label = f"{info.label} (simulator)"
                account = VendorAccount.objects.filter(tenant=tenants[slug], vendor=vendor, label=label).first()
                account = account or VendorAccount(tenant=tenants[slug], vendor=vendor, label=label)
                account.endpoint = normalize(endpoint.base_url)
                account.enabled = True
                account.set_credentials(endpoint.simulator.demo_account(share, len(tenants)))
                account.save()
                if not info.can(Capability.LIST_APPS):
                    for app_id in endpoint.simulator.demo_app_ids(share, len(tenants)):
                        RtcApp.objects.get_or_create(
                            vendor_account=account,
                            app_id=app_id,
                            defaults={"source": AppSource.MANUAL, "name": f"{info.label} demo app"},
                        )
    for account in VendorAccount.objects.filter(tenant__slug__in=tenants, vendor__in=endpoints):
        if account.info.can(Capability.LIST_APPS):
            try:
                result = refresh_account(account, interactive=False)
            except VendorError as error:
                log.warning("demo: listing apps of %s failed: %s", account, error)
                continue
            record(None, "apps.refresh", vendor_account=account, target=account.label, detail={"added": result.added})
    seed_channels(endpoints, tenants.values())
    return passwords


def allow_simulators(endpoints: dict[str, SimEndpoint]) -> None:
    """The simulators listen on loopback: staff-allowed endpoints, replacing the last run's ports."""
    VendorEndpoint.objects.filter(note=DEMO_ENDPOINT_NOTE).delete()
    for vendor, endpoint in endpoints.items():
        VendorEndpoint.objects.get_or_create(
            vendor=vendor, base_url=normalize(endpoint.base_url), defaults={"note": DEMO_ENDPOINT_NOTE}
        )


def seed_channels(endpoints: dict[str, SimEndpoint], tenants: Iterable[Tenant]) -> None:
    """Channels a demo user would otherwise add by hand (uprtc rooms looked up, ISDP+ channels
    watched); Aliyun's come from its channel records. Then one poll, so pages start full."""
    for account in VendorAccount.objects.filter(tenant__in=list(tenants), vendor__in=endpoints):
        simulator = endpoints[account.vendor].simulator
        pollable = account.info.can(Capability.LIVE_MEMBERSHIP)
        for app in account.apps.all():
            for channel_id in simulator.demo_channel_ids(app.app_id):
                # Watched: without channel records nothing else would notice an empty room come alive.
                add_channel(app, channel_id, watched=True, discovered_by=Discovery.CONSOLE)
        try:
            if account.info.can(Capability.CHANNEL_RECORDS):
                discover(account)
            elif pollable:
                poll_channels(
                    account,
                    list(Channel.objects.select_related("app").filter(app__vendor_account=account)),
                    interactive=False,
                )
        except VendorError as error:
            log.warning("demo: reading channels of %s failed: %s", account, error)
