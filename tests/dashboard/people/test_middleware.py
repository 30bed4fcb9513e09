"""dashboard/people/middleware.py: staff can be required to use two-factor login."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.dashboard.conftest import PASSWORD, World2
from tests.dashboard.people.conftest import current_code, log_in


def test_staff_can_be_required_to_use_two_factor(two_tenants: World2, settings) -> None:
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    staff = Client()
    assert log_in(staff, "staffer", PASSWORD).status_code == 302
    sent = staff.get(reverse("staff:usage_overview"))
    assert sent.status_code == 302 and sent["Location"] == reverse("people:two_factor")
    staff.get(reverse("people:two_factor"))
    device = TOTPDevice.objects.get(user=two_tenants.staff)
    assert staff.post(reverse("people:two_factor"), {"token": current_code(device)}).status_code == 302
    assert staff.get(reverse("staff:usage_overview")).status_code == 200  # verified in this session now
    viewer = Client()
    log_in(viewer, "acme-viewer", PASSWORD)
    assert viewer.get(reverse("credentials:account_list", args=["acme"])).status_code == 200  # only staff are held
