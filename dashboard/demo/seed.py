"""Demo tenants, users and vendor accounts pointing at the simulators. Safe to run again."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from dashboard.alerts import engine as alert_engine
from dashboard.alerts.models import AlertRule, Destination, DestinationKind, Kind
from dashboard.audit.log import record
from dashboard.credentials.endpoints import normalize
from dashboard.credentials.models import VendorAccount, VendorEndpoint
from dashboard.live.discovery import add_channel, discover
from dashboard.live.models import Channel, Discovery
from dashboard.live.poll import poll_channels
from dashboard.recordings import callbacks
from dashboard.recordings import rules as recording_rules
from dashboard.rtc.listing import refresh_account
from dashboard.rtc.models import AppSource, RtcApp
from dashboard.tenancy.models import Membership, Role, Tenant
from vendors import registry
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.sim import Simulator, World

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


def seed(endpoints: dict[str, SimEndpoint], password: str | None = None, world: World | None = None) -> dict[str, str]:
    """Create or update the demo data; returns each demo user's password (new each run unless given).

    With the simulators' `world`, hand-registered apps take the world's own (distinct) names."""
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
                        spec = world.app(app_id) if world else None
                        RtcApp.objects.update_or_create(
                            vendor_account=account,
                            app_id=app_id,
                            defaults={
                                "source": AppSource.MANUAL,
                                "name": spec.name if spec else f"{info.label} {app_id}",
                            },
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
    route_rule_callbacks(VendorAccount.objects.filter(tenant__slug__in=tenants, vendor__in=endpoints))
    seed_alerts(tenants["acme"])
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


def route_rule_callbacks(accounts: Iterable[VendorAccount]) -> None:
    """Recording rules at vendors that keep them (ISDP+) send their callbacks to this console,
    so automatic recordings reach the recordings page. Needs PUBLIC_BASE_URL (the demo sets it)."""
    if not settings.PUBLIC_BASE_URL:
        log.info("demo: recording rules left as they are (no PUBLIC_BASE_URL for callbacks)")
        return
    for account in accounts:
        if not account.info.can(Capability.RECORDING_RULES):
            continue
        url = callbacks.callback_url(account)
        for app in account.apps.all():
            try:
                for rule in recording_rules.rules(app):
                    if rule.callback_url != url:
                        recording_rules.save(AnonymousUser(), app, replace(rule, callback_url=url))
            except VendorError as error:
                log.warning("demo: recording rules of %s failed: %s", app, error)


DEMO_MAILBOX = "Demo mailbox"


def seed_alerts(tenant: Tenant) -> None:
    """Acme's rules send to a mailbox (the demo's mail goes to files in VAR_DIR/demo-mail), and
    its crowded-channel limit sits just below its busiest live channel, so an alert is open at start."""
    mailbox, _ = Destination.objects.get_or_create(
        tenant=tenant, name=DEMO_MAILBOX, defaults={"kind": DestinationKind.EMAIL, "emails": "ops@acme.example"}
    )
    counts = list(
        Channel.objects.filter(app__vendor_account__tenant=tenant, is_live=True)
        .order_by("-member_count")
        .values_list("member_count", flat=True)[:2]
    )
    # Just under the busiest channel: that one fires (the runner-up too if they are level).
    below = (counts[1] if len(counts) > 1 and counts[1] < counts[0] else counts[0] - 1) if counts else None
    for rule in AlertRule.objects.filter(tenant=tenant, enabled=True):
        changed: dict[str, object] = {}
        if not rule.destinations.filter(pk=mailbox.pk).exists():
            rule.destinations.add(mailbox)
            changed["destinations"] = sorted(d.name for d in rule.destinations.all())
        if rule.kind == Kind.CHANNEL_MEMBERS_OVER and below and rule.threshold != max(1, below):
            rule.threshold = max(1, below)
            changed["threshold"] = rule.threshold
            rule.save(update_fields=["threshold", "updated_at"])
        if changed:  # every rule change is audited, the demo's too
            record(None, "alerts.rule_update", tenant=tenant, target=str(rule.get_kind_display()), detail=changed)
    alert_engine.evaluate(tenants=[tenant])
