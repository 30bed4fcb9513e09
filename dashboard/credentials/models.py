from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from vendors import registry
from vendors.base.provider import VendorInfo

from . import crypto

# Inside the encrypted values: the endpoint they were entered for. No credential field has this name.
BOUND_ENDPOINT = "@endpoint"

# Shorter secrets show only that they are set: four characters of eight is half the secret.
HINT_MIN_LENGTH = 12


def secret_hint(value: str) -> str:
    return value[-4:] if len(value) >= HINT_MIN_LENGTH else ""


class CheckOutcome(models.TextChoices):
    NEVER = "", _("Never tested")
    OK = "ok", _("Connected")
    FAILED = "failed", _("Failed")


class VendorAccount(models.Model):
    """A tenant's credentials for one vendor. Every credential value is encrypted together."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="vendor_accounts")
    vendor = models.CharField(_("vendor"), max_length=20)
    label = models.CharField(_("label"), max_length=120, help_text=_("A name your team recognises."))
    endpoint = models.URLField(
        _("endpoint"),
        blank=True,
        help_text=_("One of the endpoints this deployment allows for the vendor; empty means its public endpoint."),
    )
    enabled = models.BooleanField(_("enabled"), default=True, help_text=_("Disabled accounts are never called."))
    credentials_ciphertext = models.TextField(editable=False)
    secret_hints = models.JSONField(default=dict, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_check_at = models.DateTimeField(_("last tested"), null=True, blank=True)
    last_check_outcome = models.CharField(max_length=10, choices=CheckOutcome.choices, default="", blank=True)
    last_check_error = models.TextField(blank=True)
    last_check_request_id = models.CharField(max_length=120, blank=True)
    # A permanent vendor error (bad credentials, no permission) stops scheduled jobs for the
    # account until its credentials change or an admin asks for a re-check.
    sync_blocked = models.BooleanField(default=False)
    sync_error = models.TextField(blank=True)
    last_synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)

    class Meta:
        ordering = ["label"]
        constraints = [models.UniqueConstraint(fields=["tenant", "label"], name="unique_account_label_per_tenant")]
        verbose_name = _("vendor account")
        verbose_name_plural = _("vendor accounts")

    def __str__(self) -> str:
        return self.label

    @property
    def info(self) -> VendorInfo:
        return registry.get(self.vendor)

    @property
    def vendor_known(self) -> bool:
        return self.vendor in registry

    @property
    def vendor_label(self) -> str:
        return self.info.label if self.vendor in registry else self.vendor

    @property
    def base_url(self) -> str:
        return self.endpoint or self.info.default_base_url

    @sensitive_variables()
    def credentials(self) -> dict[str, str]:
        values = self._stored()
        values.pop(BOUND_ENDPOINT, None)
        return values

    def secrets_endpoint(self) -> str | None:
        """The endpoint the stored secrets were entered for (None: not bound, enter them again)."""
        return self._stored().get(BOUND_ENDPOINT)

    @sensitive_variables()
    def _stored(self) -> dict[str, str]:
        return crypto.decrypt_values(self.credentials_ciphertext) if self.credentials_ciphertext else {}

    @sensitive_variables()
    def set_credentials(self, values: dict[str, str]) -> None:
        """Store the values, bound to the account's current endpoint.

        The binding is inside the ciphertext, so no edit of the `endpoint` column alone (a form,
        the admin site, a script) can send these secrets anywhere else: connect.py compares.
        """
        kept = {name: value for name, value in values.items() if value and name != BOUND_ENDPOINT}
        self.credentials_ciphertext = crypto.encrypt_values({**kept, BOUND_ENDPOINT: self.endpoint})
        secret_names = {f.name for f in self.info.credential_fields if f.secret}
        self.secret_hints = {name: secret_hint(value) for name, value in kept.items() if name in secret_names}

    @sensitive_variables()
    def public_credentials(self) -> dict[str, str]:
        """The values that may be shown in a page: everything not declared secret."""
        secret_names = {f.name for f in self.info.credential_fields if f.secret}
        return {name: value for name, value in self.credentials().items() if name not in secret_names}


class VendorEndpoint(models.Model):
    """An endpoint staff allow for a vendor besides its public ones (a private deployment, a simulator).

    Its exact host and port may be dialled even when they resolve to a private address;
    nothing else in that network can be (vendors/base/outbound.py).
    """

    vendor = models.CharField(_("vendor"), max_length=20, choices=[])
    base_url = models.URLField(
        _("base URL"), max_length=200, help_text=_("Scheme, host and port, e.g. https://rtc.example.internal:8443")
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Why it is allowed, who runs it."))
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["vendor", "base_url"]
        constraints = [models.UniqueConstraint(fields=["vendor", "base_url"], name="unique_endpoint_per_vendor")]
        verbose_name = _("allowed vendor endpoint")
        verbose_name_plural = _("allowed vendor endpoints")

    def __str__(self) -> str:
        return f"{self.vendor}: {self.base_url}"
