"""dashboard/recordings/filters.py: only the tenant's own accounts are offered and accepted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel
from dashboard.recordings.models import Recording, State
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import HTMX, World2, logged_in
from tests.dashboard.filter_bars import filter_bar, names, option_values, pushes_the_address

pytestmark = pytest.mark.usefixtures("english")


def _recording_account(tenant, label: str) -> tuple[VendorAccount, Channel]:
    account = VendorAccount(tenant=tenant, vendor="anyrtc", label=label, endpoint="http://anyrtc.sim")
    account.set_credentials({})
    account.save()
    app = RtcApp.objects.create(vendor_account=account, app_id=f"{label}-app", source="manual")
    return account, Channel.objects.create(app=app, channel_id=f"{label}-room")


def test_recordings_filter_by_the_tenants_own_accounts_only(two_tenants: World2) -> None:
    w = two_tenants
    first, first_room = _recording_account(w.acme, "first")
    second, second_room = _recording_account(w.acme, "second")
    foreign, foreign_room = _recording_account(w.harbor, "foreign")
    Recording.objects.create(tenant=w.acme, channel=first_room, recording_id="rec-first", state=State.FINISHED)
    Recording.objects.create(tenant=w.acme, channel=second_room, recording_id="rec-second", state=State.FAILED)
    Recording.objects.create(tenant=w.harbor, channel=foreign_room, recording_id="rec-foreign")
    client = logged_in(w.acme_admin)  # also a viewer of Blue Harbor: its accounts stay out all the same
    url = reverse("recordings:recording_list", args=["acme"])

    page = client.get(url).content.decode()
    form = filter_bar(page)
    pushes_the_address(form, "#recordings")
    assert names(form) == {"show", "account", "q"}
    # Aliyun does not record: only the recording accounts of this tenant are offered.
    assert option_values(form, "account") == {str(first.pk), str(second.pk)}

    mine = client.get(url, {"account": first.pk}, headers=HTMX).content.decode()
    assert "rec-first" in mine and "rec-second" not in mine
    assert list(client.get(url, {"account": first.pk}).context["page"].object_list) == list(
        Recording.objects.filter(channel__app__vendor_account=first)
    )
    # Another tenant's account: refused (said beside the input), the list unfiltered by it.
    refused = client.get(url, {"account": foreign.pk}).content.decode()
    assert "Select a valid choice" in refused and 'id="filter-account"' in refused
    assert f'<option value="{foreign.pk}"' not in refused
    listed = refused[refused.index('<div id="recordings">') :]
    assert "rec-first" in listed and "rec-second" in listed and "rec-foreign" not in listed
    # and alongside the other filters, which still apply
    failed = client.get(url, {"account": foreign.pk, "show": "failed"}, headers=HTMX).content.decode()
    assert "rec-second" in failed and "rec-first" not in failed and "rec-foreign" not in failed
    by_id = client.get(url, {"q": "second-ro"}, headers=HTMX).content.decode()
    assert "rec-second" in by_id and "rec-first" not in by_id
