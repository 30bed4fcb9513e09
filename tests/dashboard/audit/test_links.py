"""dashboard/audit/links.py: an entry's reason shown, and its target linked to the page of what it acted on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.audit.log import record
from dashboard.live.models import Channel
from dashboard.mixing.models import MixingTask
from dashboard.recordings.models import Recording
from tests.dashboard.conftest import World2, logged_in

pytestmark = pytest.mark.usefixtures("english")


def test_kick_and_close_show_their_reason_and_link_the_channel(two_tenants: World2) -> None:
    w = two_tenants
    app = w.acme_manual_app
    channel = Channel.objects.create(app=app, channel_id="room-7")
    record(
        w.acme_admin,
        "live.kick",
        vendor_account=w.acme_account,
        target=f"{app.app_id} / room-7 / troll",
        detail={"app": app.app_id, "channel": "room-7", "user": "troll", "reason": "spamming the chat"},
    )
    record(
        w.acme_admin,
        "live.close_channel",
        vendor_account=w.acme_account,
        target=f"{app.app_id} / gone-room",
        detail={"app": app.app_id, "channel": "gone-room", "reason": ""},
    )
    page = logged_in(w.acme_admin).get(reverse("audit:tenant_audit", args=["acme"])).content.decode()
    channel_url = reverse("live:channel_detail", args=["acme", channel.pk])
    assert f'<a href="{channel_url}">{app.app_id} / room-7 / troll</a>' in page
    assert "Reason: spamming the chat" in page
    assert f"{app.app_id} / gone-room" in page and "gone-room</a>" not in page  # a channel never seen: no link


def test_recordings_pushes_and_accounts_link_their_pages(two_tenants: World2) -> None:
    w = two_tenants
    channel = Channel.objects.create(app=w.acme_manual_app, channel_id="room-8")
    recording = Recording.objects.create(tenant=w.acme, channel=channel, recording_id="rec-8")
    task = MixingTask.objects.create(
        channel=channel, task_id="task-8", stream_url="rtmp://cdn/x", media_encode=20, task_profile="4IN_720P"
    )
    record(
        w.acme_admin,
        "recording.stop",
        vendor_account=w.acme_account,
        target="room-8 / rec-8",
        detail={"recording": "rec-8"},
    )
    record(
        w.acme_admin, "mixing.stop", vendor_account=w.acme_account, target="room-8 / task-8", detail={"task": "task-8"}
    )
    record(w.acme_admin, "account.test", vendor_account=w.acme_account, target="Acme Aliyun")
    page = logged_in(w.acme_admin).get(reverse("audit:tenant_audit", args=["acme"])).content.decode()
    assert f'<a href="{reverse("recordings:recording_detail", args=["acme", recording.pk])}">room-8 / rec-8</a>' in page
    assert f'<a href="{reverse("mixing:push_detail", args=["acme", task.pk])}">room-8 / task-8</a>' in page
    assert f'<a href="{reverse("rtc:account_detail", args=["acme", w.acme_account.pk])}">Acme Aliyun</a>' in page


def test_a_link_never_leads_into_another_tenant(two_tenants: World2) -> None:
    """Harbor's entry naming a channel id Acme also has links nowhere (the account decides)."""
    w = two_tenants
    Channel.objects.create(app=w.acme_manual_app, channel_id="shared-name")
    record(
        w.harbor_admin,
        "live.kick",
        vendor_account=w.harbor_account,
        target="x / shared-name / u",
        detail={"app": w.acme_manual_app.app_id, "channel": "shared-name", "user": "u"},
    )
    page = logged_in(w.staff).get(reverse("staff:all_audit")).content.decode()
    assert "x / shared-name / u" in page and "/t/acme/" not in page[page.index("<tbody>") :]
