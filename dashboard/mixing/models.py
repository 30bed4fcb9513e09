"""Named layout templates per tenant, each with its history of versions, and the editable
catalogue of what each Aliyun LayoutId looks like."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
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

    def next_number(self) -> int:
        """The number the next saved version takes."""
        current = self.current
        return current.number + 1 if current else 1


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


class TaskState(models.TextChoices):
    WAITING = "waiting", _("waiting for the channel")
    RUNNING = "running", _("pushing")
    STOPPED = "stopped", _("stopped")
    FAILED = "failed", _("failed")
    UNKNOWN = "unknown", _("unknown")


# A push not over yet: the status job asks after it, the home page counts it as running.
ACTIVE_TASK_STATES = (TaskState.WAITING, TaskState.RUNNING, TaskState.UNKNOWN)
# A push still running: the one definition the home page, active tasks and the layout page count by.
RUNNING_TASKS = Q(state__in=ACTIVE_TASK_STATES, stopped_at__isnull=True)


class MixingTask(models.Model):
    """A mixed stream of a channel pushed to a CDN address (Aliyun MPU bypass push)."""

    channel = models.ForeignKey("live.Channel", on_delete=models.CASCADE, related_name="mixing_tasks")
    task_id = models.CharField(_("task id"), max_length=55)
    stream_url = models.CharField(_("stream URL"), max_length=500)
    media_encode = models.PositiveIntegerField(_("encoding"))
    task_profile = models.CharField(_("profile"), max_length=20)
    subscribed_users = models.JSONField(default=list, blank=True)
    layout_version = models.ForeignKey(
        LayoutVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.WAITING)
    vendor_status = models.CharField(max_length=20, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_error = models.TextField(blank=True)
    # The vendor stopped it on its own (its channel ended, CDN or address trouble): alerts watch for it.
    ended_by_vendor = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["channel", "task_id"], name="one_task_id_per_channel")]

    def __str__(self) -> str:
        return self.task_id

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_TASK_STATES
