from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vendors import registry
from vendors.base.provider import Capability, StorageProvider, VendorInfo
from vendors.base.types import RESOLUTIONS, RecordingKind, RecordingRule

from .models import StorageTarget
from .options import offered

if TYPE_CHECKING:
    from dashboard.tenancy.models import Tenant

USER_ID = re.compile(r"^[A-Za-z0-9_\-.@:]{1,128}$")
MAX_USERS = 32


def user_list(text: str) -> list[str]:
    users = [part for part in re.split(r"[\s,]+", text) if part]
    bad = [user for user in users if not USER_ID.match(user)]
    if bad:
        raise forms.ValidationError(_("Not a user id: %(ids)s") % {"ids": ", ".join(bad[:3])})
    if len(users) > MAX_USERS:
        raise forms.ValidationError(_("At most %(n)s users.") % {"n": MAX_USERS})
    if len(set(users)) != len(users):
        raise forms.ValidationError(_("A user is listed twice."))
    return users


class StartRecordingForm(forms.Form):
    """Only the settings the vendor's capabilities name are offered."""

    kind = forms.ChoiceField(
        label=_("Record"),
        choices=[(RecordingKind.VIDEO.value, _("video")), (RecordingKind.IMAGE.value, _("snapshots"))],
        initial=RecordingKind.VIDEO.value,
    )
    mixed = forms.BooleanField(
        label=_("Mix everyone into one video"),
        required=False,
        initial=True,
        help_text=_("Off: one file per user."),
    )
    users = forms.CharField(
        label=_("Users"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("User ids separated by spaces or new lines. Empty: everyone who publishes."),
    )
    resolution = forms.ChoiceField(
        label=_("Resolution"), choices=[(name, name) for name in RESOLUTIONS], initial="720p"
    )
    featured_user = forms.CharField(
        label=_("Show large"),
        required=False,
        max_length=128,
        help_text=_("A user id shown in the centre; empty: an even grid."),
    )
    template: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Layout"),
        queryset=None,
        required=False,
        empty_label=_("The vendor's own (everyone, evenly)"),
        help_text=_("A saved layout; mixed recordings only."),
    )
    storage: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Storage"),
        queryset=None,
        required=False,
        empty_label=_("The vendor's backup storage"),
        help_text=_("Your own bucket; its keys stay encrypted and are only sent to the vendor."),
    )
    rule = forms.ChoiceField(label=_("Recording rule"), choices=[], help_text=_("What and where the vendor records."))

    def __init__(
        self,
        *args: Any,
        info: VendorInfo,
        templates: QuerySet[Any],
        storages: QuerySet[Any],
        rules: list[RecordingRule],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.info = info
        self.rules = {rule.rule_id: rule for rule in rules}
        for name in list(self.fields):
            if not offered(info, name):
                del self.fields[name]
        if "template" in self.fields:
            template_field = self.fields["template"]
            assert isinstance(template_field, forms.ModelChoiceField)
            template_field.queryset = templates
        if "storage" in self.fields:
            storage_field = self.fields["storage"]
            assert isinstance(storage_field, forms.ModelChoiceField)
            storage_field.queryset = storages
        if "rule" in self.fields:
            rule_field = self.fields["rule"]
            assert isinstance(rule_field, forms.ChoiceField)
            rule_field.choices = [
                (rule.rule_id, f"{rule.rule_id} · {rule.kind.value} · {rule.file_name}")
                for rule in rules
                if rule.enabled
            ]
        if info.can(Capability.RECORDING_CALLBACKS):
            users = self.fields["users"]
            users.required, users.label = True, _("User")
            users.widget = forms.TextInput()
            users.help_text = _("The user whose stream is recorded; they must be in the channel now.")

    def clean_users(self) -> list[str]:
        users = user_list(self.cleaned_data["users"])
        if self.info.can(Capability.RECORDING_CALLBACKS) and len(users) != 1:
            raise forms.ValidationError(_("Give exactly one user id."))
        return users

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        if data.get("template") and not data.get("mixed", True):
            self.add_error("template", _("A layout applies to mixed recordings only."))
        rule = self.rules.get(data.get("rule") or "")
        if rule is not None and "kind" in data and rule.kind.value != data["kind"]:
            self.add_error("rule", _("This rule records %(kind)s.") % {"kind": rule.kind.value})
        return data


class UsersForm(forms.Form):
    users = forms.CharField(
        label=_("Record only"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("User ids; empty: everyone again."),
    )

    def clean_users(self) -> list[str]:
        return user_list(self.cleaned_data["users"])


def storage_providers() -> dict[int, StorageProvider]:
    """The storage services a bucket can be at, as the recording vendors that upload number them.
    (One such vendor today, anyRTC; a second with other numbers would need a bucket per vendor.)"""
    found: dict[int, StorageProvider] = {}
    for info in registry.with_capability(Capability.RECORDING_STORAGE):
        for provider in info.storage_providers:
            found.setdefault(provider.number, provider)
    return found


class StorageForm(forms.ModelForm):
    provider = forms.TypedChoiceField(label=_("Storage provider"), coerce=int, choices=[])
    region = forms.IntegerField(
        label=_("Region number"), min_value=0, help_text=_("The vendor's number for the bucket's region.")
    )
    access_key = forms.CharField(
        label=_("Access key"), required=False, max_length=200, widget=forms.PasswordInput(render_value=False)
    )
    secret_key = forms.CharField(
        label=_("Secret key"), required=False, max_length=200, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = StorageTarget
        fields = ["name", "provider", "region", "bucket", "prefix"]

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.providers = storage_providers()
        provider_field = self.fields["provider"]
        assert isinstance(provider_field, forms.ChoiceField)
        provider_field.choices = [(p.number, p.name) for p in self.providers.values()]
        editing = bool(self.instance.pk)
        for name in ("access_key", "secret_key"):
            self.fields[name].required = not editing
            if editing:
                self.fields[name].help_text = _("Set; leave empty to keep it.")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = StorageTarget.objects.filter(tenant=self.tenant, name=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another bucket has this name."))
        return name

    def clean_prefix(self) -> str:
        prefix = self.cleaned_data["prefix"].strip("/")
        if prefix and not all(part.isascii() and part.isalnum() for part in prefix.split("/")):
            raise forms.ValidationError(_("Letters and digits only, folders separated by /."))
        return prefix

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        provider, region = data.get("provider"), data.get("region")
        known = self.providers.get(provider) if provider is not None else None
        if known is not None and region is not None and region not in known.regions:
            regions = sorted(known.regions)
            self.add_error(
                "region",
                _("%(provider)s regions are numbered %(first)s to %(last)s.")
                % {"provider": known.name, "first": regions[0], "last": regions[-1]},
            )
        return data

    def save(self, commit: bool = True) -> StorageTarget:
        target = super().save(commit=False)
        target.tenant = self.tenant
        keys = target.keys() if target.pk else {}
        target.set_keys(
            self.cleaned_data["access_key"] or keys.get("access_key", ""),
            self.cleaned_data["secret_key"] or keys.get("secret_key", ""),
        )
        if commit:
            target.save()
        return target


class RuleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Record"),
        choices=[(RecordingKind.VIDEO.value, _("video")), (RecordingKind.IMAGE.value, _("snapshots"))],
    )
    mixed = forms.BooleanField(label=_("Mix the channel's streams"), required=False, help_text=_("Off: one stream."))
    file_name = forms.CharField(
        label=_("File name"),
        max_length=200,
        initial="{channel_id}_{file_start_time}",
        help_text=_("May use {app_id}, {channel_id}, {date_time} and {file_start_time}."),
    )
    record_path = forms.CharField(label=_("Folder"), max_length=300, required=False)
    capture_interval = forms.IntegerField(
        label=_("Seconds between snapshots"), min_value=1, required=False, help_text=_("Snapshots only.")
    )
    capture_count = forms.IntegerField(
        label=_("Snapshots"), min_value=1, required=False, help_text=_("Snapshots only.")
    )
    extra_data = forms.CharField(
        label=_("Extra data"), max_length=1000, required=False, help_text=_("Handed back in every callback.")
    )
    network_storage = forms.BooleanField(
        label=_("Store on the network share (NAS)"), required=False, help_text=_("Off: the vendor's storage.")
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == RecordingKind.IMAGE.value:
            for name in ("capture_interval", "capture_count"):
                if not data.get(name):
                    self.add_error(name, _("Snapshots need this."))
        if len((data.get("extra_data") or "").encode()) > 1000:
            self.add_error("extra_data", _("At most 1000 bytes."))
        return data

    def rule(self, callback_url: str, rule_id: str = "") -> RecordingRule:
        data = self.cleaned_data
        image = data["kind"] == RecordingKind.IMAGE.value
        return RecordingRule(
            kind=RecordingKind(data["kind"]),
            mixed=data["mixed"],
            file_name=data["file_name"],
            callback_url=callback_url,
            enabled=data["enabled"],
            rule_id=rule_id,
            record_path=data["record_path"],
            capture_interval=data["capture_interval"] if image else None,
            capture_count=data["capture_count"] if image else None,
            extra_data=data["extra_data"],
            network_storage=data["network_storage"],
        )

    @staticmethod
    def initial_from(rule: RecordingRule) -> dict[str, object]:
        return {
            "kind": rule.kind.value,
            "mixed": rule.mixed,
            "file_name": rule.file_name,
            "record_path": rule.record_path,
            "capture_interval": rule.capture_interval,
            "capture_count": rule.capture_count,
            "extra_data": rule.extra_data,
            "network_storage": rule.network_storage,
            "enabled": rule.enabled,
        }
