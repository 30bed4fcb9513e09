"""dashboard/live/history.py: a day's channel records, a user's sessions, one channel."""

from __future__ import annotations

from django.urls import reverse

from tests.dashboard.conftest import HTMX, logged_in


def test_history_lists_a_days_records_finds_a_user_and_shows_a_channel(live) -> None:
    tenants, _sim, app, channel = live
    viewer = logged_in(tenants.acme_viewer)
    url = reverse("live:channel_history", args=["acme", app.pk])
    page = viewer.get(url).content.decode()
    assert 'id="history-records"' in page and channel.channel_id in page
    assert 'id="user-menu"' in page  # the page keeps its header (the signed-in user is not shadowed)
    mine = viewer.get(url, {"user": "alice"}, headers=HTMX).content.decode()
    assert channel.channel_id in mine and "alice was in" in mine
    bad = viewer.get(url, {"day": "yesterday"}).content.decode()
    assert "is not a date" in bad
    detail = viewer.get(
        reverse("live:channel_history_detail", args=["acme", app.pk]), {"channel": channel.channel_id}
    ).content.decode()
    assert 'id="tier-minutes"' in detail and 'data-chart="chart-users"' in detail and "alice" in detail
