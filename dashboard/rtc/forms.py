from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import RtcApp


class RegisterAppForm(forms.ModelForm):
    """For vendors that cannot list apps: the admin types the app id from the vendor's console."""

    app_id = forms.CharField(
        label=_("App id"),
        max_length=128,
        validators=[RegexValidator(r"^[A-Za-z0-9._:-]+$", _("Letters, digits and . _ : - only."))],
        help_text=_("Exactly as the vendor's console shows it."),
    )

    class Meta:
        model = RtcApp
        fields = ["app_id", "name"]
        help_texts = {"name": _("Optional: how your team calls this app.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django's own uniqueness check would name the hidden account field; say it plainly instead.
        self._validate_unique = False

    def clean_app_id(self) -> str:
        app_id = self.cleaned_data["app_id"]
        if RtcApp.objects.filter(vendor_account=self.instance.vendor_account, app_id=app_id).exists():
            raise forms.ValidationError(_("This app id is already registered for this account."))
        return app_id
