"""API tokens: a tenant's (made by its admins) or support staff's (every tenant).

Only a SHA-256 of the token is kept: the value is shown once, when it is made. Tokens are
random (256 bits), so a fast hash is enough; a slow one would only slow every API call.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Read")
    ACT = "act", _("Read and act")


class ApiToken(models.Model):
    # None: a staff token, good for every tenant.
    tenant = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What uses it, for the audit log."))
    scope = models.CharField(_("scope"), max_length=4, choices=Scope.choices, default=Scope.READ)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=4, editable=False, help_text=_("The token's last characters."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="one_token_name_per_tenant"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(tenant__isnull=True), name="one_staff_token_name"
            ),
        ]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    @property
    def can_act(self) -> bool:
        return self.scope == Scope.ACT

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def usable(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and not self.expired(now)
