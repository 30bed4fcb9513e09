"""Demo tenants, users and vendor accounts pointing at the simulators. Safe to run again."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from dashboard.audit.log import record
from dashboard.credentials.models import VendorAccount
from dashboard.rtc.listing import refresh_account
from dashboard.rtc.models import AppSource, RtcApp
from dashboard.tenancy.models import Membership, Role, Tenant
from vendors import registry
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.sim import Simulator

log = logging.getLogger(__name__)

TENANTS = (("acme", "Acme Rooms"), ("blue-harbor", "Blue Harbor Media"))


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
        for share, slug in enumerate(tenants):
            for vendor, endpoint in endpoints.items():
                info = registry.get(vendor)
                label = f"{info.label} (simulator)"
                account = VendorAccount.objects.filter(tenant=tenants[slug], vendor=vendor, label=label).first()
                account = account or VendorAccount(tenant=tenants[slug], vendor=vendor, label=label)
                account.endpoint = endpoint.base_url
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
    return passwords
