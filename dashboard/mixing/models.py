"""Named layout templates per tenant, each with its history of versions, and the editable
catalogue of what each Aliyun LayoutId looks like."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LayoutTemplate(models.Model):
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="layout_templates")
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="one_layout_name_per_tenant")]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> LayoutVersion | None:
        return self.versions.order_by("-number").first()


class LayoutVersion(models.Model):
    """One saved state of a template; saving never overwrites, it adds a version."""

    template = models.ForeignKey(LayoutTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    layout = models.JSONField(help_text=_("The vendor-neutral layout: canvas panes, background, crop mode."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="one_number_per_layout_version")]


class MpuPreset(models.Model):
    """What an Aliyun MPU LayoutId looks like. The spec names LayoutIds without drawing them,
    so this catalogue is our assumption, seeded from vendors/aliyun/layouts.py; staff edit it
    in Administration when Alibaba's own rendering differs."""

    layout_id = models.PositiveIntegerField(_("LayoutId"), primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    boxes = models.JSONField(help_text=_("Pane boxes in order of PaneId: [x, y, width, height], each 0 to 1."))

    class Meta:
        ordering = ["layout_id"]
        verbose_name = _("Aliyun MPU preset layout")

    def __str__(self) -> str:
        return f"{self.layout_id}: {self.name}"
