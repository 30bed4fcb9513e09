"""dashboard/live/views.py: the live page, member sessions, the channel list, watching and opening
channels, vendors without a membership read."""

from __future__ import annotations

from django.urls import reverse

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.live.models import Channel
from dashboard.live.poll import poll_channels, poll_due
from tests.dashboard.conftest import HTMX, World2, logged_in


def test_the_live_page_lists_members_counts_and_hides_kick_from_viewers(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    poll_channels(tenants.acme_account, [channel])
    url = reverse("live:channel_detail", args=["acme", channel.pk])
    page = logged_in(tenants.acme_admin).get(url).content.decode()
    assert (
        "alice" in page
        and "Kick selected" in page
        and "data-live-poll" in page
        and 'data-chart="chart-concurrency"' in page
    )
    fragment = logged_in(tenants.acme_viewer).get(url, {"q": "bo"}, headers=HTMX).content.decode()
    assert fragment.strip().startswith('<div id="live"') and 'data-user="bob"' in fragment
    assert 'data-user="alice"' not in fragment and "Kick" not in fragment


def test_member_session_asks_the_vendor_on_demand(live) -> None:
    tenants, _sim, _app, channel = live
    response = logged_in(tenants.acme_viewer).get(
        reverse("live:member_session", args=["acme", channel.pk]), {"user": "alice"}
    )
    assert response.status_code == 200 and b"joined" in response.content


def test_channel_list_searches_by_channel_and_by_user(live) -> None:
    tenants, _sim, app, channel = live
    Channel.objects.create(app=app, channel_id="other-room")
    poll_channels(tenants.acme_account, [channel])
    url = reverse("live:channel_list", args=["acme", tenants.acme_account.pk])
    viewer = logged_in(tenants.acme_viewer)
    both = viewer.get(url).content.decode()
    assert channel.channel_id in both and "other-room" in both
    assert both.index(channel.channel_id) < both.index("other-room")  # live first
    by_user = viewer.get(url, {"user": "carol"}, headers=HTMX).content.decode()
    assert channel.channel_id in by_user and "other-room" not in by_user and "carol is in it" in by_user
    by_id = viewer.get(url, {"q": "other"}, headers=HTMX).content.decode()
    assert "other-room" in by_id and channel.channel_id not in by_id


def test_watch_by_id_looks_the_channel_up_now(live) -> None:
    tenants, _sim, app, channel = live
    Channel.objects.filter(pk=channel.pk).delete()
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_watch", args=["acme", tenants.acme_account.pk]),
        {"app": app.pk, "channel_id": channel.channel_id},
        follow=True,
    )
    assert response.status_code == 200 and b"3 in it now" in response.content
    watched = Channel.objects.get(app=app, channel_id=channel.channel_id)
    assert watched.watched and watched.discovered_by == "watch" and watched.member_count == 3


def test_isdp_pages_say_there_is_no_membership_read_and_kick_and_close_by_id(
    two_tenants: World2, other_vendors
) -> None:
    world, accounts = other_vendors
    account = accounts["isdp"]
    app = account.apps.get()
    channel_id = world.app(app.app_id).channels[0].channel_id
    world.join(app.app_id, channel_id, "stuck-user")
    admin = logged_in(two_tenants.acme_admin)
    watched = admin.post(
        reverse("live:channel_watch", args=["acme", account.pk]), {"app": app.pk, "channel_id": channel_id}, follow=True
    )
    page = watched.content.decode()
    assert "has no API that says who is in a channel" in page and "Remove users by id" in page
    channel = Channel.objects.get(app=app, channel_id=channel_id)
    assert channel.watched and channel.last_polled_at is None  # nothing to poll at ISDP+
    assert poll_due(account).polled == 0  # and the scheduled job leaves it alone
    url = reverse("live:channel_kick", args=["acme", channel.pk])
    result = admin.post(url, {"users": "stuck-user\nnever-here"}).content.decode()
    assert "1 removed" in result and "1 refused" in result and "1001001" in result
    assert not [s for s in world.live_sessions(app.app_id, channel_id) if s.user_id == "stuck-user"]
    assert AuditEntry.objects.filter(action="live.kick", vendor="isdp").count() == 2
    if not world.live_sessions(app.app_id, channel_id):
        world.join(app.app_id, channel_id, "someone-else")
    closed = admin.post(reverse("live:channel_close", args=["acme", channel.pk]), {"confirm_channel_id": channel_id})
    assert closed.status_code == 302 and not world.live_sessions(app.app_id, channel_id)
    assert AuditEntry.objects.get(action="live.close_channel").outcome == Outcome.SUCCESS


def test_an_admin_opens_a_uprtc_room_which_is_then_watched_and_polled(two_tenants: World2, other_vendors) -> None:
    _world, accounts = other_vendors
    account = accounts["uprtc"]
    app = account.apps.get()
    admin = logged_in(two_tenants.acme_admin)
    response = admin.post(
        reverse("live:channel_create", args=["acme", account.pk]),
        {"app": app.pk, "mode": "communication", "owner_id": "teacher-1", "channel_id": ""},
        follow=True,
    )
    assert response.status_code == 200 and b"opened and watched" in response.content
    entry = AuditEntry.objects.get(action="live.create_channel")
    channel = Channel.objects.get(app=app, channel_id=entry.detail["channel"])
    assert channel.discovered_by == "console" and channel.watched and channel.last_polled_at
    assert channel.poll_error == "" and b"Nobody is in this channel." in response.content
    refused = logged_in(two_tenants.acme_viewer).post(
        reverse("live:channel_create", args=["acme", account.pk]),
        {"app": app.pk, "mode": "communication", "owner_id": "x"},
    )
    assert refused.status_code == 403


def test_the_recent_events_say_how_many_there_are_when_cut(live) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dashboard.live.models import EventKind, MemberEvent

    tenants, _sim, _app, channel = live
    url = reverse("live:channel_detail", args=["acme", channel.pk])
    now = timezone.now()
    MemberEvent.objects.bulk_create(
        MemberEvent(channel=channel, user_id=f"u{n}", kind=EventKind.JOIN, at=now - timedelta(seconds=n))
        for n in range(20)
    )
    assert "data-shown-of" not in logged_in(tenants.acme_viewer).get(url).content.decode()
    total = MemberEvent.objects.filter(channel=channel).count() + 37
    MemberEvent.objects.bulk_create(
        MemberEvent(channel=channel, user_id=f"v{n}", kind=EventKind.JOIN, at=now - timedelta(hours=1, seconds=n))
        for n in range(37)
    )
    page = logged_in(tenants.acme_viewer).get(url).content.decode()
    assert f'data-shown-of="20/{total}"' in page and f"The latest 20 of {total} shown." in page
