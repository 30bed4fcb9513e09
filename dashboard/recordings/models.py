"""Recordings across vendors, the files they made, the signed callbacks that announced them,
the tenants' own storage buckets (secrets encrypted like credentials), and automatic
recording per app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from dashboard.credentials import crypto
from dashboard.credentials.models import VendorAccount, secret_hint


class StorageTarget(models.Model):
    """A tenant's bucket a recording vendor uploads files to. Keys are encrypted together."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="storage_targets")
    name = models.CharField(_("name"), max_length=100, help_text=_("A name your team recognises."))
    provider = models.PositiveSmallIntegerField(_("storage provider"))
    region = models.PositiveSmallIntegerField(_("region"))
    bucket = models.CharField(_("bucket"), max_length=200)
    prefix = models.CharField(
        _("file name prefix"),
        max_length=128,
        blank=True,
        help_text=_("Folders inside the bucket, separated by /; letters and digits only."),
    )
    keys_ciphertext = models.TextField(editable=False)
    access_key_hint = models.CharField(max_length=8, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="one_storage_name_per_tenant")]

    def __str__(self) -> str:
        return self.name

    @sensitive_variables()
    def keys(self) -> dict[str, str]:
        return crypto.decrypt_values(self.keys_ciphertext) if self.keys_ciphertext else {}

    @sensitive_variables()
    def set_keys(self, access_key: str, secret_key: str) -> None:
        self.keys_ciphertext = crypto.encrypt_values({"access_key": access_key, "secret_key": secret_key})
        self.access_key_hint = secret_hint(access_key)

    @property
    def prefix_parts(self) -> tuple[str, ...]:
        return tuple(part for part in self.prefix.split("/") if part)


class State(models.TextChoices):
    STARTING = "starting", _("starting")
    RECORDING = "recording", _("recording")
    STOPPING = "stopping", _("stopping")
    FINISHED = "finished", _("finished")
    FAILED = "failed", _("failed")
    UNKNOWN = "unknown", _("unknown")


ACTIVE_STATES = (State.STARTING, State.RECORDING, State.STOPPING, State.UNKNOWN)


class Kind(models.TextChoices):
    VIDEO = "video", _("video")
    IMAGE = "image", _("snapshots")


class Recording(models.Model):
    # The channel's tenant, kept here so a tenant's years of recordings page by one index.
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("live.Channel", on_delete=models.CASCADE, related_name="recordings")
    recording_id = models.CharField(_("recording id"), max_length=200)
    # What the vendor needs to find the recording again (its resource id, session id, ...).
    handle = models.JSONField(default=dict)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VIDEO)
    mixed = models.BooleanField(default=True)
    options = models.JSONField(default=dict, blank=True, help_text=_("What was asked for, as shown on the page."))
    layout_version = models.ForeignKey(
        "mixing.LayoutVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    storage = models.ForeignKey(StorageTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    automatic = models.BooleanField(default=False, help_text=_("Started by the vendor under an automatic rule."))
    # SHA-256 of the token in the callback address the console gave the vendor for this
    # recording (recordings/callbacks.py); empty for recordings the vendor started itself.
    callback_token_hash = models.CharField(max_length=64, blank=True, default="", editable=False, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.STARTING)
    vendor_status = models.CharField(max_length=60, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(auto_now_add=True)
    stop_requested_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The last time anything moved: a new state, a new file, a callback.
    progressed_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_error = models.CharField(max_length=300, blank=True)
    file_count = models.PositiveIntegerField(default=0)
    # Not stored: the list page sets them on the recordings it shows (watchdog.flag, duration_seconds).
    problem: str
    duration: int

    class Meta:
        ordering = ["-started_at"]
        # Not unique: a vendor may hand out a short id again years later; lookups take the newest.
        indexes = [
            models.Index(fields=["channel", "recording_id"], name="recording_by_vendor_id"),
            models.Index(fields=["state", "progressed_at"], name="recording_watch"),
            models.Index(fields=["tenant", "-started_at"], name="recording_newest"),
            models.Index(fields=["tenant", "state", "file_count"], name="recording_by_state"),
        ]

    def __str__(self) -> str:
        return self.recording_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.tenant_id is None:
            self.tenant_id = self.channel.app.vendor_account.tenant_id
        super().save(*args, **kwargs)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def account(self) -> VendorAccount:
        return self.channel.app.vendor_account

    def duration_seconds(self, now: datetime) -> int:
        """From start to the stop the console asked for: the vendor's upload after a stop
        (ended_at comes once the file is written) is not recorded time."""
        end = self.stop_requested_at or self.ended_at or (None if self.active else self.checked_at) or now
        return max(0, int((end - self.started_at).total_seconds()))


class RecordingFile(models.Model):
    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("name"), max_length=300)
    url = models.CharField(_("location"), max_length=500, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    user_id = models.CharField(max_length=128, blank=True)
    # Kept only where the vendor hands the file itself to the console (snapshots in callbacks).
    content = models.BinaryField(null=True, blank=True, editable=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["recording", "name"], name="one_file_name_per_recording")]

    def __str__(self) -> str:
        return self.name


class CallbackReceipt(models.Model):
    """Every vendor callback that passed its signature check, so an identical one is a replay."""

    vendor_account = models.ForeignKey("credentials.VendorAccount", on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=128)
    recording = models.ForeignKey(Recording, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks")
    outcome = models.CharField(max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["vendor_account", "signature"], name="one_receipt_per_signature")
        ]


class AutoRecording(models.Model):
    """Automatic recording of every channel of an app under one rule, as the console started it
    (the vendor has no read for it)."""

    app = models.ForeignKey("rtc.RtcApp", on_delete=models.CASCADE, related_name="auto_recordings")
    rule_id = models.CharField(max_length=40)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
