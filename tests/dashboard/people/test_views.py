"""dashboard/people/views.py: two-factor login is set up with a code, then asked at every login."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.dashboard.conftest import PASSWORD, World2, logged_in
from tests.dashboard.people.conftest import WRONG, current_code, log_in, unthrottle


def test_two_factor_is_set_up_with_a_code_and_then_asked_at_login(two_tenants: World2) -> None:
    staff = logged_in(two_tenants.staff)
    page = staff.get(reverse("people:two_factor")).content.decode()
    assert 'id="totp-qr"' in page and "<svg" in page and ' style="' not in page
    device = TOTPDevice.objects.get(user=two_tenants.staff, confirmed=False)
    assert (
        b"not right"
        in staff.post(
            reverse("people:two_factor"), {"token": "000000" if current_code(device) != "000000" else "111111"}
        ).content
    )
    unthrottle(device)
    assert staff.post(reverse("people:two_factor"), {"token": current_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    without = log_in(Client(), "staffer", PASSWORD)
    assert without.status_code == 200 and WRONG in without.content
    wrong = log_in(Client(), "staffer", PASSWORD, "123456" if current_code(device) != "123456" else "654321")
    assert wrong.status_code == 200 and WRONG in wrong.content
    unthrottle(device)
    client = Client()
    assert log_in(client, "staffer", PASSWORD, current_code(device)).status_code == 302
    assert client.get(reverse("staff:usage_overview")).status_code == 200
    # someone without two-factor logs in with the password alone
    assert log_in(Client(), "acme-viewer", PASSWORD).status_code == 302
