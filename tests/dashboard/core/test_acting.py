"""dashboard/core/acting.py and the one refusal partial: a call the console's own rules stop is
shown as not sent, with its code, on the confirmation page, and audited as a failure."""

from __future__ import annotations

from django.urls import reverse

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.credentials.endpoints import VendorEndpoint
from dashboard.live.models import Channel
from tests.dashboard.conftest import World2, logged_in


def test_a_call_the_console_does_not_send_says_so_on_the_confirmation(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    channel = Channel.objects.create(app=two_tenants.acme_manual_app, channel_id="room-1")
    VendorEndpoint.objects.filter(base_url=account.endpoint).delete()  # staff withdrew the endpoint
    response = logged_in(two_tenants.acme_admin).post(
        reverse("live:channel_close", args=["acme", channel.pk]), {"confirm_channel_id": "room-1"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "data-confirm" in page
    assert "Not sent to the vendor" in page and "The vendor refused" not in page
    assert "EndpointNotAllowed" in page
    entry = AuditEntry.objects.get(action="live.close_channel")
    assert entry.outcome == Outcome.FAILURE and entry.error_code == "EndpointNotAllowed"


def test_a_refused_button_says_code_and_request_id_in_the_toast(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    account.set_credentials({"access_key_id": "LTAIunknown", "access_key_secret": "wrong-secret-for-this-key"})
    account.save()
    page = (
        logged_in(two_tenants.acme_admin)
        .post(reverse("rtc:apps_refresh", args=["acme", account.pk]), follow=True)
        .content.decode()
    )
    toasts = page[page.index('id="toasts"') :]
    entry = AuditEntry.objects.get(action="apps.refresh")
    assert entry.outcome == Outcome.FAILURE and entry.vendor_request_id
    assert "The vendor refused: " in toasts and f"(code {entry.error_code})" in toasts
    assert f"request id {entry.vendor_request_id}" in toasts
