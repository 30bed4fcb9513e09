from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppSource(models.TextChoices):
    LISTED = "listed", _("Listed by the vendor")
    MANUAL = "manual", _("Registered by hand")


class RtcApp(models.Model):
    """An app at a vendor, as last listed by it or as registered by an admin."""

    vendor_account = models.ForeignKey("credentials.VendorAccount", on_delete=models.CASCADE, related_name="apps")
    app_id = models.CharField(_("app id"), max_length=128)
    name = models.CharField(_("name"), max_length=200, blank=True)
    app_type = models.CharField(_("type"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=20, blank=True)
    bill_type = models.CharField(_("billing"), max_length=60, blank=True)
    service_areas = models.JSONField(_("service areas"), default=list, blank=True)
    vendor_created_at = models.DateTimeField(_("created at vendor"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=AppSource.choices, default=AppSource.LISTED)
    listed_at = models.DateTimeField(_("last listed"), null=True, blank=True)
    missing_from_listing = models.BooleanField(
        default=False, help_text=_("The vendor's latest listing no longer includes this app.")
    )
    # A permanent error for this app alone (stopped, in arrears, unknown) pauses its jobs.
    sync_blocked = models.BooleanField(default=False)
    sync_error = models.TextField(blank=True)
    last_synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)

    class Meta:
        ordering = ["name", "app_id"]
        constraints = [models.UniqueConstraint(fields=["vendor_account", "app_id"], name="unique_app_per_account")]
        verbose_name = _("RTC app")
        verbose_name_plural = _("RTC apps")

    def __str__(self) -> str:
        return self.name or self.app_id
