"""The list filters (dashboard/core/filters.py and each app's filters.py): every filter is a
query key of the page's address, a refused value is said beside its input and left out, and
an id of another tenant's (or another account's) object is neither offered nor accepted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dashboard.audit.log import record
from dashboard.core.filters import DayField, IdChoiceField, TextField
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel, Presence, Role
from dashboard.recordings.models import Recording, State
from dashboard.rtc.models import RtcApp

from .conftest import HTMX, World2, logged_in

FILTER_BAR = re.compile(r'<form method="get" role="search"[^>]*>.*?</form>', re.S)


def filter_bar(html: str, form_id: str = "filters") -> str:
    for form in FILTER_BAR.findall(html):
        if f'id="{form_id}"' in form:
            return form
    pytest.fail(f"no filter bar #{form_id}")


def names(form: str) -> set[str]:
    return set(re.findall(r'<(?:input|select)[^>]* name="([^"]+)"', form))


def option_values(form: str, name: str) -> set[str]:
    select = re.search(rf'<select name="{name}".*?</select>', form, re.S)
    assert select, name
    return set(re.findall(r'<option value="([^"]*)"', select.group(0))) - {""}


def pushes_the_address(form: str, target: str) -> None:
    assert 'hx-push-url="true"' in form and f'hx-target="{target}"' in form
    # Typing in any input reloads (not only in the first one, as the channel list's bar did).
    assert 'hx-trigger="input changed delay:300ms, submit"' in form


# --- the shared fields --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_an_id_choice_takes_ascii_digits_of_its_queryset_only(two_tenants: World2) -> None:
    field = IdChoiceField(queryset=VendorAccount.objects.filter(tenant=two_tenants.acme), required=False)
    own = two_tenants.acme_account.pk
    assert field.clean(str(own)) == two_tenants.acme_account
    assert field.clean(f" {own} ") == two_tenants.acme_account
    assert field.clean("") is None
    # Python's int() reads Arabic-Indic and fullwidth digits; a bigint stops at 2**63 - 1.
    arabic = "".join(chr(0x0660 + int(d)) for d in str(own))
    for text in (str(two_tenants.harbor_account.pk), arabic, "²", str(2**63), "9" * 5000, "-1", "1\x00"):
        with pytest.raises(Exception, match="valid choice"):
            field.clean(text)


def test_a_day_is_yyyy_mm_dd_within_its_bounds() -> None:
    field = DayField(earliest=date(2000, 1, 1), latest=date(2024, 6, 1), required=False)
    assert field.clean("2024-02-29") == date(2024, 2, 29)
    assert field.clean(" ") is None
    for text, said in (
        ("2024-02-30", "Enter a date as YYYY-MM-DD."),
        ("06/01/2024", "Enter a date as YYYY-MM-DD."),
        ("99999-01-01", "Enter a date as YYYY-MM-DD."),
        ("1999-12-31", "Enter a day from 2000-01-01 on."),
        ("2024-06-02", "Enter a day up to 2024-06-01."),
    ):
        with pytest.raises(Exception, match=re.escape(said)):
            field.clean(text)


def test_a_text_loses_control_characters_and_is_cut_never_refused() -> None:
    field = TextField(max_length=5, required=False)
    assert field.clean(" a\x00b\x1fc ") == "abc"
    assert field.clean("abcdefgh") == "abcde"
    assert 'maxlength="5"' in str(field.widget.render("q", "", field.widget_attrs(field.widget)))


# --- the audit log ------------------------------------------------------------------------------


def test_the_audit_filters_are_the_address_and_a_bookmark_restores_them(two_tenants: World2) -> None:
    w = two_tenants
    record(w.acme_admin, "account.test", vendor_account=w.acme_account, target="Acme Aliyun", vendor_request_id="R-1")
    record(w.acme_admin, "account.update", vendor_account=w.acme_account, vendor_request_id="R-2")
    client = logged_in(w.acme_admin)
    url = reverse("audit:tenant_audit", args=["acme"])
    query = {"q": "R-", "action": "account.update", "outcome": "success", "since": "2000-01-01", "until": "2099-12-31"}
    page = client.get(url, query).content.decode()
    form = filter_bar(page)
    pushes_the_address(form, "#entries")
    assert names(form) == set(query)
    for key, value in query.items():
        assert f'name="{key}" value="{value}"' in form or f'<option value="{value}" selected>' in form, key
    entries = page[page.index('<div id="entries">') :]
    assert "R-2" in entries and "R-1" not in entries
    # A refused value is said beside its input and left out: the other filters still apply.
    refused = client.get(url, query | {"since": "2024-02-30"}).content.decode()
    assert 'aria-describedby="filter-since_error"' in refused and "Enter a date as YYYY-MM-DD." in refused
    assert "R-2" in refused[refused.index('<div id="entries">') :]


# --- recordings ---------------------------------------------------------------------------------


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
