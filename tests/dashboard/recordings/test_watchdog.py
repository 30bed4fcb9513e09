"""dashboard/recordings/watchdog.py: stuck and empty recordings are flagged with the reason."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from dashboard.live.models import Channel
from dashboard.recordings.models import Recording, State
from tests.dashboard.conftest import logged_in
from tests.dashboard.recordings.conftest import (
    Setup,
)


def test_the_watchdog_flags_stuck_and_empty_recordings_and_says_why(setup: Setup, settings) -> None:
    settings.RECORDING_STALL_MINUTES = 10
    old = timezone.now() - timedelta(minutes=25)
    anyrtc, isdp = setup.channels["anyrtc"], setup.channels["isdp"]

    def make(channel: Channel, recording_id: str, **fields: object) -> Recording:
        recording = Recording.objects.create(channel=channel, recording_id=recording_id, **fields)
        Recording.objects.filter(pk=recording.pk).update(progressed_at=fields.get("progressed_at", timezone.now()))
        return recording

    make(anyrtc, "healthy", state=State.RECORDING, file_count=2)
    make(anyrtc, "long-but-fine", state=State.RECORDING, file_count=1, progressed_at=old)
    make(anyrtc, "stuck-starting", state=State.STARTING, vendor_status="4 recorder_ready", progressed_at=old)
    make(anyrtc, "empty", state=State.FINISHED, detail="nobody published: no file was made")
    make(isdp, "no-callback", state=State.STOPPING, stop_requested_at=old, progressed_at=old)
    make(anyrtc, "broken", state=State.FAILED, detail="20 abnormal_exit")
    long_ago = make(anyrtc, "failed-last-year", state=State.FAILED, detail="old")
    Recording.objects.filter(pk=long_ago.pk).update(started_at=timezone.now() - timedelta(days=300))
    admin = logged_in(setup.tenants.acme_viewer)
    page = admin.get(reverse("recordings:recording_list", args=["acme"])).content.decode()
    assert "4 recordings need attention." in page
    assert "No progress for 25 minutes: the vendor still says “4 recorder_ready”." in page
    assert "Ended without files: nobody published: no file was made" in page
    assert "Stopped 25 minutes ago and no callback with its files has arrived." in page
    assert "Failed: 20 abnormal_exit" in page
    flagged = admin.get(reverse("recordings:recording_list", args=["acme"]), {"show": "attention"}).content.decode()
    for name in ("stuck-starting", "empty", "no-callback", "broken"):
        assert f'data-recording="{name}"' in flagged
    for name in ("healthy", "long-but-fine", "failed-last-year"):  # history, not news
        assert f'data-recording="{name}"' not in flagged
    assert (
        'data-recording="failed-last-year"'
        in admin.get(reverse("recordings:recording_list", args=["acme"]), {"show": "failed"}).content.decode()
    )
    tenants = logged_in(setup.tenants.staff).get(reverse("tenancy:tenant_list")).content.decode()
    assert '?show=attention">4</a>' in tenants  # support staff see it before opening the tenant
    settings.RECORDING_STALL_MINUTES = 60
    later = admin.get(reverse("recordings:recording_list", args=["acme"]), {"show": "attention"}).content.decode()
    assert 'data-recording="stuck-starting"' not in later and 'data-recording="empty"' in later
