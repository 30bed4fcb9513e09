from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A tenant member's role. Support staff (`User.is_staff`) act as admins everywhere."""

    VIEWER = "viewer", _("Viewer")
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Support staff")

    @property
    def rank(self) -> int:
        return {"viewer": 1, "admin": 2, "staff": 3}[self.value]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class Tenant(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True, help_text=_("Used in addresses."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        _("role"), max_length=10, choices=[(Role.ADMIN, Role.ADMIN.label), (Role.VIEWER, Role.VIEWER.label)]
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="one_membership_per_tenant")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"
