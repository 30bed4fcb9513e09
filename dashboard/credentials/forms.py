"""Vendor account forms, generated from the provider's declared credential fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from vendors.base.provider import CredentialField, VendorInfo

from . import endpoints
from .models import VendorAccount

CREDENTIAL_PREFIX = "cred_"
CLEAR_PREFIX = "clear_"


class VendorAccountForm(forms.ModelForm):
    """Label, endpoint, enabled, then one field per declared credential.

    Secrets are never rendered back: on edit a secret field starts empty, says it is set
    (with its last four characters when long enough) and keeps the stored value when left blank.
    """

    endpoint = forms.ChoiceField(label=_("Endpoint"), required=False)

    class Meta:
        model = VendorAccount
        fields = ["label", "endpoint", "enabled"]

    def __init__(self, *args: Any, vendor: VendorInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        self.instance.vendor = vendor.name
        editing = self.instance.pk is not None
        stored = self.instance.public_credentials() if editing else {}
        self._init_endpoint(editing)
        for declared in vendor.credential_fields:
            self.fields[CREDENTIAL_PREFIX + declared.name] = self._credential_field(declared, editing, stored)
            if editing and declared.secret and not declared.required and declared.name in self.instance.secret_hints:
                self.fields[CLEAR_PREFIX + declared.name] = forms.BooleanField(
                    label=_("Remove the stored %(field)s") % {"field": declared.label}, required=False
                )

    def _init_endpoint(self, editing: bool) -> None:
        field = self.fields["endpoint"]
        assert isinstance(field, forms.ChoiceField)
        choices = [(endpoint.base_url, endpoint.label) for endpoint in endpoints.allowed_endpoints(self.vendor)]
        current = self.instance.endpoint
        if editing and endpoints.find(self.vendor, current) is None:
            # Shown so the page says what the account uses now; clean_endpoint refuses to keep it.
            choices.append((current, _("%(url)s (no longer allowed)") % {"url": current}))
        field.choices = choices
        field.help_text = _(
            "The endpoints this deployment allows for %(vendor)s. Staff can allow others. "
            "Changing it on a saved account asks for its secrets again."
        ) % {"vendor": self.vendor.label}

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

    def clean_endpoint(self) -> str:
        found = endpoints.find(self.vendor, self.cleaned_data.get("endpoint", ""))
        if found is None:
            raise forms.ValidationError(_("This endpoint is not allowed for this vendor; pick one of the list."))
        return found.base_url

    def endpoint_changed(self) -> bool:
        if self.instance.pk is None:
            return False
        before = self.instance.secrets_endpoint()
        return before is None or endpoints.normalize(before) != self.cleaned_data.get("endpoint", "")

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if "endpoint" in cleaned and self.endpoint_changed():
            # Secrets go only where they were entered for: a new endpoint needs them typed again,
            # or an admin who never saw them could send them to a host of their choosing.
            for declared in self.vendor.credential_fields:
                name = CREDENTIAL_PREFIX + declared.name
                stored = declared.name in self.instance.secret_hints
                if (
                    declared.secret
                    and stored
                    and not cleaned.get(name)
                    and not cleaned.get(CLEAR_PREFIX + declared.name)
                ):
                    self.add_error(
                        name,
                        _("Enter it again: the endpoint changed, and secrets only go where they were entered for."),
                    )
                    # No more "leave blank to keep it" (the bound field copied the help when built).
                    self.fields[name].help_text = self[name].help_text = declared.help_text
        return cleaned

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
