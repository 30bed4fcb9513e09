"""Channels the console knows about, and what each poll of their membership saw.

A poll stores one `Snapshot` (counts only), keeps `Presence` as the members listed now,
and writes a `MemberEvent` for every join and leave between two polls. Replaying the
events gives the member list at any past poll, so member lists are not copied per poll.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vendors.base.types import ChannelMode, MemberRole


class Discovery(models.TextChoices):
    RECORDS = "records", _("Vendor's channel records")
    CONSOLE = "console", _("Created or looked up in the console")
    WATCH = "watch", _("Added to the watch list")


class Mode(models.TextChoices):
    COMMUNICATION = ChannelMode.COMMUNICATION.value, _("Communication")
    INTERACTIVE_LIVE = ChannelMode.INTERACTIVE_LIVE.value, _("Interactive live")
    UNKNOWN = ChannelMode.UNKNOWN.value, _("Unknown")


class Role(models.TextChoices):
    COMMUNICATION = MemberRole.COMMUNICATION.value, _("Participant")
    INTERACTIVE = MemberRole.INTERACTIVE.value, _("Host")
    CO_HOST = MemberRole.CO_HOST.value, _("Co-host")
    VIEWER = MemberRole.VIEWER.value, _("Viewer")
    UNKNOWN = MemberRole.UNKNOWN.value, _("Unknown")


class Channel(models.Model):
    app = models.ForeignKey("rtc.RtcApp", on_delete=models.CASCADE, related_name="channels")
    channel_id = models.CharField(_("channel id"), max_length=128)
    discovered_by = models.CharField(max_length=10, choices=Discovery.choices, default=Discovery.RECORDS)
    watched = models.BooleanField(_("watched"), default=False, help_text=_("Polled even when nobody is in it."))
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.UNKNOWN)
    is_live = models.BooleanField(default=False)
    live_since = models.DateTimeField(null=True, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    role_counts = models.JSONField(default=dict, blank=True)
    listed_count = models.PositiveIntegerField(default=0, help_text=_("Members the vendor listed by id."))
    peak_members = models.PositiveIntegerField(default=0)
    peak_at = models.DateTimeField(null=True, blank=True)
    observed_member_minutes = models.FloatField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_seen_live_at = models.DateTimeField(null=True, blank=True)
    poll_error = models.TextField(blank=True)
    poll_error_code = models.CharField(max_length=100, blank=True)
    poll_error_request_id = models.CharField(max_length=100, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_live", "-member_count", "channel_id"]
        constraints = [models.UniqueConstraint(fields=["app", "channel_id"], name="one_channel_per_app")]
        indexes = [models.Index(fields=["is_live", "watched"], name="live_channel_due")]

    def __str__(self) -> str:
        return self.channel_id

    @property
    def is_closed(self) -> bool:
        """Closed from the console and not seen live again since (a room id can be reused):
        the page then offers neither close nor a new push or recording."""
        if self.closed_at is None:
            return False
        return not (self.is_live and self.live_since is not None and self.live_since > self.closed_at)


class Snapshot(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="snapshots")
    observed_at = models.DateTimeField()
    exists = models.BooleanField(default=True)
    total = models.PositiveIntegerField(default=0)
    role_counts = models.JSONField(default=dict, blank=True)
    joined = models.PositiveIntegerField(default=0)
    left = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["channel", "observed_at"], name="snapshot_channel_time")]


class Presence(models.Model):
    """A member as the latest poll listed them (or as a kick left them, until a poll confirms)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="presences")
    user_id = models.CharField(_("user id"), max_length=128)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.UNKNOWN)
    first_seen_at = models.DateTimeField(help_text=_("The poll that first listed this member."))
    # Listed by the first poll of a live span: they joined at some time before it.
    there_before = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField()
    kicked_at = models.DateTimeField(null=True, blank=True)
    kicked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["first_seen_at", "user_id"]
        constraints = [models.UniqueConstraint(fields=["channel", "user_id"], name="one_presence_per_member")]
        indexes = [models.Index(fields=["user_id"], name="presence_user")]


class EventKind(models.TextChoices):
    JOIN = "join", _("joined")
    LEAVE = "leave", _("left")


class Cause(models.TextChoices):
    NONE = "", _("—")
    KICKED = "kicked", _("kicked")
    CLOSED = "closed", _("channel closed")
    REJOIN = "rejoin", _("back after a kick")
    THERE_BEFORE = "before", _("already in when polling began")


class MemberEvent(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="events")
    user_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=5, choices=EventKind.choices)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.UNKNOWN)
    at = models.DateTimeField()
    cause = models.CharField(max_length=10, choices=Cause.choices, default=Cause.NONE, blank=True)

    class Meta:
        ordering = ["-at", "user_id"]
        indexes = [
            models.Index(fields=["channel", "at"], name="event_channel_time"),
            models.Index(fields=["user_id", "at"], name="event_user_time"),
        ]
