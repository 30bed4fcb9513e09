"""Login throttling (django-axes) and optional two-factor login (TOTP, django-otp)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import PASSWORD, World2, logged_in


def log_in(client: Client, username: str, password: str, code: str = "") -> object:
    return client.post(reverse("login"), {"username": username, "password": password, "otp_token": code})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def unthrottle(device: TOTPDevice) -> None:
    """django-otp makes a device wait after a wrong code and refuses a code used already; the
    test's next try stands for one made a little later, in the next 30-second step."""
    device.refresh_from_db()
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def test_five_wrong_passwords_lock_that_user_out_even_with_the_right_one(two_tenants: World2, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = log_in(client, "acme-admin", "not-the-password")
        assert wrong.status_code == 200 and b"Please enter a correct username and password" in wrong.content
    locked = log_in(client, "acme-admin", "still-wrong")
    assert locked.status_code == 429 and b"Too many failed log-ins" in locked.content
    assert log_in(client, "acme-admin", PASSWORD).status_code == 429  # the right password waits too
    assert Client().get(reverse("account_list", args=["acme"])).status_code == 302  # nobody got in
    assert log_in(Client(), "acme-viewer", PASSWORD).status_code == 302  # another user is not affected


def test_two_factor_is_set_up_with_a_code_and_then_asked_at_login(two_tenants: World2) -> None:
    staff = logged_in(two_tenants.staff)
    page = staff.get(reverse("two_factor")).content.decode()
    assert 'id="totp-qr"' in page and "<svg" in page and ' style="' not in page
    device = TOTPDevice.objects.get(user=two_tenants.staff, confirmed=False)
    assert (
        b"not right"
        in staff.post(
            reverse("two_factor"), {"token": "000000" if current_code(device) != "000000" else "111111"}
        ).content
    )
    unthrottle(device)
    assert staff.post(reverse("two_factor"), {"token": current_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    without = log_in(Client(), "staffer", PASSWORD)
    assert without.status_code == 200 and b"Enter the code from your authenticator app" in without.content
    wrong = log_in(Client(), "staffer", PASSWORD, "123456" if current_code(device) != "123456" else "654321")
    assert wrong.status_code == 200 and b"not right" in wrong.content
    unthrottle(device)
    client = Client()
    assert log_in(client, "staffer", PASSWORD, current_code(device)).status_code == 302
    assert client.get(reverse("usage_overview")).status_code == 200
    # someone without two-factor logs in with the password alone
    assert log_in(Client(), "acme-viewer", PASSWORD).status_code == 302


def test_staff_can_be_required_to_use_two_factor(two_tenants: World2, settings) -> None:
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    staff = Client()
    assert log_in(staff, "staffer", PASSWORD).status_code == 302
    sent = staff.get(reverse("usage_overview"))
    assert sent.status_code == 302 and sent["Location"] == reverse("two_factor")
    staff.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=two_tenants.staff)
    assert staff.post(reverse("two_factor"), {"token": current_code(device)}).status_code == 302
    assert staff.get(reverse("usage_overview")).status_code == 200  # verified in this session now
    viewer = Client()
    log_in(viewer, "acme-viewer", PASSWORD)
    assert viewer.get(reverse("account_list", args=["acme"])).status_code == 200  # only staff are held
