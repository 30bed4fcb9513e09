"""dashboard/credentials/views.py: vendor accounts, forms from declared fields, encryption at rest, secrets never shown,
roles, and the connection test (the vendor's answer, error code and request id reach the page)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.credentials.models import CheckOutcome, VendorAccount
from tests.dashboard.conftest import CANARY_KEY_ID, CANARY_SECRET, HTMX, World2, allow_endpoint, logged_in
from vendors.aliyun.sim import AliyunSimulator
from vendors.sim import Faults
from vendors.sim.server import SimServer
from vendors.sim.world import World, WorldOptions

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


def check_url(account: VendorAccount) -> str:
    return reverse("credentials:account_test", args=[account.tenant.slug, account.pk])


def test_successful_test_shows_request_id_and_is_kept_and_audited(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    response = logged_in(two_tenants.acme_admin).post(check_url(account), headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "Connected" in page
    account.refresh_from_db()
    assert account.last_check_outcome == CheckOutcome.OK and account.last_check_at is not None
    assert account.last_check_request_id and account.last_check_request_id in page
    entry = AuditEntry.objects.get(action="account.test")
    assert entry.outcome == "success" and entry.vendor_request_id == account.last_check_request_id
    # the row keeps it for the next visit
    listing = (
        logged_in(two_tenants.acme_viewer).get(reverse("credentials:account_list", args=["acme"])).content.decode()
    )
    assert account.last_check_request_id in listing


def test_wrong_secret_shows_vendor_code_and_request_id(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    account.set_credentials({"access_key_id": CANARY_KEY_ID, "access_key_secret": "not-the-right-secret-at-all"})
    account.save()
    page = logged_in(two_tenants.acme_admin).post(check_url(account), headers=HTMX).content.decode()
    account.refresh_from_db()
    assert account.last_check_outcome == CheckOutcome.FAILED
    assert "SignatureDoesNotMatch" in page and account.last_check_request_id in page
    entry = AuditEntry.objects.get(action="account.test")
    assert (entry.outcome, entry.error_code) == ("failure", "SignatureDoesNotMatch")
    assert entry.vendor_request_id == account.last_check_request_id != ""


def test_unknown_key_is_reported(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    account.set_credentials({"access_key_id": "LTAI5tNobodyHasThis", "access_key_secret": CANARY_SECRET})
    account.save()
    page = logged_in(two_tenants.acme_admin).post(check_url(account), headers=HTMX).content.decode()
    assert "InvalidAccessKeyId" in page


@pytest.fixture
def faulty_endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    simulator = AliyunSimulator(World(WorldOptions(seed=3, apps_per_vendor=1)), faults=request.param)
    simulator.add_account(CANARY_KEY_ID, CANARY_SECRET)
    with SimServer(simulator.handle) as server:
        yield server.base_url


@pytest.mark.parametrize(
    "faulty_endpoint,expected",
    [
        (Faults(error_rate=1.0), "ServiceUnavailable"),
        (Faults(throttle_rate=1.0), "Throttling"),
        (Faults(malformed_rate=1.0), "MalformedResponse"),
        (Faults(drop_rate=1.0), "Unreachable"),
        (Faults(latency=1.5), "Unreachable"),
    ],
    indirect=["faulty_endpoint"],
    ids=["5xx", "throttled", "malformed", "dropped", "slow"],
)
def test_vendor_faults_become_a_clear_message_not_a_500(
    two_tenants: World2, faulty_endpoint: str, expected: str, settings
) -> None:
    settings.VENDOR_INTERACTIVE_TIMEOUT = 0.5
    account = two_tenants.acme_account
    account.endpoint = allow_endpoint("aliyun", faulty_endpoint)
    account.set_credentials(account.credentials())
    account.save()
    client = logged_in(two_tenants.acme_admin)
    response = client.post(check_url(account), headers=HTMX)
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.last_check_outcome == CheckOutcome.FAILED
    assert expected in account.last_check_error, account.last_check_error
    assert expected in response.content.decode()
    # without htmx: a redirect and a toast that says the same
    page = client.post(check_url(account), follow=True).content.decode()
    assert "Connection test failed" in page and expected in page
