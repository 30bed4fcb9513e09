"""Signing in through the login form, with a TOTP code when the user has two-factor login."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

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
