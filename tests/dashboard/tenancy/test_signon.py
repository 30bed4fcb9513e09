"""dashboard/tenancy/signon.py and dashboard/people/signon.py against a real OpenID provider:
a good sign-on maps the provider's groups to staff and tenant roles; an ID token with a bad
signature, for another audience or expired, and a replayed state, are refused."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from dashboard.people.models import SignOnIdentity
from dashboard.tenancy.models import Membership, Tenant
from tests.dashboard.conftest import World2

from .conftest import Browser, OpenIdProvider

User = get_user_model()


def roles(user) -> dict[str, str]:
    return dict(Membership.objects.filter(user=user).values_list("tenant__slug", "role"))


def signed_in_user(browser: Browser):
    user_id = browser.console.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def refused(response, browser: Browser) -> None:
    assert response.status_code == 302 and response["Location"] == reverse("people:login")
    assert signed_in_user(browser) is None
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("Signing in with Example ID did not succeed" in text for text in texts), texts


def test_the_login_page_offers_the_provider_only_when_configured(two_tenants: World2, settings) -> None:
    assert "Sign in with" not in Browser().console.get(reverse("people:login")).content.decode()
    assert Browser().console.get(reverse("people:sso_start")).status_code == 404
    assert Browser().console.get(reverse("people:sso_callback")).status_code == 404
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_OP_ISSUER = "rtc-console", "https://id.example.com"
    settings.OIDC_PROVIDER_NAME = "Example ID"
    page = Browser().console.get(reverse("people:login")).content.decode()
    assert "Sign in with Example ID" in page and 'id="sso-login"' in page
    assert 'name="password"' in page  # local passwords stay for everyone else


@pytest.mark.parametrize(
    ("account", "staff", "expected"),
    [
        ("sam", True, {}),
        ("ada", False, {"acme": "admin", "harbor": "viewer"}),
        ("vic", False, {"acme": "viewer"}),
    ],
)
def test_a_good_sign_on_maps_groups_to_staff_and_tenant_roles(
    two_tenants: World2, sso: OpenIdProvider, account: str, staff: bool, expected: dict[str, str]
) -> None:
    browser = Browser()
    back = browser.sign_in_at_provider(account, next_url="/t/acme/accounts/")
    response = browser.console.get(back)
    assert response.status_code == 302 and response["Location"] == "/t/acme/accounts/"
    user = signed_in_user(browser)
    assert user is not None and user.username == account and user.email == f"{account}@example.com"
    assert (user.is_staff, user.is_superuser) == (staff, staff)
    assert roles(user) == expected
    assert not user.has_usable_password()
    assert SignOnIdentity.objects.get(user=user).subject == account
    # The pages agree: a viewer may read acme, an admin may manage its accounts, staff see all.
    assert browser.console.get(reverse("credentials:account_list", args=["acme"])).status_code == 200
    assert browser.console.get(reverse("staff:ops_jobs")).status_code == (200 if staff else 403)


def test_the_provider_stays_the_source_of_roles_at_every_sign_on(
    two_tenants: World2, sso: OpenIdProvider, settings
) -> None:
    first = Browser()
    first.console.get(first.sign_in_at_provider("ada"))
    ada = signed_in_user(first)
    Membership.objects.create(user=ada, tenant=Tenant.objects.create(name="Gone", slug="gone"), role="admin")
    settings.OIDC_TENANT_ROLES = {"acme-admins": "acme:viewer"}  # the groups now mean less
    again = Browser()
    again.console.get(again.sign_in_at_provider("ada"))
    assert signed_in_user(again) == ada and User.objects.filter(username__startswith="ada").count() == 1
    assert roles(ada) == {"acme": "viewer"}


def test_a_local_account_of_the_same_name_is_never_taken_over(two_tenants: World2, sso: OpenIdProvider) -> None:
    local = User.objects.create_user("ada", email="ada@example.com", password="a-long-test-password-1")
    browser = Browser()
    browser.console.get(browser.sign_in_at_provider("ada"))
    user = signed_in_user(browser)
    assert user != local and user.username.startswith("ada-") and roles(local) == {}


def test_someone_whose_groups_grant_nothing_is_refused(two_tenants: World2, sso: OpenIdProvider) -> None:
    browser = Browser()
    refused(browser.console.get(browser.sign_in_at_provider("mo")), browser)
    assert not User.objects.filter(username="mo").exists()


@pytest.mark.parametrize("tampered", ["signature", "audience", "expired"])
def test_an_id_token_with_a_bad_signature_another_audience_or_expired_is_refused(
    two_tenants: World2, sso: OpenIdProvider, tampered: str, caplog
) -> None:
    browser = Browser()
    back = browser.sign_in_at_provider("sam")
    sso.tamper(tampered)
    refused(browser.console.get(back), browser)
    assert not User.objects.filter(username="sam").exists()
    reasons = {"signature": "Signature verification failed", "audience": "Audience", "expired": "expired"}
    assert any(reasons[tampered] in record.getMessage() for record in caplog.records if record.name.endswith("signon"))
    sso.tamper("")  # the same person, with an honest token, gets in
    honest = Browser()
    honest.console.get(honest.sign_in_at_provider("sam"))
    assert signed_in_user(honest).username == "sam"


def test_a_replayed_state_is_refused(two_tenants: World2, sso: OpenIdProvider) -> None:
    browser = Browser()
    back = browser.sign_in_at_provider("ada")
    assert browser.console.get(back).status_code == 302 and signed_in_user(browser) is not None
    # The same answer again, in the same browser (its state was used up) ...
    again = browser.console.get(back)
    assert again.status_code == 302 and again["Location"] == reverse("people:login")
    # ... and in another one (an attacker who copied the address): no session of theirs knows it.
    stranger = Browser()
    refused(stranger.console.get(back), stranger)


@pytest.mark.parametrize(
    "query",
    [{"code": "x", "state": "y"}, {"code": "\x00", "state": "9" * 5000}, {"error": "access_denied", "state": "z"}, {}],
)
def test_a_forged_or_broken_answer_is_refused_without_an_error_page(
    two_tenants: World2, sso: OpenIdProvider, query: dict[str, str]
) -> None:
    browser = Browser()
    browser.sign_in_at_provider("ada")  # a state of this browser's own is waiting
    refused(browser.console.get(reverse("people:sso_callback"), query), browser)


def test_a_code_the_provider_did_not_issue_is_refused(two_tenants: World2, sso: OpenIdProvider) -> None:
    browser = Browser()
    back = browser.sign_in_at_provider("ada")
    query = parse_qs(urlsplit(back).query)
    forged = {"state": query["state"][0], "code": query["code"][0][::-1]}  # this browser's state, another code
    refused(browser.console.get(reverse("people:sso_callback"), forged), browser)


def test_logging_out_ends_the_session_at_the_provider_too(two_tenants: World2, sso: OpenIdProvider) -> None:
    browser = Browser()
    browser.console.get(browser.sign_in_at_provider("vic"))
    response = browser.console.post(reverse("people:logout"))
    assert signed_in_user(browser) is None
    at_provider = response["Location"]
    assert at_provider.startswith(sso.discovery["end_session_endpoint"] + "?")
    query = parse_qs(urlsplit(at_provider).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/login/"] and query["id_token_hint"]
    confirm = browser.provider.get(at_provider)
    assert confirm.status_code == 200 and "sign-out" in confirm.text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.text))
    done = browser.provider.post(f"{sso.issuer}/session/end/confirm", data={**form, "logout": "yes"})
    assert done.is_redirect and done.headers["location"].startswith("http://testserver/login/")
    # The provider's session is over: signing in again asks who you are (no silent sign-on).
    start = browser.console.get(reverse("people:sso_start"))
    assert not browser.follow_at_provider(start["Location"]).is_redirect


def test_a_password_form_posted_with_a_code_in_its_address_is_only_a_password_login(
    two_tenants: World2, sso: OpenIdProvider
) -> None:
    browser = Browser()
    back = browser.sign_in_at_provider("sam")  # a genuine code and state of this browser
    login_url = reverse("people:login") + "?" + urlsplit(back).query
    wrong = {"username": two_tenants.acme_admin.username, "password": "not-the-password-1"}
    response = browser.console.post(login_url, wrong)
    assert response.status_code == 200 and signed_in_user(browser) is None  # the form's own error
    assert "Please enter a correct" in response.content.decode()
    right = {**wrong, "password": "a-long-test-password-1"}
    assert browser.console.post(login_url, right).status_code == 302
    assert signed_in_user(browser) == two_tenants.acme_admin


def test_staff_passwords_can_be_turned_off(two_tenants: World2, sso: OpenIdProvider, settings) -> None:
    two_tenants.staff.set_password("a-long-test-password-1")
    two_tenants.staff.save()
    settings.STAFF_PASSWORD_LOGIN = False
    login = {"username": two_tenants.staff.username, "password": "a-long-test-password-1"}
    browser = Browser()
    page = browser.console.post(reverse("people:login"), login)
    assert page.status_code == 200 and signed_in_user(browser) is None
    assert "Support staff sign in this way only." in page.content.decode()
    assert browser.console.post(reverse("admin:login"), login).status_code == 200  # the admin's form too
    assert signed_in_user(browser) is None
    tenant_admin = {"username": two_tenants.acme_admin.username, "password": "a-long-test-password-1"}
    assert browser.console.post(reverse("people:login"), tenant_admin).status_code == 302  # others keep theirs
    settings.STAFF_PASSWORD_LOGIN = True
    assert Browser().console.post(reverse("people:login"), login).status_code == 302


def test_staff_signed_on_are_not_asked_for_the_console_code(two_tenants: World2, sso: OpenIdProvider, settings) -> None:
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    browser = Browser()
    browser.console.get(browser.sign_in_at_provider("sam"))
    assert browser.console.get(reverse("staff:ops_jobs")).status_code == 200
