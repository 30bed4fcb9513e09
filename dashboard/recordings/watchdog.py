"""Which recordings need a person, and why.

A recording needs attention when it failed, when it ended without a single file, or when
it is meant to be moving (starting, stopping, unknown) and nothing has moved for
RECORDING_STALL_MINUTES. A recording that records is healthy however long it runs: at a
vendor that reports only by callback, the console cannot tell a long recording from a
lost one until it is stopped.

Only recordings started in the last RECORDING_ATTENTION_DAYS are flagged: what went wrong
months ago is history (the state filters still find it), and the list stays fast with
years of recordings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from vendors.base.provider import Capability

from .models import Recording, State

MOVING = (State.STARTING, State.STOPPING, State.UNKNOWN)


def stall() -> timedelta:
    return timedelta(minutes=settings.RECORDING_STALL_MINUTES)


def needs_attention(now: datetime) -> Q:
    cutoff = now - stall()
    stuck = Q(state__in=MOVING, progressed_at__lt=cutoff)
    recent = Q(started_at__gte=now - timedelta(days=settings.RECORDING_ATTENTION_DAYS))
    return recent & (stuck | Q(state=State.FAILED) | Q(state=State.FINISHED, file_count=0))


def problem(recording: Recording, now: datetime) -> str:
    """Why the recording needs attention ("" when it does not)."""
    minutes = int((now - recording.progressed_at).total_seconds() // 60)
    said = recording.vendor_status or recording.get_state_display()
    if recording.state == State.FAILED:
        return _("Failed: %(why)s") % {"why": recording.detail or said}
    if recording.state == State.FINISHED and recording.file_count == 0:
        return _("Ended without files: %(why)s") % {
            "why": recording.detail or _("the vendor listed no file (did anyone publish?)")
        }
    if now - recording.progressed_at < stall():
        return ""
    if recording.state == State.STOPPING and recording.channel.app.vendor_account.info.can(
        Capability.RECORDING_CALLBACKS
    ):
        return _("Stopped %(minutes)s minutes ago and no callback with its files has arrived.") % {"minutes": minutes}
    if recording.state in MOVING:
        if recording.check_error:
            return _("No progress for %(minutes)s minutes; the vendor did not answer: %(error)s") % {
                "minutes": minutes,
                "error": recording.check_error,
            }
        return _("No progress for %(minutes)s minutes: the vendor still says “%(status)s”.") % {
            "minutes": minutes,
            "status": said,
        }
    return ""


def flag(recordings: list[Recording], now: datetime) -> list[Recording]:
    for recording in recordings:
        recording.problem = problem(recording, now)
    return recordings
