"""dashboard/rtc/views.py and listing.py: an account's app list (refresh from the vendor, by hand), search, rename."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import AppSource, RtcApp
from tests.dashboard.conftest import CANARY_KEY_ID, HTMX, World2, logged_in
from vendors import registry
from vendors.base.provider import Capability, VendorInfo


def test_refresh_lists_this_accounts_apps_only(two_tenants: World2, aliyun_sim) -> None:
    account = two_tenants.acme_account
    client = logged_in(two_tenants.acme_admin)
    response = client.post(reverse("rtc:apps_refresh", args=["acme", account.pk]), headers=HTMX)
    assert response.status_code == 200
    listed = RtcApp.objects.filter(vendor_account=account, source=AppSource.LISTED)
    visible = {app.app_id for app in aliyun_sim.simulator.world.apps("aliyun")[:2]}
    assert {app.app_id for app in listed} == visible
    page = response.content.decode()
    for app_id in visible:
        assert app_id in page
    assert "App list refreshed: 2 new, 0 updated, 0 no longer listed." in page  # toast, out of band
    assert 'hx-swap-oob="beforeend"' in page
    entry = AuditEntry.objects.get(action="apps.refresh")
    assert entry.detail == {"added": 2, "updated": 0, "missing": 0} and entry.vendor_request_id == ""
    # again: nothing duplicated
    client.post(reverse("rtc:apps_refresh", args=["acme", account.pk]), headers=HTMX)
    assert RtcApp.objects.filter(vendor_account=account, source=AppSource.LISTED).count() == 2


def test_refresh_failure_shows_the_vendor_error_in_place(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    account.set_credentials({"access_key_id": CANARY_KEY_ID, "access_key_secret": "wrong-secret-for-this-key"})
    account.save()
    response = logged_in(two_tenants.acme_admin).post(
        reverse("rtc:apps_refresh", args=["acme", account.pk]), headers=HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The vendor refused" in page and "SignatureDoesNotMatch" in page and "Request id" in page


def test_app_list_search_and_pagination(two_tenants: World2, settings) -> None:
    settings.PAGE_SIZE = 5
    account = two_tenants.acme_account
    for number in range(12):
        RtcApp.objects.create(vendor_account=account, app_id=f"app-{number:02d}", name=f"Room {number}")
    client = logged_in(two_tenants.acme_viewer)
    url = reverse("rtc:account_detail", args=["acme", account.pk])
    first = client.get(url).content.decode()
    assert "Page 1 of 3" in first and "1\N{EN DASH}5 of 13" in first
    last = client.get(url, {"page": 99}).content.decode()
    assert "Page 3 of 3" in last
    found = client.get(url, {"q": "room 1"}, headers=HTMX).content.decode()
    assert "app-10" in found and "app-11" in found and "app-02" not in found
    assert "<html" not in found  # only the table part
    none = client.get(url, {"q": "zzz"}).content.decode()
    assert "No app matches “zzz”" in none


@pytest.fixture
def manual_vendor(monkeypatch: pytest.MonkeyPatch) -> VendorInfo:
    """The Aliyun provider declared without LIST_APPS: the console must offer registration by hand."""
    aliyun = registry.get("aliyun")
    info = VendorInfo(
        name="nolist",
        label="No-listing vendor",
        capabilities=aliyun.capabilities - {Capability.LIST_APPS},
        credential_fields=aliyun.credential_fields,
        default_base_url=aliyun.default_base_url,
        limits=aliyun.limits,
        connect=aliyun.connect,
    )
    monkeypatch.setitem(registry._vendors, "nolist", info)
    return info


def test_vendors_that_cannot_list_apps_get_registration_by_hand(two_tenants: World2, manual_vendor) -> None:
    account = two_tenants.acme_account
    VendorAccount.objects.filter(pk=account.pk).update(vendor="nolist")
    client = logged_in(two_tenants.acme_admin)
    url = reverse("rtc:account_detail", args=["acme", account.pk])
    page = client.get(url).content.decode()
    assert "Refresh from vendor" not in page and "Register an app by hand" in page
    register = reverse("rtc:app_register", args=["acme", account.pk])
    bad = client.post(register, {"app_id": "has spaces"})
    assert bad.status_code == 400 and "Letters, digits" in bad.content.decode()
    client.post(register, {"app_id": "abc-123", "name": "Support room"})
    dup = client.post(register, {"app_id": "abc-123"})
    assert "already registered" in dup.content.decode()
    app = RtcApp.objects.get(vendor_account=account, app_id="abc-123")
    assert app.source == AppSource.MANUAL and app.name == "Support room"
    remove = reverse("rtc:app_unregister", args=["acme", account.pk, app.pk])
    assert "Remove app abc-123 from the console?" in client.get(remove).content.decode()
    client.post(remove)
    assert not RtcApp.objects.filter(pk=app.pk).exists()
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "target"))
    assert actions == [("app.register", "abc-123"), ("app.unregister", "abc-123")]


def test_listed_apps_cannot_be_removed_by_hand(two_tenants: World2) -> None:
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="listed-1", source=AppSource.LISTED)
    response = logged_in(two_tenants.acme_admin).post(
        reverse("rtc:app_unregister", args=["acme", two_tenants.acme_account.pk, app.pk])
    )
    assert response.status_code == 404 and RtcApp.objects.filter(pk=app.pk).exists()


def test_rename_app_at_the_vendor_in_place(two_tenants: World2, aliyun_sim) -> None:
    account = two_tenants.acme_account
    client = logged_in(two_tenants.acme_admin)
    client.post(reverse("rtc:apps_refresh", args=["acme", account.pk]))
    app = RtcApp.objects.filter(vendor_account=account, source=AppSource.LISTED).first()
    url = reverse("rtc:app_rename", args=["acme", account.pk, app.pk])
    form = client.get(url, headers=HTMX).content.decode()
    assert form.lstrip().startswith(f'<tr id="app-row-{app.pk}"') and 'name="name"' in form
    row = client.post(url, {"name": "Support line"}, headers=HTMX).content.decode()
    assert "Support line" in row and 'name="name"' not in row
    app.refresh_from_db()
    assert app.name == "Support line" and aliyun_sim.simulator.app_names[app.app_id] == "Support line"
    entry = AuditEntry.objects.get(action="app.rename")
    assert entry.vendor_request_id and entry.detail["to"] == "Support line" and entry.target == app.app_id
    too_long = client.post(url, {"name": "x" * 65}, headers=HTMX).content.decode()
    assert "1 to 64 characters" in too_long
    assert logged_in(two_tenants.acme_viewer).post(url, {"name": "Nope"}).status_code == 403


def test_rename_failure_is_shown_in_the_row(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    app = RtcApp.objects.create(vendor_account=account, app_id="no-such-app", name="Ghost")
    response = logged_in(two_tenants.acme_admin).post(
        reverse("rtc:app_rename", args=["acme", account.pk, app.pk]), {"name": "Renamed"}, headers=HTMX
    )
    page = response.content.decode()
    assert "The vendor refused" in page and 'name="name"' in page
    app.refresh_from_db()
    assert app.name == "Ghost"
    assert AuditEntry.objects.get(action="app.rename").outcome == "failure"


def test_only_admins_are_offered_the_price_books_they_may_open(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    url = reverse("rtc:account_detail", args=["acme", account.pk])
    prices = reverse("billing:price_book_list", args=["acme"])
    assert prices in logged_in(two_tenants.acme_admin).get(url).content.decode()
    viewer = logged_in(two_tenants.acme_viewer)
    assert prices not in viewer.get(url).content.decode()
    assert viewer.get(prices).status_code == 403  # the link would have led there
