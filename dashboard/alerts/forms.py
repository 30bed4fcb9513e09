from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from dashboard.tenancy.models import Tenant
from vendors.base.outbound import is_public

from .channels import BOTS, bot_token, private_url_allowed
from .models import AlertRule, Destination, DestinationKind, Kind

# The unit of each condition's threshold; a condition not listed takes none.
UNITS = {
    Kind.SYNC_BEHIND: _("minutes behind"),
    Kind.PUSH_PROBLEM: _("minutes not running while the channel is live"),
    Kind.MINUTES_OVER: _("minutes"),
    Kind.PEAK_USERS_OVER: _("users"),
    Kind.CHANNEL_MEMBERS_OVER: _("members"),
    Kind.RECONCILE: _("percent"),
}
WITH_PERIOD = {Kind.MINUTES_OVER, Kind.PEAK_USERS_OVER}
MAX_EMAILS = 10


class RuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = ["kind", "enabled", "threshold", "period", "destinations"]
        widgets = {"destinations": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this tenant's destinations are offered, or accepted.
        self.fields["destinations"].queryset = Destination.objects.filter(tenant=tenant)  # type: ignore[attr-defined]
        self.fields["threshold"].help_text = _(
            "Minutes behind (usage sync), minutes not running (push), minutes, users or members, or percent "
            "(reconciliation); not used by the other conditions."
        )
        self.fields["period"].help_text = _("For minutes and peak users: per hour or per UTC day.")
        if self.instance.pk:
            self.fields["kind"].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind in UNITS and cleaned.get("threshold") is None and "threshold" not in self.errors:
            self.add_error("threshold", _("This condition needs a threshold."))
        if kind not in UNITS:
            cleaned["threshold"] = None
        if kind in WITH_PERIOD and not cleaned.get("period"):
            self.add_error("period", _("Choose per hour or per day."))
        if kind not in WITH_PERIOD:
            cleaned["period"] = ""
        return cleaned


class DestinationForm(forms.ModelForm):
    url = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=500,
        help_text=_(
            "Webhook: the https address to POST to. Slack, DingTalk, Feishu, Lark, WeCom: the bot's webhook address "
            "as the platform shows it. Leave empty to keep the stored one."
        ),
    )
    signing_secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Webhook: the key of the X-RTC-Signature HMAC (at least 16 characters). DingTalk: the bot's "
            "signing secret (SEC…), if it uses one. Leave empty to keep the stored one."
        ),
    )

    class Meta:
        model = Destination
        fields = ["name", "kind", "emails"]

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["emails"].help_text = _("Email: addresses separated by commas.")
        if self.instance.pk:
            self.fields["kind"].disabled = True

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        others = Destination.objects.filter(tenant=self.tenant, name=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Another destination has this name."))
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        url = (cleaned.get("url") or "").strip()
        secret = cleaned.get("signing_secret") or ""
        stored = self.instance.secrets() if self.instance.pk else {}
        if kind == DestinationKind.EMAIL:
            self._clean_emails(cleaned)
            return cleaned
        if not url and not stored.get("url"):
            self.add_error("url", _("Give the address."))
        if kind == DestinationKind.WEBHOOK:
            if url:
                self._check_webhook_url(url)
            if not secret and not stored.get("signing_secret"):
                self.add_error("signing_secret", _("Give a signing secret: receivers check the signature with it."))
            elif secret and len(secret) < 16:
                self.add_error("signing_secret", _("At least 16 characters."))
        elif kind in BOTS:
            if url and bot_token(kind, url) is None:
                self.add_error("url", _("This is not a webhook address of that platform."))
            if secret and (kind != DestinationKind.DINGTALK or not secret.isalnum()):
                self.add_error("signing_secret", _("Only DingTalk bots take a signing secret (letters and digits)."))
        return cleaned

    def _clean_emails(self, cleaned: dict[str, Any]) -> None:
        addresses = [a.strip() for a in (cleaned.get("emails") or "").split(",") if a.strip()]
        if not addresses:
            self.add_error("emails", _("Give at least one address."))
            return
        if len(addresses) > MAX_EMAILS:
            self.add_error("emails", _("At most %(count)d addresses.") % {"count": MAX_EMAILS})
            return
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                self.add_error("emails", _("“%(address)s” is not an email address.") % {"address": address})
                return
        cleaned["emails"] = ", ".join(addresses)

    def _check_webhook_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            usable = parts.scheme in ("https", "http") and bool(host) and parts.port != 0
            usable = usable and not parts.username and not parts.password
        except ValueError:  # brackets that are no IPv6 address, a port past 65535
            usable = False
        if not usable:
            self.add_error("url", _("Give an http or https address without a user name or password."))
            return
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            return  # a name: checked when it is dialled (vendors/base/outbound.py), every time
        if not is_public(str(literal)) and not private_url_allowed(url):
            self.add_error("url", _("This address is inside a private network this deployment does not allow."))

    def save(self, commit: bool = True) -> Destination:
        destination: Destination = super().save(commit=False)
        url = (self.cleaned_data.get("url") or "").strip()
        secret = self.cleaned_data.get("signing_secret") or ""
        if destination.kind != DestinationKind.EMAIL and (url or secret):
            stored = destination.secrets() if destination.secrets_ciphertext else {}
            url = url or stored.get("url", "")
            destination.set_secrets(url, secret or stored.get("signing_secret", ""))
            destination.address_hint = address_hint(url)
        if destination.kind != DestinationKind.EMAIL:
            destination.emails = ""
        if commit:
            destination.save()
        return destination


def address_hint(url: str) -> str:
    """What a page may show of a webhook address: its host and the end of its token."""
    parts = urlsplit(url)
    tail = url.rstrip("/")[-4:]
    return f"{parts.scheme}://{parts.hostname}/…{tail}" if len(url) >= 24 else f"{parts.scheme}://{parts.hostname}/…"
