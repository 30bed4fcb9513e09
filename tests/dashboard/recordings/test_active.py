"""dashboard/recordings/active.py and active_views.py: every running push and recording of a
tenant in one table (staff: of every tenant), with stop; a channel's page shows its own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel
from dashboard.mixing.models import MixingTask, TaskState
from dashboard.recordings.models import Recording, State
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import World2, logged_in

pytestmark = pytest.mark.usefixtures("english")


def push(channel: Channel, task_id: str, state: str = TaskState.RUNNING) -> MixingTask:
    return MixingTask.objects.create(
        channel=channel,
        task_id=task_id,
        stream_url="rtmp://cdn/x",
        media_encode=20,
        task_profile="4IN_720P",
        state=state,
    )


def rec(channel: Channel, recording_id: str, state: str = State.RECORDING) -> Recording:
    tenant = channel.app.vendor_account.tenant
    return Recording.objects.create(tenant=tenant, channel=channel, recording_id=recording_id, state=state)


@pytest.fixture
def running(two_tenants: World2) -> dict[str, Channel]:
    w = two_tenants
    second = VendorAccount.objects.create(tenant=w.acme, vendor="anyrtc", label="Acme anyRTC")
    other_app = RtcApp.objects.create(vendor_account=second, app_id="any-app", name="Any")
    acme_room = Channel.objects.create(app=w.acme_manual_app, channel_id="acme-room")
    acme_other = Channel.objects.create(app=other_app, channel_id="acme-other")
    harbor_app = RtcApp.objects.create(vendor_account=w.harbor_account, app_id="harbor-app", name="H")
    harbor_room = Channel.objects.create(app=harbor_app, channel_id="harbor-room")
    push(acme_room, "push-running")
    push(acme_room, "push-stopped", TaskState.STOPPED)
    rec(acme_other, "rec-running")
    rec(acme_other, "rec-finished", State.FINISHED)
    rec(harbor_room, "rec-harbor")
    return {"acme_room": acme_room, "acme_other": acme_other, "harbor_room": harbor_room}


def test_a_tenant_sees_its_running_pushes_and_recordings_across_accounts(two_tenants: World2, running) -> None:
    page = logged_in(two_tenants.acme_admin).get(reverse("recordings:active_tasks", args=["acme"])).content.decode()
    assert 'data-task="push:push-running"' in page and 'data-task="recording:rec-running"' in page
    assert "Acme anyRTC" in page and "Acme Aliyun" in page  # across vendor accounts
    for gone in ("push-stopped", "rec-finished", "rec-harbor"):
        assert gone not in page
    assert "1 push · 1 recording" in page


def test_stop_is_offered_to_admins_through_the_confirmed_audited_stop(two_tenants: World2, running) -> None:
    admin = logged_in(two_tenants.acme_admin).get(reverse("recordings:active_tasks", args=["acme"])).content.decode()
    task = MixingTask.objects.get(task_id="push-running")
    recording = Recording.objects.get(recording_id="rec-running")
    assert f'href="{reverse("mixing:push_stop", args=["acme", task.pk])}">Stop</a>' in admin
    assert f'href="{reverse("recordings:recording_stop", args=["acme", recording.pk])}">Stop</a>' in admin
    # Viewers see what runs, and no stop.
    viewer = logged_in(two_tenants.acme_viewer).get(reverse("recordings:active_tasks", args=["acme"])).content.decode()
    assert "push-running" in viewer and ">Stop</a>" not in viewer
    # A recording whose stop was asked is not offered again.
    Recording.objects.filter(pk=recording.pk).update(state=State.STOPPING, stop_requested_at=recording.started_at)
    again = logged_in(two_tenants.acme_admin).get(reverse("recordings:active_tasks", args=["acme"])).content.decode()
    assert reverse("recordings:recording_stop", args=["acme", recording.pk]) not in again and "stop asked" in again


def test_staff_see_every_tenants_tasks_with_the_tenant_named(two_tenants: World2, running) -> None:
    page = logged_in(two_tenants.staff).get(reverse("staff:all_active_tasks")).content.decode()
    assert "push-running" in page and "rec-running" in page and "rec-harbor" in page
    assert "Blue Harbor" in page and "Acme Rooms" in page
    # Stop where the vendor can stop it: acme's recording is at anyRTC; harbor's, left on an
    # Aliyun account (Aliyun does not record), is listed without a stop.
    acme_recording = Recording.objects.get(recording_id="rec-running")
    harbor_recording = Recording.objects.get(recording_id="rec-harbor")
    assert reverse("recordings:recording_stop", args=["acme", acme_recording.pk]) in page
    assert reverse("recordings:recording_stop", args=["harbor", harbor_recording.pk]) not in page
    assert logged_in(two_tenants.acme_admin).get(reverse("staff:all_active_tasks")).status_code == 403


def test_a_channels_page_shows_what_is_running_on_it(two_tenants: World2, running) -> None:
    admin = logged_in(two_tenants.acme_admin)
    page = admin.get(reverse("live:channel_detail", args=["acme", running["acme_room"].pk])).content.decode()
    section = page[page.index('id="running-on-channel"') :]
    assert "push-running" in section and "rec-running" not in section  # that one runs on another channel
    quiet = Channel.objects.create(app=two_tenants.acme_manual_app, channel_id="quiet-room")
    assert (
        'id="running-on-channel"'
        not in admin.get(reverse("live:channel_detail", args=["acme", quiet.pk])).content.decode()
    )


def test_nothing_running_says_so(two_tenants: World2) -> None:
    page = logged_in(two_tenants.acme_admin).get(reverse("recordings:active_tasks", args=["acme"])).content.decode()
    assert 'id="no-active-tasks"' in page
