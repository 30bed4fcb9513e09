"""Home fixtures: both tenants with live channels, a week of minutes up to today, recordings in
every state the home page counts, a running push, audit entries and an account in trouble."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from dashboard.audit.models import AuditEntry
from dashboard.live.models import Channel, MemberEvent, Presence
from dashboard.mixing.models import MixingTask
from dashboard.recordings.models import Recording
from dashboard.rtc.models import RtcApp
from dashboard.usage import rollups
from dashboard.usage.models import UsageSample
from tests.dashboard.conftest import World2

LIVE_USER = "user-42"


def minutes(app: RtcApp, scale: int) -> None:
    """Daily minutes for today and the eight days before it (distinct per day and tier)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for back in range(9):
        tiers = {"audio": 100 * scale + back, "v360": 10 * scale, "v720": back, "v1080": 0, "content": 1}
        rows.append(
            UsageSample(
                app=app,
                metric="duration",
                interval=86400,
                timestamp=today - timedelta(days=back),
                value=sum(tiers.values()),
                **tiers,
            )
        )
        rows.append(  # another statistic of the same day: never counted as minutes
            UsageSample(app=app, metric="active_users", interval=86400, timestamp=today - timedelta(days=back), value=9)
        )
    UsageSample.objects.bulk_create(rows)
    rollups.rebuild()  # written here, not by the sync, which keeps them


def channel(app: RtcApp, channel_id: str, members: int) -> Channel:
    return Channel.objects.create(
        app=app,
        channel_id=channel_id,
        is_live=members > 0,
        member_count=members,
        live_since=timezone.now() if members else None,
        last_polled_at=timezone.now(),
    )


@pytest.fixture
def cockpit(two_tenants: World2) -> World2:
    return seed_cockpit(two_tenants)


def seed_cockpit(w: World2) -> World2:
    now = timezone.now()
    acme_app = RtcApp.objects.create(vendor_account=w.acme_account, app_id="acme-app", name="Acme Main")
    harbor_app = RtcApp.objects.create(vendor_account=w.harbor_account, app_id="harbor-app", name="Harbor Main")
    minutes(acme_app, 1)
    minutes(harbor_app, 3)
    w.acme_live = channel(acme_app, "acme-room-1", 4)
    channel(acme_app, "acme-room-2", 5)
    w.acme_quiet = channel(acme_app, "acme-quiet", 0)
    channel(harbor_app, "harbor-room-1", 2)
    Presence.objects.create(channel=w.acme_live, user_id=LIVE_USER, first_seen_at=now, last_seen_at=now)
    MemberEvent.objects.create(channel=w.acme_quiet, user_id=LIVE_USER, kind="join", at=now - timedelta(hours=3))
    MemberEvent.objects.create(channel=w.acme_quiet, user_id=LIVE_USER, kind="leave", at=now - timedelta(hours=2))
    Recording.objects.create(channel=w.acme_live, recording_id="acme-rec-failed", state="failed", detail="no disk")
    Recording.objects.create(channel=w.acme_live, recording_id="acme-rec-running", state="recording")
    Recording.objects.create(channel=w.acme_quiet, recording_id="acme-rec-done", state="finished", file_count=2)
    w.acme_push = MixingTask.objects.create(
        channel=w.acme_live,
        task_id="acme-task-1",
        stream_url="rtmp://cdn/acme",
        media_encode=2,
        task_profile="4IN_720P",
        state="running",
    )
    for tenant, request_id in ((w.acme, "REQ-ACME-1"), (w.harbor, "REQ-HARBOR-1")):
        AuditEntry.objects.create(
            actor_name="someone",
            tenant=tenant,
            tenant_name=tenant.name,
            action="live.kick",
            target=f"{tenant.slug}-target",
            outcome="success",
            vendor_request_id=request_id,
        )
    w.harbor_account.last_check_outcome = "failed"
    w.harbor_account.last_check_error = "InvalidAccessKeyId"
    w.harbor_account.save()
    return w
