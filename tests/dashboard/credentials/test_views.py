"""Vendor accounts: forms from declared fields, encryption at rest, secrets never shown, roles."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.credentials import crypto
from dashboard.credentials.models import VendorAccount
from dashboard.recordings.models import StorageTarget

from .conftest import CANARY_KEY_ID, CANARY_SECRET, World2, logged_in

NEW_SECRET = "canary-SECRET-7f3a9c1e5b2d4"  # the simulator accepts it for CANARY_KEY_ID


def create_url(world: World2) -> str:
    return reverse("credentials:account_create", args=[world.acme.slug, "aliyun"])


def test_create_form_is_built_from_declared_credential_fields(two_tenants: World2) -> None:
    page = logged_in(two_tenants.acme_admin).get(create_url(two_tenants)).content.decode()
    for label in ("AccessKey ID", "AccessKey secret", "STS security token"):
        assert label in page
    assert 'type="password"' in page and 'name="cred_access_key_secret"' in page


def test_admin_adds_an_account_and_the_secret_is_encrypted(two_tenants: World2, aliyun_sim) -> None:
    client = logged_in(two_tenants.acme_admin)
    response = client.post(
        create_url(two_tenants),
        {
            "label": "Production",
            "cred_access_key_id": CANARY_KEY_ID,
            "cred_access_key_secret": NEW_SECRET,
            "endpoint": aliyun_sim.base_url,
            "enabled": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Vendor account “Production” added" in response.content.decode()
    account = VendorAccount.objects.get(tenant=two_tenants.acme, label="Production")
    assert NEW_SECRET not in account.credentials_ciphertext
    assert CANARY_KEY_ID not in account.credentials_ciphertext
    assert account.credentials() == {"access_key_id": CANARY_KEY_ID, "access_key_secret": NEW_SECRET}
    assert account.secret_hints == {"access_key_secret": NEW_SECRET[-4:]}
    entry = AuditEntry.objects.get(action="account.create")
    assert (entry.actor, entry.tenant, entry.vendor_account, entry.outcome) == (
        two_tenants.acme_admin,
        two_tenants.acme,
        account,
        "success",
    )


def test_missing_fields_and_duplicate_labels_are_explained(two_tenants: World2) -> None:
    client = logged_in(two_tenants.acme_admin)
    response = client.post(create_url(two_tenants), {"label": "Acme Aliyun", "cred_access_key_id": "x"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "already has a vendor account with this label" in page
    assert "This field is required" in page  # the secret
    assert VendorAccount.objects.filter(tenant=two_tenants.acme).count() == 1


def test_edit_shows_only_that_a_secret_is_set_and_keeps_it_when_blank(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    client = logged_in(two_tenants.acme_admin)
    url = reverse("credentials:account_edit", args=[two_tenants.acme.slug, account.pk])
    page = client.get(url).content.decode()
    assert f"Set, ending in …{CANARY_SECRET[-4:]}" in page
    assert CANARY_KEY_ID in page  # not a secret: shown for editing
    form = {"label": "Renamed", "cred_access_key_id": CANARY_KEY_ID, "cred_access_key_secret": ""}
    response = client.post(url, form | {"endpoint": account.endpoint, "enabled": "on"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.label == "Renamed"
    assert account.credentials()["access_key_secret"] == CANARY_SECRET
    entry = AuditEntry.objects.get(action="account.update")
    assert entry.detail == {"changed": ["label"]}


def test_edit_replaces_a_secret_when_given(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    url = reverse("credentials:account_edit", args=[two_tenants.acme.slug, account.pk])
    logged_in(two_tenants.acme_admin).post(
        url,
        {
            "label": account.label,
            "cred_access_key_id": CANARY_KEY_ID,
            "cred_access_key_secret": "a-new-long-secret-9876",
            "endpoint": account.endpoint,
            "enabled": "on",
        },
    )
    account.refresh_from_db()
    assert account.credentials()["access_key_secret"] == "a-new-long-secret-9876"
    assert account.secret_hints["access_key_secret"] == "9876"
    assert AuditEntry.objects.get(action="account.update").detail == {"changed": ["access_key_secret"]}


def test_short_secrets_show_no_characters(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    account.set_credentials({"access_key_id": "k", "access_key_secret": "short-qz9w"})
    account.save()
    page = (
        logged_in(two_tenants.acme_admin)
        .get(reverse("credentials:account_edit", args=["acme", account.pk]))
        .content.decode()
    )
    assert "Set. Leave blank to keep it." in page and "qz9w" not in page


def test_delete_asks_first_then_removes_and_audits(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    client = logged_in(two_tenants.acme_admin)
    url = reverse("credentials:account_delete", args=["acme", account.pk])
    confirm = client.get(url).content.decode()
    assert "Delete “Acme Aliyun”?" in confirm and "Nothing changes at the vendor" in confirm
    assert VendorAccount.objects.filter(pk=account.pk).exists()
    client.post(url)
    assert not VendorAccount.objects.filter(pk=account.pk).exists()
    entry = AuditEntry.objects.get(action="account.delete")
    assert entry.vendor_account is None and entry.vendor_account_label == "Acme Aliyun"


@pytest.mark.parametrize(
    "name,method",
    [
        ("credentials:account_choose_vendor", "get"),
        ("credentials:account_create", "post"),
        ("credentials:account_edit", "post"),
        ("credentials:account_delete", "post"),
        ("credentials:account_test", "post"),
        ("rtc:apps_refresh", "post"),
        ("rtc:app_register", "post"),
    ],
)
def test_viewers_cannot_change_anything(two_tenants: World2, name: str, method: str) -> None:
    kwargs = {"tenant_slug": "acme"}
    if name == "credentials:account_create":
        kwargs["vendor"] = "aliyun"
    elif name != "credentials:account_choose_vendor":
        kwargs["account_id"] = two_tenants.acme_account.pk
    before = AuditEntry.objects.count()
    response = getattr(logged_in(two_tenants.acme_viewer), method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 403
    assert "Your role does not allow this" in response.content.decode()
    assert AuditEntry.objects.count() == before


def test_viewer_sees_accounts_without_buttons(two_tenants: World2) -> None:
    page = logged_in(two_tenants.acme_viewer).get(reverse("credentials:account_list", args=["acme"])).content.decode()
    assert "Acme Aliyun" in page
    assert "Test connection" not in page and "Add vendor account" not in page


def test_same_user_is_admin_in_one_tenant_and_viewer_in_another(two_tenants: World2) -> None:
    client = logged_in(two_tenants.acme_admin)
    assert "Test connection" in client.get(reverse("credentials:account_list", args=["acme"])).content.decode()
    assert "Test connection" not in client.get(reverse("credentials:account_list", args=["harbor"])).content.decode()
    harbor = two_tenants.harbor_account
    assert client.post(reverse("credentials:account_test", args=["harbor", harbor.pk])).status_code == 403


def test_rotate_keys_reencrypts_everything_with_the_newest_key(two_tenants: World2, settings) -> None:
    old_key = settings.CREDENTIAL_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.CREDENTIAL_KEYS = [new_key, old_key]
    assert not crypto.uses_newest_key(two_tenants.acme_account.credentials_ciphertext)
    bucket = StorageTarget(tenant=two_tenants.acme, name="Archive", provider=1, region=0, bucket="b")
    bucket.set_keys("AKIAROTATE", "bucket-secret")
    bucket.save()
    call_command("rotate_credential_keys")
    settings.CREDENTIAL_KEYS = [new_key]  # the old key can now be dropped
    for account in VendorAccount.objects.all():
        assert crypto.uses_newest_key(account.credentials_ciphertext)
    assert VendorAccount.objects.get(pk=two_tenants.acme_account.pk).credentials()["access_key_secret"] == CANARY_SECRET
    entry = AuditEntry.objects.get(action="credentials.rotate_keys")
    bucket.refresh_from_db()
    assert crypto.uses_newest_key(bucket.keys_ciphertext) and bucket.keys()["secret_key"] == "bucket-secret"
    assert entry.detail == {"rotated": 2, "storage_buckets": 1, "failed": 0} and entry.actor_name == "system"


def test_account_that_no_key_opens_is_reported_not_crashed(two_tenants: World2, settings) -> None:
    settings.CREDENTIAL_KEYS = [Fernet.generate_key().decode()]
    client = logged_in(two_tenants.acme_admin)
    response = client.post(reverse("credentials:account_test", args=["acme", two_tenants.acme_account.pk]), follow=True)
    assert response.status_code == 200
    assert "cannot be decrypted with the configured keys" in response.content.decode()
    edit = client.get(reverse("credentials:account_edit", args=["acme", two_tenants.acme_account.pk]), follow=True)
    assert "cannot be decrypted" in edit.content.decode()


def test_an_optional_secret_can_be_removed(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    account.set_credentials(
        {
            "access_key_id": CANARY_KEY_ID,
            "access_key_secret": CANARY_SECRET,
            "security_token": "sts-token-long-enough-1",
        }
    )
    account.save()
    client = logged_in(two_tenants.acme_admin)
    url = reverse("credentials:account_edit", args=["acme", account.pk])
    assert "Remove the stored STS security token" in client.get(url).content.decode()
    form = {"label": account.label, "cred_access_key_id": CANARY_KEY_ID, "endpoint": account.endpoint, "enabled": "on"}
    client.post(url, form | {"clear_security_token": "on"})
    account.refresh_from_db()
    assert "security_token" not in account.credentials() and "security_token" not in account.secret_hints
    assert account.credentials()["access_key_secret"] == CANARY_SECRET
    assert AuditEntry.objects.get(action="account.update").detail == {"changed": ["security_token"]}


def test_header_menu_lists_the_current_tenants_accounts_only(two_tenants: World2) -> None:
    page = logged_in(two_tenants.acme_admin).get(reverse("credentials:account_list", args=["harbor"])).content.decode()
    menu = page[page.index('id="accounts-menu"') : page.index("</nav>")]
    assert "Harbor Aliyun" in menu and "Acme Aliyun" not in menu
