from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Preferences


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
