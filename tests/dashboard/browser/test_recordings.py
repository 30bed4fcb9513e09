"""In a real browser: a tenant admin records a channel at each recording vendor.

anyRTC and uprtc: start from the channel page, stop with confirmation, and see the files
the vendor lists (uprtc's MP4 downloads). ISDP+: start a capture, stop it, and the
simulator's signed callback reaches the console over HTTP and completes the recording on
the open page. The simulators run in their own threads on loopback with the real clock.
"""

from __future__ import annotations

import pytest

from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel, Discovery
from dashboard.recordings.models import CallbackReceipt, Recording, State
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role, Tenant
from tests.dashboard.conftest import BROWSER, PASSWORD, allow_endpoint, make_user
from vendors.anyrtc.sim import AnyRtcSimulator
from vendors.isdp.sim import IsdpSimulator
from vendors.sim.server import SimServer
from vendors.sim.world import ROLE_COMMUNICATION, World, WorldOptions
from vendors.uprtc.sim import UprtcSimulator

pytestmark = BROWSER
HOSTS = ("host-a", "host-b")


@pytest.fixture
def recording_vendors(transactional_db):
    world = World(WorldOptions(seed=11, apps_per_vendor=1, channels_per_app=3, users_per_app=200))
    sims = {"anyrtc": AnyRtcSimulator(world), "uprtc": UprtcSimulator(world), "isdp": IsdpSimulator(world)}
    servers = {vendor: SimServer(sim.handle).start() for vendor, sim in sims.items()}
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    make_user("ada", roles={acme: Role.ADMIN})
    channels = {}
    for vendor, sim in sims.items():
        account = VendorAccount(
            tenant=acme,
            vendor=vendor,
            label=f"Acme {vendor}",
            endpoint=allow_endpoint(vendor, servers[vendor].base_url),
        )
        account.set_credentials(sim.demo_account(0, 1))
        account.save()
        app_id = sim.demo_app_ids(0, 1)[0]
        app = RtcApp.objects.create(vendor_account=account, app_id=app_id, source="manual")
        channel_id = world.app(app_id).channels[0].channel_id
        for user in HOSTS:  # two people publishing for as long as the test runs
            world.join(app_id, channel_id, user, role=ROLE_COMMUNICATION)
        if vendor == "uprtc":
            channel_id = sim.world_room_id(app_id, channel_id)
        channels[vendor] = Channel.objects.create(
            app=app, channel_id=channel_id, watched=True, discovered_by=Discovery.CONSOLE
        )
    yield sims, channels
    for server in servers.values():
        server.stop()


def ask_until(page, state: str, attempts: int = 30) -> None:
    """Press "Ask the vendor now" until the recording reaches `state` (simulated seconds pass)."""
    for _ in range(attempts):
        if page.locator("#recording-summary [data-state]").get_attribute("data-state") == state:
            return
        page.wait_for_timeout(1000)
        page.get_by_role("button", name="Ask the vendor now").click()
    raise AssertionError(f"the recording never became {state}")


def stop_from_the_page(page) -> None:
    page.get_by_role("link", name="Stop recording").click()
    page.get_by_role("button", name="Stop recording").click()


def test_an_admin_records_at_each_vendor_and_sees_the_files(browser_page, recording_vendors, settings) -> None:
    from playwright.sync_api import expect

    settings.LIVE_PAGE_REFRESH_SECONDS = 1
    _sims, channels = recording_vendors
    page = browser_page
    page.goto("/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # anyRTC: a mixed recording, from starting to a file, stopped with confirmation
    page.goto(f"/t/acme/channels/{channels['anyrtc'].pk}/")
    page.get_by_role("link", name="Record", exact=True).click()
    expect(page.get_by_label("Mix everyone into one video")).to_be_checked()
    page.get_by_label("Resolution").select_option("480p")
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator(".toast, .alert").filter(has_text="started")).to_be_visible()
    ask_until(page, "recording")
    expect(page.locator("#recording-files")).to_contain_text(".m3u8")
    stop_from_the_page(page)
    expect(page.locator("#recording-summary")).to_contain_text("stopping")
    expect(page.locator("#recording-files")).to_contain_text(".m3u8")
    ask_until(page, "finished")
    anyrtc = Recording.objects.get(channel=channels["anyrtc"])
    assert anyrtc.state == State.FINISHED and anyrtc.file_count == 1

    # uprtc: record everyone, stop, wait for processing, download the MP4
    page.goto(f"/t/acme/channels/{channels['uprtc'].pk}/record/")
    page.get_by_label("Show large").fill(HOSTS[0])
    page.get_by_role("button", name="Start recording").click()
    ask_until(page, "recording")
    stop_from_the_page(page)
    ask_until(page, "finished")
    uprtc = Recording.objects.get(channel=channels["uprtc"])
    with page.expect_download() as download:
        page.locator("#recording-files").get_by_role("link", name=f"{uprtc.recording_id}.mp4").click()
    assert download.value.suggested_filename.endswith(".mp4")
    page.get_by_role("button", name="Open a playback room").click()
    expect(page.locator(".toast, .alert").filter(has_text="Playback room")).to_be_visible()

    # ISDP+: a capture whose file arrives by signed callback while the page is open
    page.goto(f"/t/acme/channels/{channels['isdp'].pk}/record/")
    page.get_by_label("Recording rule").select_option("1001")
    page.locator("#id_users").fill(HOSTS[1])
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("#recording-summary")).to_contain_text("recording")
    stop_from_the_page(page)
    expect(page.locator("#recording-summary [data-state]")).to_have_attribute("data-state", "finished", timeout=20_000)
    isdp = Recording.objects.get(channel=channels["isdp"])
    expect(page.locator("#recording-files")).to_contain_text(isdp.files.get().name)
    expect(page.locator("#recording-files")).to_contain_text("the vendor's storage")
    expect(page.locator("#recording-callbacks")).to_contain_text("1 file(s) attached")
    assert isdp.state == State.FINISHED and CallbackReceipt.objects.filter(recording=isdp).count() == 1

    page.goto("/t/acme/recordings/")
    rows = page.locator("#recording-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#attention")).to_have_count(0)
