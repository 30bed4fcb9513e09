"""In a real browser: an admin pages through a crowded Aliyun channel's participants and
refreshes its nonce; and signs an ISDP+ join token, copies it, and reads it back.

Each journey ends at the simulator: the nonce it holds is the one the page showed, and the
token the page signed lets its user into the channel at the simulator's media server.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from dashboard.audit.models import AuditEntry
from dashboard.credentials.models import VendorAccount
from dashboard.live.channel_access import PARTICIPANTS_PER_PAGE
from dashboard.live.models import Channel, Discovery
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role, Tenant
from tests.dashboard.conftest import BROWSER, CANARY_KEY_ID, CANARY_SECRET, PASSWORD, allow_endpoint, make_user
from vendors.isdp.join_token import JoinParams, join_token
from vendors.isdp.sim import IsdpSimulator, access_key
from vendors.sim.server import SimServer
from vendors.sim.world import ROLE_COMMUNICATION, World, WorldOptions

pytestmark = BROWSER


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_admin_pages_participants_and_refreshes_the_nonce(transactional_db, browser_page, aliyun_sim) -> None:
    from playwright.sync_api import expect

    page = browser_page
    sim = aliyun_sim.simulator
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    make_user("sam", roles={acme: Role.ADMIN})
    account = VendorAccount(
        tenant=acme, vendor="aliyun", label="Production", endpoint=allow_endpoint("aliyun", aliyun_sim.base_url)
    )
    account.set_credentials({"access_key_id": CANARY_KEY_ID, "access_key_secret": CANARY_SECRET})
    account.save()
    app_id = sim.world.apps("aliyun")[0].app_id
    app = RtcApp.objects.create(vendor_account=account, app_id=app_id, name="Meet")
    hall = f"townhall-{timezone.now():%H%M%S%f}"
    crowd = [f"attendee-{n:03d}" for n in range(PARTICIPANTS_PER_PAGE + 12)]
    for user in crowd:
        sim.world.join(app_id, hall, user, role=ROLE_COMMUNICATION)
    channel = Channel.objects.create(app=app, channel_id=hall, watched=True, discovered_by=Discovery.WATCH)

    log_in(page, "sam")
    page.goto(f"/t/acme/channels/{channel.pk}/")
    page.get_by_role("link", name="All participants").click()
    summary = page.locator("[data-participants-summary]")
    expect(summary).to_contain_text(f"{len(crowd)} participants in all; page 1 of 2.")
    first_page = page.locator("#participants tbody tr td.mono").all_inner_texts()
    assert len(first_page) == PARTICIPANTS_PER_PAGE
    page.get_by_role("link", name="Next").click()
    expect(summary).to_contain_text("page 2 of 2.")
    second_page = page.locator("#participants tbody tr td.mono").all_inner_texts()
    assert sorted(first_page + second_page) == crowd  # every member once, across the vendor's pages
    # a participant the vendor has dropped since is gone from the next asking
    sim.world.kick(app_id, hall, second_page[0])
    page.reload()
    expect(summary).to_contain_text(f"{len(crowd) - 1} participants in all")
    # a disruptive participant found on a later page is removed from there
    disruptive = page.locator("#participants tbody tr").first
    name = disruptive.locator("td.mono").inner_text()
    disruptive.get_by_role("link", name="Kick").click()
    page.get_by_role("button", name="Remove 1 user").click()
    expect(page.locator("#kick-results")).to_contain_text("removed")
    assert name not in {s.user_id for s in sim.world.live_sessions(app_id, hall)}
    page.goto(f"/t/acme/channels/{channel.pk}/participants/?page=2")
    expect(summary).to_contain_text(f"{len(crowd) - 2} participants in all")

    # refresh the nonce: the page says what it does, asks for the current one, shows the new one
    page.get_by_role("link", name="Back to the channel").click()
    page.get_by_role("link", name="Refresh nonce").click()
    expect(page.locator("#confirm")).to_contain_text("Join tokens signed with the old nonce stop letting anyone in")
    expect(page.locator("#confirm")).to_contain_text("Nobody already in the channel is removed.")
    old = sim.channel_nonce(app_id, hall)
    page.get_by_label("The channel's current nonce").fill("a-stale-nonce")
    page.get_by_role("button", name="Refresh nonce").click()
    expect(page.locator("[data-vendor-error]")).to_contain_text("Request.InvalidNonce")
    assert sim.channel_nonce(app_id, hall) == old
    page.get_by_label("The channel's current nonce").fill(old)
    page.get_by_label("Reason").fill("a token leaked")
    page.get_by_role("button", name="Refresh nonce").click()
    expect(page.locator("[data-nonce-refreshed]")).to_be_visible()
    shown = page.locator("#new-nonce").input_value()
    assert sim.channel_nonce(app_id, hall) == shown != old  # the simulator holds the nonce the page showed
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    entry = AuditEntry.objects.get(action="live.refresh_nonce", outcome="success")
    assert entry.vendor_request_id and entry.detail["reason"] == "a token leaked"


@pytest.fixture
def isdp_app(transactional_db):
    world = World(WorldOptions(seed=11, apps_per_vendor=2, channels_per_app=3, users_per_app=200))
    sim = IsdpSimulator(world)
    with SimServer(sim.handle) as server:
        acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
        make_user("ada", roles={acme: Role.ADMIN})
        account = VendorAccount(
            tenant=acme, vendor="isdp", label="Acme iRTC", endpoint=allow_endpoint("isdp", server.base_url)
        )
        account.set_credentials(sim.demo_account(0, 2))
        account.save()
        app = RtcApp.objects.create(vendor_account=account, app_id=sim.demo_app_ids(0, 2)[0], source="manual")
        yield sim, account, app


def test_an_admin_signs_a_join_token_and_reads_it_back(browser_page, isdp_app) -> None:
    from playwright.sync_api import expect

    page = browser_page
    sim, account, app = isdp_app
    log_in(page, "ada")
    page.goto(f"/t/acme/accounts/{account.pk}/")
    page.get_by_role("link", name="Join tokens").click()
    page.get_by_label("Channel id").fill("site-visit-4")
    page.get_by_label("User id").fill("inspector-2")
    page.get_by_label("Role").select_option("publish_only")
    page.get_by_role("button", name="Sign join token").click()
    expect(page.locator("[data-join-token]")).to_contain_text("inspector-2 can join site-visit-4")
    token = page.locator("#join-token-text").input_value()
    endpoint = page.locator("[data-media-endpoint]").inner_text()
    media = sim._media_endpoint(app.app_id, {"channelIds": ["site-visit-4"]})["list"][0]
    assert endpoint == f"{media['ip']}:{media['port']}"  # what getMediaEndpoint named
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()

    # the simulator's media server lets the token's user in
    assert sim.admit(token) == "inspector-2"
    assert "inspector-2" in {s.user_id for s in sim.world.live_sessions(app.app_id, "site-visit-4")}
    entry = AuditEntry.objects.get(action="live.join_token")
    assert entry.target == f"{app.app_id} / site-visit-4 / inspector-2" and token not in str(entry.detail)

    # read it back: what it holds, for which app, when, and that the signature holds
    page.get_by_role("link", name="Read a token").click()
    page.get_by_label("Join token").fill(token)
    page.get_by_role("button", name="Read token").click()
    reading = page.locator("[data-token-reading]")
    expect(reading.locator("[data-signature=holds]")).to_be_visible()
    expect(reading).to_contain_text("inspector-2")
    expect(reading).to_contain_text("Publish only")
    expect(reading.locator("[data-signed-at]")).to_contain_text("ago")

    # a token of the tenant's other app cannot be checked with this app's key, and says so
    other_app = sim.demo_app_ids(1, 2)[0]
    signed_elsewhere = JoinParams(other_app, "c1", "u1", 1_700_000_000_000, "10.0.0.1", "8086")
    foreign = join_token(access_key(other_app), signed_elsewhere)
    page.get_by_label("Join token").fill(foreign)
    page.get_by_role("button", name="Read token").click()
    expect(page.locator("[data-signature=unchecked]")).to_contain_text(f"signed for app {other_app}")
