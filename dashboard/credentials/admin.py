from typing import Any

from django import forms
from django.contrib import admin

from vendors import registry

from .endpoints import normalize
from .models import VendorEndpoint


class VendorEndpointForm(forms.ModelForm):
    vendor = forms.ChoiceField(choices=[])
    base_url = forms.URLField(max_length=200, assume_scheme="https")

    class Meta:
        model = VendorEndpoint
        fields = ["vendor", "base_url", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [(info.name, info.label) for info in registry]  # type: ignore[attr-defined]

    def clean_base_url(self) -> str:
        return normalize(self.cleaned_data["base_url"])


@admin.register(VendorEndpoint)
class VendorEndpointAdmin(admin.ModelAdmin):
    """Staff allow an endpoint here; tenant admins then find it in the account form's list."""

    form = VendorEndpointForm
    list_display = ["vendor", "base_url", "note", "created_at"]
    list_filter = ["vendor"]
