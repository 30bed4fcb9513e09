"""dashboard/live/filters.py: channel, member and history filters are the page's address and take this
account's apps only."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel, Presence, Role
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.filter_bars import filter_bar, names, option_values, pushes_the_address

pytestmark = pytest.mark.usefixtures("english")


# --- channels and their members -----------------------------------------------------------------


def test_channel_filters_are_the_address_and_take_this_accounts_apps_only(two_tenants: World2) -> None:
    w = two_tenants
    own_app = w.acme_manual_app
    second_app = RtcApp.objects.create(vendor_account=w.acme_account, app_id="second-app", source="manual")
    other_account = VendorAccount(tenant=w.acme, vendor="anyrtc", label="Other", endpoint="http://anyrtc.sim")
    other_account.set_credentials({})
    other_account.save()
    sibling_app = RtcApp.objects.create(vendor_account=other_account, app_id="sibling-app", source="manual")
    foreign_app = RtcApp.objects.create(vendor_account=w.harbor_account, app_id="foreign-app", source="manual")
    Channel.objects.create(app=own_app, channel_id="room-one")
    busy = Channel.objects.create(app=second_app, channel_id="room-two", is_live=True, member_count=1)
    Presence.objects.create(channel=busy, user_id="carol", first_seen_at=timezone.now(), last_seen_at=timezone.now())
    Channel.objects.create(app=foreign_app, channel_id="room-foreign")
    client = logged_in(w.acme_viewer)
    url = reverse("live:channel_list", args=["acme", w.acme_account.pk])

    page = client.get(url, {"q": "room", "user": "carol", "show": "live", "app": second_app.pk}).content.decode()
    form = filter_bar(page)
    pushes_the_address(form, "#channels")
    assert names(form) == {"app", "q", "user", "show"}
    assert 'name="q" value="room"' in form and 'name="user" value="carol"' in form
    assert f'<option value="{second_app.pk}" selected>' in form and '<option value="live" selected>' in form
    assert option_values(form, "app") == {str(own_app.pk), str(second_app.pk)}
    # The user filter's help is tied to its input for screen readers.
    assert 'aria-describedby="filter-user_helptext"' in form
    channels = page[page.index('<div id="channels">') :]
    assert "room-two" in channels and "carol is in it" in channels and "room-one" not in channels

    for stranger in (sibling_app, foreign_app):
        refused = client.get(url, {"app": stranger.pk}).content.decode()
        assert "Select a valid choice" in refused and f'<option value="{stranger.pk}"' not in refused
        listed = refused[refused.index('<div id="channels">') :]
        assert "room-one" in listed and "room-two" in listed and "room-foreign" not in listed


def test_the_member_filter_of_the_live_page_is_the_address(two_tenants: World2) -> None:
    channel = Channel.objects.create(app=two_tenants.acme_manual_app, channel_id="room", is_live=True)
    now = timezone.now()
    Presence.objects.create(
        channel=channel, user_id="alice", role=Role.INTERACTIVE, first_seen_at=now, last_seen_at=now
    )
    Presence.objects.create(channel=channel, user_id="bob", role=Role.VIEWER, first_seen_at=now, last_seen_at=now)
    client = logged_in(two_tenants.acme_viewer)
    url = reverse("live:channel_detail", args=["acme", channel.pk])
    page = client.get(url, {"q": "b", "role": Role.VIEWER}).content.decode()
    form = filter_bar(page, "member-filters")
    pushes_the_address(form, "#live")
    assert names(form) == {"q", "role"} and f'<option value="{Role.VIEWER}" selected>' in form
    assert 'data-user="bob"' in page and 'data-user="alice"' not in page


# --- history (read from the vendor) ---------------------------------------------------------------


def test_the_history_day_and_user_are_the_address(two_tenants: World2) -> None:
    client = logged_in(two_tenants.acme_viewer)
    url = reverse("live:channel_history", args=["acme", two_tenants.acme_manual_app.pk])
    form = filter_bar(client.get(url, {"day": "2024-01-02", "user": "bob"}).content.decode())
    assert 'hx-push-url="true"' in form and 'hx-target="#records"' in form
    # Each reload asks the vendor: on a change or a submit, not on every pause in typing.
    assert 'hx-trigger="change, submit"' in form
    assert names(form) == {"day", "user"}
    assert 'name="day" value="2024-01-02"' in form and 'name="user" value="bob"' in form
    today = timezone.now().date().isoformat()
    assert f'name="day" value="{today}"' in filter_bar(client.get(url).content.decode())
    future = filter_bar(client.get(url, {"day": "2099-01-01"}).content.decode())
    assert 'aria-describedby="filter-day_error"' in future and "That day has not come yet; showing today." in future
