from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Scope

# Days a new token lasts; "0": until revoked.
LIFETIMES = [("30", _("30 days")), ("90", _("90 days")), ("365", _("1 year")), ("0", _("Until revoked"))]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it (a script, a BI tool): the audit log names the token's actions by it."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=Scope.choices,
        initial=Scope.READ,
        help_text=_("Read: apps, usage, channels, recordings, audit log. Read and act: also kick, close, record."),
    )
    lifetime = forms.ChoiceField(label=_("Expires after"), choices=LIFETIMES, initial="90")

    def __init__(self, *args: Any, taken: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taken = taken

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if name in self.taken:
            raise forms.ValidationError(_("A token with this name exists; pick another."))
        return name

    @property
    def expires_at(self) -> datetime | None:
        days = int(self.cleaned_data["lifetime"])
        return timezone.now() + timedelta(days=days) if days else None


def taken_names(tenant_id: int | None) -> set[str]:
    tokens = (
        ApiToken.objects.filter(tenant__isnull=True)
        if tenant_id is None
        else ApiToken.objects.filter(tenant_id=tenant_id)
    )
    return set(tokens.values_list("name", flat=True))
