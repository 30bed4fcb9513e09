"""In a real browser: a tenant admin uses every uprtc room control and server operation the
console offers, and each one changes the simulator (its own thread, on loopback): a locked
room refuses a join, a blocked user cannot rejoin, a message reaches the room's log, an invitee
gets in, co-hosts, mirrors, merges and paused tracks are kept, a server is recycled and a file
becomes a recording."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from dashboard.audit.models import AuditEntry
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel, Discovery
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role, Tenant
from tests.dashboard.conftest import BROWSER, PASSWORD, allow_endpoint, make_user
from vendors.sim.server import SimServer
from vendors.sim.world import ROLE_COMMUNICATION, ROLE_VIEWER, World, WorldOptions
from vendors.uprtc.sim import ENTRY_SERVER, ApiError, UprtcSimulator

pytestmark = BROWSER


@pytest.fixture
def uprtc(transactional_db):
    sim = UprtcSimulator(World(WorldOptions(seed=11, apps_per_vendor=1, channels_per_app=3, users_per_app=200)))
    with SimServer(sim.handle) as server:
        acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
        make_user("uma", roles={acme: Role.ADMIN})
        account = VendorAccount(
            tenant=acme, vendor="uprtc", label="Acme uprtc", endpoint=allow_endpoint("uprtc", server.base_url)
        )
        account.set_credentials(sim.demo_account(0, 1))
        account.save()
        app = RtcApp.objects.create(vendor_account=account, app_id=sim.demo_app_ids(0, 1)[0], source="manual")
        yield sim, account, app


def log_in(page) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill("uma")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def new_room(sim: UprtcSimulator, app: RtcApp, kind: str, owner: str, invited: tuple[str, ...] = ()) -> Channel:
    with sim._lock:
        room = sim._new_room(app.app_id, kind, {"masterId": owner})
        room.invited = sorted({owner, *invited})
    mode = "interactive_live" if kind == "live" else "communication"
    return Channel.objects.create(
        app=app, channel_id=room.room_id, watched=True, mode=mode, discovered_by=Discovery.CONSOLE
    )


def test_an_admin_locks_messages_blocks_and_invites_in_a_conversation_room(browser_page, uprtc) -> None:
    from playwright.sync_api import expect

    sim, _account, app = uprtc
    page = browser_page
    channel = new_room(sim, app, "convo", "alice", ("bob", "carol", "dave"))
    room_id = channel.channel_id
    for user in ("alice", "bob", "carol"):
        sim.join(app.app_id, room_id, user, role=ROLE_COMMUNICATION)
    log_in(page)
    page.goto(f"/t/acme/channels/{channel.pk}/")
    page.get_by_role("button", name="Refresh now").click()
    expect(page.locator('#members tr[data-user="bob"]')).to_be_visible()
    expect(page.locator("#join-state")).to_contain_text("open")

    # lock joining: confirmed, then the room refuses a join
    page.get_by_role("link", name="Lock joining").click()
    expect(page.locator("[data-consequence]")).to_contain_text("refuses everyone who tries to join")
    page.get_by_label("Reason").fill("a raid")
    page.get_by_role("button", name="Lock joining").click()
    expect(page.locator(".toast")).to_contain_text(f"{room_id} is locked: nobody new can join.")
    expect(page.locator("#join-state")).to_contain_text("locked")
    with pytest.raises(ApiError) as refused:
        sim.join(app.app_id, room_id, "dave")
    assert refused.value.code == 50022
    page.get_by_role("button", name="Unlock joining").click()
    expect(page.locator(".toast")).to_contain_text(f"{room_id} accepts joins again.")
    sim.join(app.app_id, room_id, "dave")

    # a message to everyone, then one to chosen members: each reaches the room's log
    page.get_by_role("link", name="Send a message").click()
    page.locator("#id_message").fill("We close in five minutes.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".toast")).to_contain_text(f"Message sent to everyone in {room_id}.")
    page.get_by_role("link", name="Send a message").click()
    page.get_by_label("To these members only").fill("bob\nzed")
    page.locator("#id_message").fill("Please mute.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator('#peer-results tr[data-user="bob"]')).to_contain_text("accepted")
    expect(page.locator('#peer-results tr[data-user="zed"]')).to_contain_text("50011")
    # the same for members ticked in the table: the form opens in the page's panel
    page.get_by_role("link", name="Back to the channel").click()
    page.locator('#members tr[data-user="carol"] input[type=checkbox]').check()
    page.get_by_role("button", name="Message selected").click()
    panel = page.locator("#kick-panel")
    expect(panel).to_contain_text(f"Send a message to {room_id}")
    expect(panel.get_by_label("To these members only")).to_have_value("carol")
    panel.locator("#id_message").fill("Your camera is off.")
    panel.get_by_role("button", name="Send").click()
    expect(page.locator('#peer-results tr[data-user="carol"]')).to_contain_text("accepted")
    assert [(m["to"], m["body"]) for m in sim.rooms[room_id].messages] == [
        (None, {"text": "We close in five minutes."}),
        (["bob"], {"text": "Please mute."}),
        (["carol"], {"text": "Your camera is off."}),
    ]

    # block bob: confirmed with what a block means at uprtc; he is out and cannot come back
    page.get_by_role("link", name="Back to the channel").click()
    page.get_by_role("link", name="Block users").click()
    expect(page.locator("[data-consequence]")).to_contain_text("every room of this account")
    page.get_by_label("User ids").fill("bob")
    page.get_by_role("button", name="Block").click()
    expect(page.locator('#peer-results tr[data-user="bob"]')).to_contain_text("accepted")
    with pytest.raises(ApiError) as blocked:
        sim.join(app.app_id, room_id, "bob")
    assert blocked.value.code == 50000
    page.get_by_role("link", name="Back to the channel").click()
    page.get_by_role("button", name="Refresh now").click()
    expect(page.locator('#members tr[data-user="bob"]')).to_have_count(0)

    # invite erin, who may then join; ask the vendor whether she is in
    page.get_by_role("link", name="Invite users").click()
    page.get_by_label("User ids").fill("erin")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator('#peer-results tr[data-user="erin"]')).to_contain_text("accepted")
    sim.join(app.app_id, room_id, "erin")
    page.get_by_role("link", name="Back to the channel").click()
    expect(page.locator("#invited")).to_contain_text("erin")
    page.get_by_label("Is this user in the room?").fill("erin")
    page.locator("#room-controls").get_by_role("button", name="Ask the vendor").click()
    expect(page.locator("#presence-answer")).to_contain_text("erin is in the room now")
    expect(page.locator("#vendor-recording-status")).to_contain_text("not recording")

    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions == {"live.join_lock": 1, "live.join_unlock": 1, "live.message": 4, "live.block": 1, "live.invite": 1}
    assert AuditEntry.objects.get(action="live.join_lock").detail["reason"] == "a raid"


def test_an_admin_steers_live_rooms(browser_page, uprtc) -> None:
    from playwright.sync_api import expect

    sim, _account, app = uprtc
    page = browser_page
    stage = new_room(sim, app, "live", "host-a")
    other = new_room(sim, app, "live", "host-b")
    sim.join(app.app_id, stage.channel_id, "host-a", role=ROLE_COMMUNICATION)
    sim.join(app.app_id, stage.channel_id, "fan", role=ROLE_VIEWER)
    log_in(page)
    page.goto(f"/t/acme/channels/{stage.pk}/")

    page.get_by_role("link", name="Add co-hosts").click()
    page.get_by_label("User ids").fill("fan")
    page.get_by_label("Video as well as audio").check()
    page.get_by_role("button", name="Add co-hosts").click()
    expect(page.locator('#peer-results tr[data-user="fan"]')).to_contain_text("accepted")
    assert sim.rooms[stage.channel_id].cohosts == {"fan": "video"}
    page.get_by_role("link", name="Back to the channel").click()
    page.get_by_role("link", name="Remove co-hosts").click()
    page.get_by_label("User ids").fill("fan")
    page.get_by_role("button", name="Remove co-hosts").click()
    expect(page.locator('#peer-results tr[data-user="fan"]')).to_contain_text("accepted")
    assert sim.rooms[stage.channel_id].cohosts == {}

    elsewhere = (
        "rtc-3:cluster-1" if sim.rooms[stage.channel_id].server_alias != "rtc-3:cluster-1" else "rtc-2:cluster-1"
    )
    page.get_by_role("link", name="Back to the channel").click()
    page.get_by_role("link", name="Create a mirror").click()
    page.get_by_label("Server alias").fill(elsewhere)
    page.get_by_role("button", name="Create mirror").click()
    expect(page.locator(".toast")).to_contain_text(f"is mirrored on {elsewhere}")
    expect(page.locator("#mirrors")).to_contain_text(elsewhere)

    page.get_by_role("link", name="Merge rooms").click()
    page.get_by_label("Other room id").fill(other.channel_id)
    page.get_by_role("button", name="Merge").click()
    expect(page.locator(".toast")).to_contain_text(f"{other.channel_id} is merged into {stage.channel_id}.")
    expect(page.locator("#merged")).to_contain_text(other.channel_id)
    assert sim.rooms[stage.channel_id].merged == {other.channel_id}

    page.get_by_role("link", name="Pause or resume a merged track").click()
    page.get_by_label("Track id").fill("host-b-audio")
    page.get_by_label("Action").select_option("1")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".toast")).to_contain_text("Track host-b-audio")
    assert sim.rooms[stage.channel_id].paused_tracks == {"host-b-audio"}

    page.locator("#merged").get_by_role("link", name="Separate").click()
    expect(page.get_by_label("Merged room id")).to_have_value(other.channel_id)
    page.get_by_role("button", name="Separate").click()
    expect(page.locator(".toast")).to_contain_text(f"{stage.channel_id} separated.")
    expect(page.locator("#merged")).to_contain_text("Not merged with any room.")
    assert sim.rooms[stage.channel_id].merged == set()


def test_an_admin_reads_and_steers_the_servers_and_watches_rooms_by_id(browser_page, uprtc, tmp_path) -> None:
    from playwright.sync_api import expect

    sim, account, app = uprtc
    page = browser_page
    log_in(page)
    page.goto(f"/t/acme/accounts/{account.pk}/")
    page.get_by_role("link", name="Servers").click()
    expect(page.locator("#least-loaded")).to_contain_text("rtc-")
    expect(page.locator("#cpu-load")).to_contain_text("32412")
    expect(page.locator("#room-count")).to_be_visible()

    page.get_by_role("button", name="Create a client upload address").click()
    expect(page.locator("#upload-url")).to_have_value(re.compile(r"^wss://.+/record\?recordId=\w+$"))
    created = AuditEntry.objects.get(action="server.upload_url").detail["recording_id"]
    assert sim.recordings[created].kind == "client"

    video = tmp_path / "talk.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42 a short talk")
    page.get_by_role("link", name="Upload a recording").click()
    page.get_by_label("Video or audio file").set_input_files(str(video))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#uploaded")).to_contain_text("The vendor keeps the file as recording")
    uploaded = AuditEntry.objects.get(action="server.upload").message
    assert sim.recordings[uploaded].content == video.read_bytes()

    page.get_by_role("link", name="Back to the servers").click()
    page.get_by_role("link", name="Recycle a server").click()
    page.get_by_label("Type the account's name to confirm").fill("not it")
    page.get_by_role("button", name="Recycle the server").click()
    expect(page.get_by_text("That is not this account's name; nothing was recycled.")).to_be_visible()
    assert not sim.recycled
    page.get_by_label("Type the account's name to confirm").fill("Acme uprtc")
    page.get_by_role("button", name="Recycle the server").click()
    expect(page.locator(".toast")).to_contain_text("The server that answered is recycled")
    assert sim.recycled == {ENTRY_SERVER}
    expect(page.locator("#least-loaded")).not_to_contain_text(ENTRY_SERVER)

    # watch by id: the vendor says whether the room exists
    page.goto(f"/t/acme/accounts/{account.pk}/channels/")
    page.locator("#watch_app").select_option(str(app.pk))
    page.locator("#watch_channel_id").fill("NoSuchR")
    page.get_by_role("button", name="Watch", exact=True).click()
    expect(page.locator(".toast")).to_contain_text("uprtc has no channel NoSuchR now: check the id.")
