"""Vendor endpoints are configuration: a tenant admin picks one, secrets stay bound to the
endpoint they were entered for, and nothing a tenant controls dials the server's own network."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from django.urls import reverse

from dashboard.credentials.endpoints import allowed_endpoints
from dashboard.credentials.models import CheckOutcome, VendorAccount, VendorEndpoint
from tests.dashboard.conftest import CANARY_KEY_ID, CANARY_SECRET, HTMX, World2, allow_endpoint, logged_in
from vendors import registry
from vendors.sim.server import SimServer


class Recorder:
    """A host someone would like the secrets sent to: keeps every request, answers 500."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(str(request.url).encode() + str(request.headers).encode() + request.read())
        return httpx.Response(500, text="recorded")


@pytest.fixture
def elsewhere() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    with SimServer(recorder.handle) as server:
        yield recorder, server.base_url


def edit_url(account: VendorAccount) -> str:
    return reverse("credentials:account_edit", args=[account.tenant.slug, account.pk])


def check_url(account: VendorAccount) -> str:
    return reverse("credentials:account_test", args=[account.tenant.slug, account.pk])


def edit_form(account: VendorAccount, **changes: str) -> dict[str, str]:
    return {"label": account.label, "cred_access_key_id": CANARY_KEY_ID, "endpoint": account.endpoint} | changes


def test_the_form_offers_only_allowed_endpoints_and_refuses_others(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    admin = logged_in(two_tenants.acme_admin)
    page = admin.get(edit_url(account)).content.decode()
    assert "<select" in page and "https://rtc.aliyuncs.com (the vendor&#x27;s public endpoint)" in page
    for target in ("http://127.0.0.1:6379", "http://127.0.0.1:5432", "http://169.254.169.254", "https://evil.example"):
        response = admin.post(edit_url(account), edit_form(account, endpoint=target, cred_access_key_secret="x" * 20))
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode() or "not allowed" in response.content.decode()
    account.refresh_from_db()
    assert account.endpoint == allow_endpoint("aliyun", account.endpoint)


def test_changing_the_endpoint_asks_for_the_secrets_again(two_tenants: World2, elsewhere) -> None:
    recorder, url = elsewhere
    other = allow_endpoint("aliyun", url)  # staff allowed a second endpoint
    account = two_tenants.acme_account
    admin = logged_in(two_tenants.acme_admin)
    response = admin.post(edit_url(account), edit_form(account, endpoint=other))
    assert response.status_code == 200
    assert "Enter it again: the endpoint changed" in response.content.decode()
    assert "Leave blank to keep it" not in response.content.decode()  # the help no longer says the opposite
    account.refresh_from_db()
    assert account.endpoint != other and account.credentials()["access_key_secret"] == CANARY_SECRET
    # Re-entered, the new secret goes to the new endpoint, and only it.
    response = admin.post(
        edit_url(account), edit_form(account, endpoint=other, cred_access_key_secret="typed-again-1234")
    )
    assert response.status_code == 302
    admin.post(check_url(account), headers=HTMX)
    assert recorder.seen and not any(CANARY_SECRET.encode() in seen for seen in recorder.seen)


@pytest.mark.parametrize("vendor", registry.names())
def test_a_stored_secret_never_travels_to_another_host(two_tenants: World2, elsewhere, vendor: str) -> None:
    """However the endpoint column changes (a form bug, the admin site, a script), the secrets
    were bound to the old one inside their ciphertext: nothing is sent, the admin is told why."""
    recorder, url = elsewhere
    info = registry.get(vendor)
    secrets = {field.name: f"canary-{vendor}-{field.name}-0123456789" for field in info.credential_fields}
    first = allow_endpoint(vendor, f"http://{vendor}.first.example")
    account = VendorAccount(tenant=two_tenants.acme, vendor=vendor, label=f"{vendor} bound", endpoint=first)
    account.set_credentials(secrets)
    account.save()
    VendorAccount.objects.filter(pk=account.pk).update(endpoint=allow_endpoint(vendor, url))
    page = logged_in(two_tenants.acme_admin).post(check_url(account), headers=HTMX).content.decode()
    assert recorder.seen == []
    assert "EndpointChanged" in page and "enter them again" in page
    account.refresh_from_db()
    assert account.last_check_outcome == CheckOutcome.FAILED


@pytest.mark.parametrize("port", [6379, 5432])
def test_no_tenant_field_reaches_the_servers_own_services(
    two_tenants: World2, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialled: list[object] = []
    real = socket.create_connection
    monkeypatch.setattr(
        socket, "create_connection", lambda address, *a, **k: dialled.append(address) or real(address, *a, **k)
    )
    account = two_tenants.acme_account
    admin = logged_in(two_tenants.acme_admin)
    # Through the form: refused as a choice.
    admin.post(
        edit_url(account), edit_form(account, endpoint=f"http://127.0.0.1:{port}", cred_access_key_secret=CANARY_SECRET)
    )
    # Written past the form, with secrets bound to it: the endpoint is not allowed, nothing is dialled.
    account.endpoint = f"http://127.0.0.1:{port}"
    account.set_credentials(account.credentials())
    account.save()
    page = admin.post(check_url(account), headers=HTMX).content.decode()
    assert "EndpointNotAllowed" in page
    # The vendor's public endpoint, pointed inside by DNS: checked by the address it resolves to.
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
    )
    account.endpoint = ""
    account.set_credentials(account.credentials())
    account.save()
    page = admin.post(check_url(account), headers=HTMX).content.decode()
    assert "Unreachable" in page
    assert all(address[1] != port for address in dialled), dialled


def test_staff_allowed_endpoints_join_the_list(two_tenants: World2, settings) -> None:
    info = registry.get("uprtc")
    settings.VENDOR_ENDPOINTS = {"uprtc": ["https://rtc.example.internal/"]}
    VendorEndpoint.objects.create(vendor="uprtc", base_url="https://rtc2.example.internal")
    urls = [endpoint.base_url for endpoint in allowed_endpoints(info)]
    assert urls == ["", "https://rtc.example.internal", "https://rtc2.example.internal"]
    assert all(endpoint.configured for endpoint in allowed_endpoints(info)[1:])
