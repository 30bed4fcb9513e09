"""dashboard/people/forms.py (LoginForm): login throttling (django-axes) and the same answer for every wrong factor."""

from __future__ import annotations

import re

from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.dashboard.conftest import PASSWORD, World2
from tests.dashboard.people.conftest import WRONG, current_code, log_in, unthrottle


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
