from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Preferences
from .twofactor import confirmed_device


def zone_choices() -> list[tuple[str, str]]:
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
    """Password, and the six-digit code for people who turned two-factor login on."""

    otp_token = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Only if you turned on two-factor login: the code your authenticator app shows."),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        user = self.get_user()
        self.otp_device = None
        device = confirmed_device(user) if user else None
        if device is None:
            return cleaned
        token = (cleaned.get("otp_token") or "").strip()
        if not token:
            raise forms.ValidationError(_("Enter the code from your authenticator app."), code="token_required")
        allowed, _extra = device.verify_is_allowed()
        if not allowed or not device.verify_token(token):
            raise forms.ValidationError(_("That code is not right, or it has expired."), code="invalid_token")
        self.otp_device = device
        return cleaned


class TotpConfirmForm(forms.Form):
    token = forms.CharField(
        label=_("Code from the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: object, device: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not self.device.verify_token(token):
            raise forms.ValidationError(_("That code is not right, or it has expired."))
        return token
