"""In a real browser: typing or picking in a list's filter bar reloads the list and puts the
filters in the address bar, so the page can be shared, bookmarked and reloaded as it is."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from django.utils import timezone

from dashboard.audit.log import record
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel, Presence
from dashboard.recordings.models import Recording, State
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role, Tenant
from tests.dashboard.conftest import BROWSER, PASSWORD, make_user

pytestmark = BROWSER


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_filters_typed_or_picked_are_in_the_address(transactional_db, browser_page) -> None:
    from playwright.sync_api import expect

    page = browser_page
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    admin = make_user("ada", roles={acme: Role.ADMIN})
    account = VendorAccount(tenant=acme, vendor="anyrtc", label="Recorder", endpoint="http://anyrtc.sim")
    account.set_credentials({})
    account.save()
    app = RtcApp.objects.create(vendor_account=account, app_id="meet", source="manual")
    busy = Channel.objects.create(app=app, channel_id="busy-room", is_live=True, member_count=1, watched=True)
    Channel.objects.create(app=app, channel_id="quiet-room", watched=True)
    now = timezone.now()
    Presence.objects.create(channel=busy, user_id="carol", first_seen_at=now, last_seen_at=now)
    Recording.objects.create(tenant=acme, channel=busy, recording_id="rec-busy", state=State.FAILED)
    record(admin, "account.test", vendor_account=account, vendor_request_id="REQ-SEEN")
    record(admin, "account.update", vendor_account=account, vendor_request_id="REQ-OTHER")

    page.goto("/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    bar = page.locator("#filters")  # the filter bar (a page may hold other forms with the same labels)

    # The channel search by user id: typed, not submitted.
    page.goto(reverse("live:channel_list", args=["acme", account.pk]))
    rows = page.locator("#channels tbody tr")
    expect(rows).to_have_count(2)
    bar.get_by_label("User id").fill("carol")
    expect(page).to_have_url(re.compile(r"[?&]user=carol"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("carol is in it")
    bar.get_by_label("User id").fill("")
    bar.get_by_label("Channel id").fill("quiet")
    expect(page).to_have_url(re.compile(r"[?&]q=quiet"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("quiet-room")
    bar.get_by_label("Show").select_option("live")
    expect(page.locator("#channels")).to_contain_text("No channel matches these filters.")
    assert query(page)["show"] == ["live"] and query(page)["q"] == ["quiet"]
    page.reload()  # the address alone brings the same list and the same filters back
    expect(page.locator("#channels")).to_contain_text("No channel matches these filters.")
    expect(bar.get_by_label("Channel id")).to_have_value("quiet")
    expect(bar.get_by_label("Show")).to_have_value("live")

    # The recordings: picked.
    page.goto(reverse("recordings:recording_list", args=["acme"]))
    bar.get_by_label("Show", exact=True).select_option("finished")
    expect(page).to_have_url(re.compile(r"[?&]show=finished"))
    expect(page.locator("#no-recordings")).to_be_visible()
    bar.get_by_label("Show", exact=True).select_option("failed")
    bar.get_by_label("Vendor account").select_option(str(account.pk))
    expect(page).to_have_url(re.compile(rf"[?&]account={account.pk}"))
    assert query(page)["show"] == ["failed"]
    expect(page.locator("#recording-table")).to_contain_text("busy-room")

    # The audit log: searched and picked.
    page.goto(reverse("audit:tenant_audit", args=["acme"]))
    bar.get_by_label("Search").fill("REQ-SEEN")
    expect(page).to_have_url(re.compile(r"[?&]q=REQ-SEEN"))
    entries = page.locator("#entries tbody tr")
    expect(entries).to_have_count(1)
    bar.get_by_label("Action").select_option("account.update")
    expect(page).to_have_url(re.compile(r"[?&]action=account\.update"))
    expect(page.locator("#entries")).to_contain_text("No entry matches these filters.")
    page.go_back()  # the history holds each filtered state
    expect(page).to_have_url(re.compile(r"\?q=REQ-SEEN$"))  # only the filters in use
    expect(entries).to_have_count(1)
