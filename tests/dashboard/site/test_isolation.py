"""No user reaches another tenant's data by changing a tenant name or an id in a URL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from dashboard.alerts.models import AlertRule, Destination, DestinationKind
from dashboard.api import tokens
from dashboard.api.models import ApiToken
from dashboard.audit.models import AuditEntry
from dashboard.billing.models import Markup, PriceBook
from dashboard.core.tiers import TIER_LABELS
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel
from dashboard.mixing.layouts import preset_layout, to_json
from dashboard.mixing.models import LayoutTemplate, LayoutVersion, MixingTask
from dashboard.recordings.models import Recording, RecordingFile, StorageTarget
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import World2, logged_in

# Views every signed-in user may open; none shows tenant data.
PERSONAL = {
    "home:home",
    "home:search",
    "tenancy:tenant_list",
    "people:login",
    "people:sso_start",
    "people:sso_callback",
    "people:logout",
    "people:password_change",
    "people:password_change_done",
    "people:preferences",
    "people:two_factor",
}
STAFF_ONLY = {
    "staff:all_audit",
    "staff:all_audit_csv",
    "staff:usage_overview",
    "staff:ops_jobs",
    "staff:all_active_tasks",
    "staff:api_tokens",
    "staff:api_token_revoke",
}
# Probes for load balancers and process managers; vendors' signed recording callbacks; Prometheus
# (token or address allow-list).
PUBLIC = {"ops:healthz", "ops:readyz", "hooks:recording_callback", "hooks:recording_callback_bound", "metrics:metrics"}


def named_patterns(skip_admin: bool = True) -> Iterator[tuple[str, URLPattern]]:
    """Every named route as "namespace:name" and a pattern for its whole path (so its converters
    include the tenant_slug of the include it sits in)."""

    def walk(patterns: list, prefix: str, namespace: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin" and skip_admin:
                    continue  # Django's admin: staff only, checked below
                if pattern.namespace == "api":
                    continue  # the REST API answers tokens, not sessions: tests/dashboard/api/test_isolation.py
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif pattern.name:
                route = RoutePattern(prefix + str(pattern.pattern), name=pattern.name, is_endpoint=True)
                whole = URLPattern(route, pattern.callback, pattern.default_args, pattern.name)
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), whole

    yield from walk(get_resolver().url_patterns, "", "")


def acme_layout(world: World2) -> LayoutTemplate:
    template, created = LayoutTemplate.objects.get_or_create(tenant=world.acme, name="Iso layout")
    if created:
        LayoutVersion.objects.create(template=template, number=1, layout=to_json(preset_layout("single")))
    return template


def acme_push(world: World2) -> MixingTask:
    channel = Channel.objects.get_or_create(app=world.acme_manual_app, channel_id="iso-room")[0]
    return MixingTask.objects.get_or_create(
        channel=channel,
        task_id="iso-task",
        defaults={"stream_url": "rtmp://cdn/iso", "media_encode": 20, "task_profile": "4IN_720P"},
    )[0]


def acme_recording(world: World2) -> tuple[Recording, RecordingFile]:
    channel = Channel.objects.get_or_create(app=world.acme_manual_app, channel_id="iso-room")[0]
    recording = Recording.objects.get_or_create(channel=channel, recording_id="iso-recording")[0]
    file = RecordingFile.objects.get_or_create(recording=recording, name="iso.png", content=b"png")[0]
    return recording, file


def acme_storage(world: World2) -> StorageTarget:
    target = StorageTarget.objects.filter(tenant=world.acme, name="Iso bucket").first()
    if target is None:
        target = StorageTarget(tenant=world.acme, name="Iso bucket", provider=1, region=0, bucket="iso")
        target.set_keys("AKIAISO", "iso-secret")
        target.save()
    return target


def acme_price_book(world: World2) -> PriceBook:
    return PriceBook.objects.get_or_create(
        vendor_account=world.acme_account, valid_from=date(2026, 1, 1), defaults={"currency": "USD"}
    )[0]


def acme_api_token(world: World2) -> ApiToken:
    # Made directly, not through tokens.create: walks compare audit counts before and after.
    return ApiToken.objects.get_or_create(
        tenant=world.acme, name="Iso token", defaults={"key_hash": tokens.digest("rtcd_iso"), "hint": "_iso"}
    )[0]


def acme_alert_rule(world: World2) -> AlertRule:
    return AlertRule.objects.filter(tenant=world.acme).order_by("pk").first() or AlertRule.objects.create(
        tenant=world.acme, kind="account_failing"
    )


def acme_destination(world: World2) -> Destination:
    return Destination.objects.get_or_create(
        tenant=world.acme, name="Iso mail", defaults={"kind": DestinationKind.EMAIL, "emails": "ops@example.com"}
    )[0]


def kwargs_for(pattern: URLPattern, world: World2, tenant_slug: str) -> dict[str, object]:
    recording, file = acme_recording(world)
    values = {
        "tenant_slug": tenant_slug,
        "account_id": world.acme_account.pk,
        "app_pk": world.acme_manual_app.pk,
        "vendor": "aliyun",
        "channel_pk": Channel.objects.get_or_create(app=world.acme_manual_app, channel_id="iso-room")[0].pk,
        "template_pk": acme_layout(world).pk,
        "task_pk": acme_push(world).pk,
        "number": 1,
        "recording_pk": recording.pk,
        "file_pk": file.pk,
        "rule_id": "1001",
        "storage_pk": acme_storage(world).pk,
        "book_id": acme_price_book(world).pk,
        "rule_pk": acme_alert_rule(world).pk,
        "destination_pk": acme_destination(world).pk,
        "token": "not-a-signed-account",
        "recording_token": "not-a-recording-token",
        "token_pk": acme_api_token(world).pk,
    }
    names = list(pattern.pattern.converters)
    unknown = set(names) - set(values)
    assert not unknown, f"{pattern.name}: teach this test the URL parameters {unknown}"
    return {name: values[name] for name in names}


def tenant_scoped() -> list[str]:
    names = [name for name, pattern in named_patterns() if name not in PERSONAL | STAFF_ONLY | PUBLIC]
    assert len(names) >= 10, names
    return names


def snapshot(world: World2) -> tuple:
    account = VendorAccount.objects.get(pk=world.acme_account.pk)
    return (
        account.label,
        account.credentials_ciphertext,
        account.last_check_at,
        RtcApp.objects.filter(vendor_account__tenant=world.acme).count(),
        AuditEntry.objects.filter(tenant=world.acme).count(),
        list(
            Channel.objects.filter(app__vendor_account__tenant=world.acme).values_list(
                "channel_id", "watched", "last_polled_at"
            )
        ),
        list(Recording.objects.values_list("recording_id", "state", "stop_requested_at", "options")),
        list(StorageTarget.objects.values_list("name", "bucket", "keys_ciphertext")),
        list(PriceBook.objects.values_list("vendor_account", "currency", "valid_from", *TIER_LABELS)),
        list(Markup.objects.values_list("tenant", "percent")),
        list(ApiToken.objects.values_list("name", "revoked_at")),
        list(AlertRule.objects.values_list("pk", "enabled", "threshold", "period", "muted_until")),
        list(Destination.objects.values_list("pk", "name", "emails", "secrets_ciphertext")),
    )


def test_every_url_pattern_is_classified() -> None:
    for name, pattern in named_patterns():
        converters = set(pattern.pattern.converters)
        if name in PERSONAL | STAFF_ONLY | PUBLIC:
            assert "tenant_slug" not in converters, name
        else:
            assert "tenant_slug" in converters, f"{name} shows tenant data but takes no tenant"


@pytest.mark.parametrize("name", tenant_scoped())
def test_member_of_another_tenant_gets_404_and_changes_nothing(two_tenants: World2, name: str) -> None:
    world = two_tenants
    pattern = dict(named_patterns())[name]
    url = reverse(name, kwargs=kwargs_for(pattern, world, world.acme.slug))
    client = logged_in(world.harbor_admin)
    before = snapshot(world)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (404, 405), f"{method.upper()} {url}: {response.status_code}"
        assert b"Acme" not in response.content
    assert snapshot(world) == before


OBJECT_IDS = {"account_id", "app_pk", "channel_pk", "template_pk", "task_pk", "recording_pk", "file_pk", "storage_pk"}
OBJECT_IDS |= {"book_id", "token_pk", "rule_pk", "destination_pk"}


@pytest.mark.parametrize(
    "name",
    [n for n in tenant_scoped() if OBJECT_IDS & set(dict(named_patterns())[n].pattern.converters)],
)
def test_own_tenant_with_other_tenants_ids_gets_404(two_tenants: World2, name: str) -> None:
    """harbor-admin puts Acme's account and app ids under their own tenant's address."""
    world = two_tenants
    pattern = dict(named_patterns())[name]
    url = reverse(name, kwargs=kwargs_for(pattern, world, world.harbor.slug))
    client = logged_in(world.harbor_admin)
    before = snapshot(world)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (404, 405), f"{method.upper()} {url}: {response.status_code}"
    assert snapshot(world) == before


@pytest.mark.parametrize("name", tenant_scoped())
def test_anonymous_is_sent_to_login(two_tenants: World2, name: str, client) -> None:
    pattern = dict(named_patterns())[name]
    url = reverse(name, kwargs=kwargs_for(pattern, two_tenants, two_tenants.acme.slug))
    response = client.get(url)
    assert response.status_code in (302, 405)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("people:login"))


def test_unknown_tenant_and_foreign_tenant_look_the_same(two_tenants: World2) -> None:
    client = logged_in(two_tenants.harbor_admin)
    foreign = client.get(reverse("credentials:account_list", args=["acme"]))
    missing = client.get(reverse("credentials:account_list", args=["no-such-tenant"]))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content


def test_staff_only_pages_refuse_tenant_users(two_tenants: World2) -> None:
    for user in (two_tenants.acme_admin, two_tenants.harbor_admin, two_tenants.acme_viewer):
        client = logged_in(user)
        for name, pattern in named_patterns():
            if name in STAFF_ONLY:
                url = reverse(name, kwargs=kwargs_for(pattern, two_tenants, two_tenants.acme.slug))
                assert client.get(url).status_code == 403, name
        admin = client.get(reverse("admin:index"))
        assert admin.status_code == 302 and "/admin/login/" in admin["Location"]


def test_tenant_list_and_switcher_show_only_own_tenants(two_tenants: World2) -> None:
    page = logged_in(two_tenants.harbor_admin).get(reverse("tenancy:tenant_list")).content.decode()
    assert "Blue Harbor" in page and "Acme" not in page
    page = logged_in(two_tenants.acme_admin).get(reverse("tenancy:tenant_list")).content.decode()
    assert "Blue Harbor" in page and "Acme Rooms" in page


# Tenant-scoped POSTs a viewer may make: reads at the vendor that change nothing there.
VIEWER_MAY_POST = {"live:channel_refresh", "mixing:push_refresh", "recordings:recording_refresh"}


@pytest.mark.parametrize("name", tenant_scoped())
def test_a_viewer_gets_403_on_every_action_and_changes_nothing(two_tenants: World2, name: str) -> None:
    """Every URL that takes POST refuses a viewer of the tenant with 403 (GET too, where the
    GET is the action's form), and nothing changes."""
    world = two_tenants
    pattern = dict(named_patterns())[name]
    url = reverse(name, kwargs=kwargs_for(pattern, world, world.acme.slug))
    client = logged_in(world.acme_viewer)
    before = snapshot(world)
    response = client.post(url)
    if response.status_code == 405 or name in VIEWER_MAY_POST:
        return  # a page that only shows things, or a read a viewer may ask for
    assert response.status_code == 403, f"POST {url}: {response.status_code}"
    assert snapshot(world) == before
