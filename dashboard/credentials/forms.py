"""Vendor account forms, generated from the provider's declared credential fields."""

from __future__ import annotations

from django import forms
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from vendors.base.provider import CredentialField, VendorInfo

from .models import VendorAccount

CREDENTIAL_PREFIX = "cred_"
CLEAR_PREFIX = "clear_"


class VendorAccountForm(forms.ModelForm):
    """Label, endpoint, enabled, then one field per declared credential.

    Secrets are never rendered back: on edit a secret field starts empty, says it is set
    (with its last four characters when long enough) and keeps the stored value when left blank.
    """

    endpoint = forms.URLField(label=_("Endpoint override"), required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = VendorAccount
        fields = ["label", "endpoint", "enabled"]

    def __init__(self, *args: object, vendor: VendorInfo, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        self.instance.vendor = vendor.name
        editing = self.instance.pk is not None
        stored = self.instance.public_credentials() if editing else {}
        self.fields["endpoint"].help_text = _(
            "Only for private deployments or the simulators; leave empty for %(url)s."
        ) % {"url": vendor.default_base_url}
        for declared in vendor.credential_fields:
            self.fields[CREDENTIAL_PREFIX + declared.name] = self._credential_field(declared, editing, stored)
            if editing and declared.secret and not declared.required and declared.name in self.instance.secret_hints:
                self.fields[CLEAR_PREFIX + declared.name] = forms.BooleanField(
                    label=_("Remove the stored %(field)s") % {"field": declared.label}, required=False
                )

    def _credential_field(self, declared: CredentialField, editing: bool, stored: dict[str, str]) -> forms.Field:
        if not declared.secret:
            return forms.CharField(
                label=declared.label,
                required=declared.required,
                help_text=declared.help_text,
                initial=stored.get(declared.name, ""),
                max_length=500,
                strip=True,
            )
        is_set = declared.name in self.instance.secret_hints
        help_text = declared.help_text
        if editing and is_set:
            hint = self.instance.secret_hints.get(declared.name)
            state = _("Set, ending in …%(hint)s.") % {"hint": hint} if hint else _("Set.")
            keep = _("Leave blank to keep it.")
            help_text = f"{state} {keep} {help_text}".strip()
        return forms.CharField(
            label=declared.label,
            # Required secrets are needed on create, or on edit when not stored yet.
            required=declared.required and not (editing and is_set),
            help_text=help_text,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            max_length=2000,
            strip=True,
        )

    def credential_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith((CREDENTIAL_PREFIX, CLEAR_PREFIX))]

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        clash = VendorAccount.objects.filter(tenant=self.instance.tenant, label__iexact=label)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("This tenant already has a vendor account with this label."))
        return label

    @method_decorator(sensitive_variables())
    def save(self, commit: bool = True) -> VendorAccount:
        account = super().save(commit=False)
        values = account.credentials() if account.pk else {}
        secret_names = {f.name for f in self.vendor.credential_fields if f.secret}
        for declared in self.vendor.credential_fields:
            value = self.cleaned_data.get(CREDENTIAL_PREFIX + declared.name, "")
            if self.cleaned_data.get(CLEAR_PREFIX + declared.name):
                values.pop(declared.name, None)
                continue
            if declared.name in secret_names and not value:
                continue  # blank secret on edit: keep what is stored
            values[declared.name] = value
        account.set_credentials(values)
        if commit:
            account.save()
        return account

    def changed_credential_names(self) -> list[str]:
        return [
            name.removeprefix(CREDENTIAL_PREFIX).removeprefix(CLEAR_PREFIX)
            for name in self.changed_data
            if name.startswith((CREDENTIAL_PREFIX, CLEAR_PREFIX)) and self.cleaned_data.get(name)
        ]
