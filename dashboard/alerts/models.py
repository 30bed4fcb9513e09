"""Alert rules per tenant, where their notices go, the incidents they open, and every notice
with each attempt to deliver it.

An incident is one subject (a recording, an account, a channel, the tenant's usage) for which a
rule's condition holds; it stays one incident however many evaluations see it, and at most one
incident per rule and subject is open (a unique constraint). A notification is one notice of
one incident event (opened, resolved) to one destination, also unique, so a job that runs twice
(a restart, two schedulers) cannot notify twice: it can only find the row already there.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from dashboard.credentials import crypto


class Kind(models.TextChoices):
    ACCOUNT_FAILING = "account_failing", _("Vendor account check failing or blocked")
    SYNC_BEHIND = "sync_behind", _("Usage sync behind")
    RECORDING_PROBLEM = "recording_problem", _("Recording failed, stalled or ended without files")
    PUSH_PROBLEM = "push_problem", _("Push stopped by the vendor or not running")
    MINUTES_OVER = "minutes_over", _("Minutes over a threshold")
    PEAK_USERS_OVER = "peak_users_over", _("Peak concurrent users over a threshold")
    CHANNEL_MEMBERS_OVER = "channel_members_over", _("A channel's members over a threshold")
    RECONCILE = "reconcile", _("Reconciliation discrepancy")


class Period(models.TextChoices):
    HOUR = "hour", _("per hour")
    DAY = "day", _("per day")


class AlertRule(models.Model):
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="alert_rules")
    kind = models.CharField(_("condition"), max_length=30, choices=Kind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    threshold = models.PositiveIntegerField(
        _("threshold"), null=True, blank=True, help_text=_("The limit the condition compares with (see its unit).")
    )
    period = models.CharField(_("period"), max_length=4, choices=Period.choices, blank=True, default="")
    destinations: models.ManyToManyField[Destination, Any] = models.ManyToManyField(
        "Destination", blank=True, related_name="rules", verbose_name=_("send to"), help_text=_("Where notices go.")
    )
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("alert rule")

    def __str__(self) -> str:
        return str(self.get_kind_display())


class DestinationKind(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook (signed JSON)")
    SLACK = "slack", _("Slack")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")
    LARK = "lark", _("Lark")
    WECOM = "wecom", _("WeCom")


class Destination(models.Model):
    """Where a tenant's notices go. Email addresses are plain; webhook addresses (their tokens)
    and signing secrets are encrypted together like vendor credentials."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="alert_destinations")
    name = models.CharField(_("name"), max_length=100, help_text=_("A name your team recognises."))
    kind = models.CharField(_("kind"), max_length=10, choices=DestinationKind.choices)
    emails = models.CharField(_("email addresses"), max_length=500, blank=True)
    secrets_ciphertext = models.TextField(blank=True, editable=False)
    address_hint = models.CharField(max_length=120, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="one_destination_name_per_tenant")]

    def __str__(self) -> str:
        return self.name

    @sensitive_variables()
    def secrets(self) -> dict[str, str]:
        return crypto.decrypt_values(self.secrets_ciphertext) if self.secrets_ciphertext else {}

    @sensitive_variables()
    def set_secrets(self, url: str, signing_secret: str) -> None:
        self.secrets_ciphertext = crypto.encrypt_values({"url": url, "signing_secret": signing_secret})

    @property
    def shown_address(self) -> str:
        return self.emails if self.kind == DestinationKind.EMAIL else self.address_hint


class Incident(models.Model):
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="incidents")
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200, help_text=_("What it is about, as a key: recording:42."))
    title = models.CharField(_("title"), max_length=300)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    link = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # False when the rule was muted as it opened: no resolved notice for what nobody was told.
    notified = models.BooleanField(default=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"], condition=Q(resolved_at__isnull=True), name="one_open_incident_per_subject"
            )
        ]
        indexes = [models.Index(fields=["tenant", "resolved_at", "-opened_at"], name="incident_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Event(models.TextChoices):
    OPENED = "opened", _("opened")
    RESOLVED = "resolved", _("resolved")
    TEST = "test", _("test")


class NoticeState(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    # The worker stopped while sending: it may have arrived, so it is not sent again.
    INTERRUPTED = "interrupted", _("interrupted")


class Notification(models.Model):
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    destination = models.ForeignKey(Destination, null=True, on_delete=models.SET_NULL, related_name="notices")
    destination_name = models.CharField(max_length=100)
    event = models.CharField(max_length=10, choices=Event.choices)
    state = models.CharField(max_length=12, choices=NoticeState.choices, default=NoticeState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "event", "destination"],
                condition=Q(incident__isnull=False),
                name="one_notice_per_incident_event_destination",
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notice_due")]


class Delivery(models.Model):
    """One attempt to deliver a notice: the delivery log."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=NoticeState.choices, default=NoticeState.SENDING)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "attempt"], name="one_delivery_per_attempt"),
        ]
