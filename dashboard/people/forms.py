from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from .models import Preferences
from .twofactor import confirmed_device

if TYPE_CHECKING:
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_stubs_ext import StrOrPromise


def zone_choices() -> list[tuple[str, StrOrPromise]]:
    return [("", _("UTC (the default)"))] + [(zone, zone) for zone in sorted(available_timezones())]


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=zone_choices,
        required=False,
        help_text=_("Times on pages and in reports are shown in it."),
    )

    class Meta:
        model = Preferences
        fields = ["language", "time_zone"]


class LoginForm(AuthenticationForm):
    """Password, and the six-digit code for people who turned two-factor login on.

    Every wrong factor gets one answer: an unknown user, a wrong password, the right password
    without a code or with a wrong one all read "Please enter a correct username, password ...",
    and each counts as a failed login for the throttle (django-axes), so the code field cannot
    be used to find out which passwords are right. The code field is always shown, to everyone:
    a form that asked for a code only after the right password would say whose password it was,
    and one that asked only some users would say who turned two-factor on.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter a correct %(username)s, password and, if you turned on two-factor login, "
            "the code from your authenticator app. Note that the username and password are case-sensitive."
        ),
    }

    otp_token = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Only if you turned on two-factor login: the code your authenticator app shows."),
    )

    def clean(self) -> dict:
        self.otp_device = None
        cleaned = super().clean()  # a wrong password or unknown user stops here (and is counted)
        device = confirmed_device(self.user_cache) if self.user_cache is not None else None
        if device is None:
            return cleaned
        token = (cleaned.get("otp_token") or "").strip()
        allowed, _extra = device.verify_is_allowed()
        if not (token and allowed and device.verify_token(token)):
            self.user_cache = None
            # The password was right, so Django sent no failure signal: send it, so the
            # throttle counts (and locks out) a wrong code like a wrong password.
            user_login_failed.send(
                sender=__name__, credentials={"username": cleaned.get("username")}, request=self.request
            )
            raise self.get_invalid_login_error()
        self.otp_device = device
        return cleaned


class TotpConfirmForm(forms.Form):
    token = forms.CharField(
        label=_("Code from the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, device: TOTPDevice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not self.device.verify_token(token):
            raise forms.ValidationError(_("That code is not right, or it has expired."))
        return token
