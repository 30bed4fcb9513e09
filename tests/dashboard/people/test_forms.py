"""Login throttling (django-axes) and optional two-factor login (TOTP, django-otp)."""

from __future__ import annotations

import re

from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import PASSWORD, World2, logged_in

WRONG = b"Please enter a correct username, password and, if you turned on two-factor login"


def log_in(client: Client, username: str, password: str, code: str = "") -> object:
    return client.post(reverse("people:login"), {"username": username, "password": password, "otp_token": code})


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
        assert wrong.status_code == 200 and WRONG in wrong.content
    locked = log_in(client, "acme-admin", "still-wrong")
    assert locked.status_code == 429 and b"Too many failed log-ins" in locked.content
    assert log_in(client, "acme-admin", PASSWORD).status_code == 429  # the right password waits too
    assert Client().get(reverse("credentials:account_list", args=["acme"])).status_code == 302  # nobody got in
    assert log_in(Client(), "acme-viewer", PASSWORD).status_code == 302  # another user is not affected


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


# --- one answer for every wrong factor (issue 20, item 5) -----------------------------------

CSRF_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"')
TYPED_VALUE = re.compile(rb'(name="(?:username|otp_token)"[^>]*?) value="[^"]*"')


def answer(response: object) -> tuple[int, bytes]:
    """Status and page, without what differs between any two requests (the CSRF token) and the
    values the visitor typed in themselves (echoed back into the form)."""
    body = CSRF_TOKEN.sub(rb'\1""', response.content)
    return response.status_code, TYPED_VALUE.sub(rb"\1", body)


def with_two_factor(user: object) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def wrong_code(device: TOTPDevice) -> str:
    return "123456" if current_code(device) != "123456" else "654321"


def failures(username: str) -> int:
    return sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True))


def test_every_wrong_factor_gets_the_same_answer_and_counts_as_a_failure(two_tenants: World2) -> None:
    device = with_two_factor(two_tenants.staff)
    answers = {}
    tries = {
        "unknown user": ("nobody-here", PASSWORD, ""),
        "wrong password, no two-factor": ("acme-viewer", "not-the-password", ""),
        "wrong password": ("staffer", "not-the-password", ""),
        "wrong password with the right code": ("staffer", "not-the-password", current_code(device)),
        "right password, no code": ("staffer", PASSWORD, ""),
        "right password, wrong code": ("staffer", PASSWORD, wrong_code(device)),
    }
    for what, (username, password, code) in tries.items():
        before = failures(username)
        answers[what] = answer(log_in(Client(), username, password, code))
        assert failures(username) == before + 1, f"{what} was not counted by the login throttle"
        unthrottle(device)
    first = answers["unknown user"]
    assert first[0] == 200 and WRONG in first[1]
    for what, seen in answers.items():
        assert seen == first, f"{what} answers differently from an unknown user"
    # every form has the code field: the page does not tell who turned two-factor on
    assert b'name="otp_token"' in first[1]


def test_every_wrong_factor_runs_the_password_hasher_once(two_tenants: World2, monkeypatch) -> None:
    """Timing: the unknown user, the wrong password and the right password with a wrong code
    all cost one password hash (Django's dummy hash for an unknown user); the hash is what
    takes time, so no answer comes back noticeably sooner than another."""
    device = with_two_factor(two_tenants.staff)
    hashed = []
    encode = MD5PasswordHasher.encode
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *a, **k: hashed.append(1) or encode(self, *a, **k))
    for username, password, code in [
        ("nobody-here", PASSWORD, ""),
        ("staffer", "not-the-password", ""),
        ("staffer", PASSWORD, ""),
        ("staffer", PASSWORD, wrong_code(device)),
    ]:
        hashed.clear()
        assert log_in(Client(), username, password, code).status_code == 200
        assert len(hashed) == 1, (username, password, code, len(hashed))
        unthrottle(device)


def test_five_wrong_codes_with_the_right_password_lock_out(two_tenants: World2, settings) -> None:
    device = with_two_factor(two_tenants.staff)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "staffer", PASSWORD, wrong_code(device)).status_code == 200
        unthrottle(device)
    locked = log_in(client, "staffer", PASSWORD, wrong_code(device))
    assert locked.status_code == 429 and b"Too many failed log-ins" in locked.content
    unthrottle(device)
    assert log_in(client, "staffer", PASSWORD, current_code(device)).status_code == 429  # the right code waits too
    assert client.get(reverse("staff:usage_overview")).status_code == 302  # not signed in


def test_the_right_password_and_code_still_log_in_before_the_lockout(two_tenants: World2, settings) -> None:
    device = with_two_factor(two_tenants.staff)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "staffer", PASSWORD, wrong_code(device)).status_code == 200
        unthrottle(device)
    assert log_in(client, "staffer", PASSWORD, current_code(device)).status_code == 302
    assert client.get(reverse("staff:usage_overview")).status_code == 200
    assert failures("staffer") == 0  # a success starts the count again (AXES_RESET_ON_SUCCESS)
