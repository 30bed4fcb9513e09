from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Succeeded")
    FAILURE = "failure", _("Failed")


class AuditEntry(models.Model):
    """One state-changing action. Written once; never edited or deleted from the console.

    Labels are copied so an entry still reads right after the user, tenant or account
    it names is gone.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_name = models.CharField(_("who"), max_length=150)
    tenant = models.ForeignKey("tenancy.Tenant", null=True, blank=True, on_delete=models.SET_NULL)
    tenant_name = models.CharField(_("tenant"), max_length=120, blank=True)
    vendor_account = models.ForeignKey(
        "credentials.VendorAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vendor_account_label = models.CharField(_("vendor account"), max_length=120, blank=True)
    vendor = models.CharField(_("vendor"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target = models.CharField(_("target"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    vendor_request_id = models.CharField(_("vendor request id"), max_length=120, blank=True, db_index=True)
    error_code = models.CharField(_("error code"), max_length=120, blank=True)
    message = models.TextField(_("message"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="audit_tenant_time")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit entries are append-only")
