"""Recordings in the console: anyRTC, uprtc and ISDP+ from start to files, the ISDP+ callback
endpoint (forged, stale, replayed and repeated calls), recording rules and automatic
recording, storage buckets with encrypted keys, the watchdog, audit and permissions."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel
from dashboard.mixing.layouts import preset_layout, to_json
from dashboard.mixing.models import LayoutTemplate, LayoutVersion
from dashboard.recordings import callbacks
from dashboard.recordings.models import CallbackReceipt, Recording, RecordingFile, State, StorageTarget
from dashboard.recordings.tasks import check_recordings
from dashboard.rtc.models import RtcApp
from vendors.anyrtc.sim import AnyRtcSimulator
from vendors.isdp import callbacks as isdp_callbacks
from vendors.isdp.sim import IsdpSimulator, access_key
from vendors.sim.world import World, WorldOptions
from vendors.uprtc.sim import UprtcSimulator

from .conftest import World2, logged_in
from .test_shell import INLINE_SCRIPT

STORAGE_SECRET = "storage-SECRET-5c1d9e"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def to_console(request: httpx.Request) -> httpx.Response:
    """The ISDP+ simulator's callbacks, delivered to the console under test."""
    headers = {name: value for name, value in request.headers.items() if name.lower() == "x-hw-sign"}
    answer = Client().post(request.url.path, data=request.content, content_type="application/json", headers=headers)
    return httpx.Response(answer.status_code, content=answer.content)


class Setup:
    def __init__(self, tenants: World2, sim_transport) -> None:
        self.tenants = tenants
        self.clock = Clock()
        self.world = World(WorldOptions(seed=11, apps_per_vendor=1, channels_per_app=4, users_per_app=200), self.clock)
        self.sims = {
            "anyrtc": AnyRtcSimulator(self.world),
            "uprtc": UprtcSimulator(self.world),
            "isdp": IsdpSimulator(
                self.world, deliver_in_background=False, callback_transport=httpx.MockTransport(to_console)
            ),
        }
        self.accounts: dict[str, VendorAccount] = {}
        self.channels: dict[str, Channel] = {}
        self.publishers: dict[str, list[str]] = {}
        for vendor, sim in self.sims.items():
            account = VendorAccount(
                tenant=tenants.acme, vendor=vendor, label=f"Acme {vendor}", endpoint=f"http://{vendor}.sim"
            )
            account.set_credentials(sim.demo_account(0, 1))
            account.save()
            app_id = sim.demo_app_ids(0, 1)[0]
            app = RtcApp.objects.create(vendor_account=account, app_id=app_id, source="manual")
            channel_id, users = self._busy(app_id)
            if vendor == "uprtc":
                channel_id = sim.world_room_id(app_id, channel_id)
            self.channels[vendor] = Channel.objects.create(app=app, channel_id=channel_id, watched=True)
            self.publishers[vendor] = users
            self.accounts[vendor] = account
        routes = {vendor: sim.handle for vendor, sim in self.sims.items()}
        sim_transport(lambda r: routes[r.url.host.split(".")[0]](r))

    def _busy(self, app_id: str) -> tuple[str, list[str]]:
        for channel in self.world.app(app_id).channels:
            users = sorted({s.user_id for s in self.world.live_sessions(app_id, channel.channel_id) if s.publishes})
            if len(users) >= 2:
                return channel.channel_id, users
        pytest.fail("no busy channel in the test world: pick another seed")


@pytest.fixture
def setup(two_tenants: World2, sim_transport) -> Setup:
    return Setup(two_tenants, sim_transport)


def layout_template(tenant, name: str, users: list[str]) -> LayoutTemplate:
    layout = preset_layout("side-by-side")
    template = LayoutTemplate.objects.create(tenant=tenant, name=name)
    data = to_json(layout)
    for pane, user in zip(data["panes"], users, strict=False):
        pane["user_id"] = user
    LayoutVersion.objects.create(template=template, number=1, layout=data)
    return template


def actions_audited(*names: str) -> list[tuple[str, str]]:
    return list(AuditEntry.objects.filter(action__in=names).order_by("pk").values_list("action", "outcome"))


# --- anyRTC ---------------------------------------------------------------------------------


def test_anyrtc_recording_with_storage_layout_users_and_stop(setup: Setup) -> None:
    tenants, channel = setup.tenants, setup.channels["anyrtc"]
    users = setup.publishers["anyrtc"]
    admin = logged_in(tenants.acme_admin)
    bucket = admin.post(
        reverse("recordings:storage_new", args=["acme"]),
        {
            "name": "Archive",
            "provider": 2,
            "region": 3,
            "bucket": "acme-rec",
            "prefix": "calls/2026",
            "access_key": "AKIDexample1234",
            "secret_key": STORAGE_SECRET,
        },
    )
    assert bucket.status_code == 302
    storage = StorageTarget.objects.get(tenant=tenants.acme)
    assert STORAGE_SECRET not in storage.keys_ciphertext and storage.keys()["secret_key"] == STORAGE_SECRET
    duo = layout_template(tenants.acme, "Duo", users)
    solo = layout_template(tenants.acme, "Solo", users[:1])
    form = admin.get(reverse("recordings:recording_start", args=["acme", channel.pk])).content.decode()
    assert "Storage" in form and "Layout" in form and "Recording rule" not in form
    started = admin.post(
        reverse("recordings:recording_start", args=["acme", channel.pk]),
        {"mixed": "on", "users": "", "resolution": "720p", "template": duo.pk, "storage": storage.pk},
    )
    recording = Recording.objects.get(channel=channel)
    assert started.status_code == 302 and started["Location"].endswith(f"/recordings/{recording.pk}/")
    session = setup.sims["anyrtc"].sessions[recording.handle["sid"]]
    assert session.request["storageConfig"]["secretKey"] == STORAGE_SECRET
    assert session.request["storageConfig"]["fileNamePrefix"] == ["calls", "2026"]
    assert [p["uid"] for p in session.request["recordingConfig"]["transcodingConfig"]["layoutConfig"]] == users[:2]
    assert recording.state == State.STARTING and recording.storage == storage

    setup.clock.advance(seconds=7)
    assert check_recordings.call_local() == 1
    recording.refresh_from_db()
    assert recording.state == State.RECORDING and recording.file_count == 1
    page = admin.get(reverse("recordings:recording_detail", args=["acme", recording.pk])).content.decode()
    assert "acme-rec" in page and ".m3u8" in page and STORAGE_SECRET not in page

    editor = admin.get(reverse("mixing:layout_edit", args=["acme", solo.pk])).content.decode()
    apply_url = reverse("recordings:recording_apply_layout", args=["acme", recording.pk]) + f"?template={solo.pk}"
    assert "Apply to a running task" in editor and apply_url in editor
    confirm = admin.get(
        reverse("recordings:recording_apply_layout", args=["acme", recording.pk]), {"template": solo.pk}
    )
    assert b"Apply" in confirm.content and not session.request.get("layout_updates")
    applied = admin.post(
        reverse("recordings:recording_apply_layout", args=["acme", recording.pk]), {"template": solo.pk}
    )
    assert applied.status_code == 302
    recording.refresh_from_db()
    assert recording.layout_version.template == solo
    changed = admin.post(reverse("recordings:recording_users", args=["acme", recording.pk]), {"users": users[0]})
    assert changed.status_code == 302
    assert session.recording_config.get("subscribeAudioUids") == [users[0]]

    stop_page = admin.get(reverse("recordings:recording_stop", args=["acme", recording.pk]))
    assert b"Stop recording" in stop_page.content and session.stopped is None  # a GET only asks
    admin.post(reverse("recordings:recording_stop", args=["acme", recording.pk]))
    recording.refresh_from_db()
    assert session.stop_called and recording.state == State.STOPPING and recording.stop_requested_at
    setup.clock.advance(seconds=15)
    check_recordings.call_local()
    recording.refresh_from_db()
    assert recording.state == State.FINISHED and recording.file_count == 1 and recording.ended_at
    assert actions_audited(
        "recording.start", "recording.update_layout", "recording.update_users", "recording.stop"
    ) == [
        ("recording.start", Outcome.SUCCESS),
        ("recording.update_layout", Outcome.SUCCESS),
        ("recording.update_users", Outcome.SUCCESS),
        ("recording.stop", Outcome.SUCCESS),
    ]
    assert STORAGE_SECRET not in json.dumps(list(AuditEntry.objects.values("detail", "message")))
    listing = admin.get(reverse("recordings:recording_list", args=["acme"])).content.decode()
    assert channel.channel_id in listing and "needs attention" not in listing


def test_a_refused_start_says_what_the_vendor_said_and_is_audited(setup: Setup) -> None:
    channel = setup.channels["anyrtc"]
    setup.sims["anyrtc"].recording_disabled.add(channel.app.app_id)
    admin = logged_in(setup.tenants.acme_admin)
    page = admin.post(
        reverse("recordings:recording_start", args=["acme", channel.pk]), {"mixed": "on", "resolution": "720p"}
    )
    assert page.status_code == 200 and b"cloud recording is not enabled" in page.content and b"62" in page.content
    assert not Recording.objects.exists()
    assert actions_audited("recording.start") == [("recording.start", Outcome.FAILURE)]


# --- uprtc ----------------------------------------------------------------------------------


def test_uprtc_recording_download_and_playback(setup: Setup, sim_transport) -> None:
    channel, users = setup.channels["uprtc"], setup.publishers["uprtc"]
    admin = logged_in(setup.tenants.acme_admin)
    form = admin.get(reverse("recordings:recording_start", args=["acme", channel.pk])).content.decode()
    assert "Show large" in form and "Storage" not in form
    admin.post(
        reverse("recordings:recording_start", args=["acme", channel.pk]),
        {"users": " ".join(users[:2]), "resolution": "480p", "featured_user": users[0]},
    )
    recording = Recording.objects.get(channel=channel)
    setup.clock.advance(seconds=5)
    check_recordings.call_local()
    recording.refresh_from_db()
    assert recording.state == State.RECORDING
    admin.post(reverse("recordings:recording_stop", args=["acme", recording.pk]))
    setup.clock.advance(seconds=12)
    admin.post(reverse("recordings:recording_refresh", args=["acme", recording.pk]))
    recording.refresh_from_db()
    assert recording.state == State.FINISHED and recording.vendor_status == "6 processed"
    download = admin.get(reverse("recordings:recording_download", args=["acme", recording.pk]))
    assert download["Content-Type"] == "video/mp4" and download.content[4:8] == b"ftyp"
    assert "attachment" in download["Content-Disposition"]
    # An endpoint that answers the download with something else (an internal page, JSON, HTML)
    # is not relayed: the user reads what came instead, and no byte of it.
    vendor = setup.sims["uprtc"].handle

    def html_instead(request: httpx.Request) -> httpx.Response:
        answer = vendor(request)
        if "/record/download/" in request.url.path:
            return httpx.Response(200, headers={"content-type": "text/html"}, content=b"<h1>internal admin</h1>")
        return answer

    sim_transport(html_instead)
    refused = admin.get(reverse("recordings:recording_download", args=["acme", recording.pk]), follow=True)
    page = refused.content.decode()
    assert "answered with text/html instead of a recording file" in page and "internal admin" not in page
    sim_transport(vendor)
    admin.post(reverse("recordings:recording_playback", args=["acme", recording.pk]))
    recording.refresh_from_db()
    room = recording.options["playback_rooms"][0]["room"]
    page = admin.get(reverse("recordings:recording_detail", args=["acme", recording.pk])).content.decode()
    assert room in page and f"{recording.recording_id}.mp4" in page
    assert [a for a, _ in actions_audited("recording.start", "recording.stop", "recording.playback")] == [
        "recording.start",
        "recording.stop",
        "recording.playback",
    ]


# --- ISDP+ and its callbacks ----------------------------------------------------------------


def start_isdp_capture(setup: Setup, admin: Client) -> Recording:
    channel = setup.channels["isdp"]
    form = admin.get(reverse("recordings:recording_start", args=["acme", channel.pk])).content.decode()
    assert "Recording rule" in form and "1001" in form
    response = admin.post(
        reverse("recordings:recording_start", args=["acme", channel.pk]),
        {"kind": "video", "rule": "1001", "users": setup.publishers["isdp"][0]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Recording.objects.get(channel=channel)


def test_an_isdp_callback_completes_the_recording_and_bad_ones_change_nothing(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    sim = setup.sims["isdp"]
    capture = sim.captures[recording.recording_id]
    assert capture.callback_url.startswith("http://testserver/hooks/recordings/")
    admin.post(reverse("recordings:recording_stop", args=["acme", recording.pk]))
    recording.refresh_from_db()
    assert recording.state == State.STOPPING
    setup.clock.advance(seconds=4)
    assert sim.pump() == 1  # delivered to the console and acknowledged
    recording.refresh_from_db()
    assert recording.state == State.FINISHED and recording.file_count == 1 and recording.vendor_status == "callback"
    page = admin.get(reverse("recordings:recording_detail", args=["acme", recording.pk])).content.decode()
    assert "1 file(s) attached" in page and RecordingFile.objects.get(recording=recording).name in page
    assert "Recording rule" in page and "Resolution" not in page and "Mixed into one video" not in page

    body = capture.deliveries[-1]["body"]
    url = capture.callback_url
    key = access_key(capture.app_id)
    before = (RecordingFile.objects.count(), CallbackReceipt.objects.count(), Recording.objects.count())

    def post(payload: dict, signature: str) -> object:
        return Client().post(url, data=payload, content_type="application/json", headers={"X-HW-SIGN": signature})

    replay = post(body, isdp_callbacks.sign(key, body))
    assert replay.status_code == 409 and "replay" in replay.json()["errorMessage"]
    forged = post({**body, "channelId": "someone-elses"}, isdp_callbacks.sign(key, body))
    assert forged.status_code == 403 and "does not match" in forged.json()["errorMessage"]
    # The spec signs neither recordingId nor the file fields: a copy with them altered still
    # carries a signature already honoured once, so it is refused as a replay.
    altered = post({**body, "recordingId": "someone-elses"}, isdp_callbacks.sign(key, body))
    assert altered.status_code == 409
    wrong_key = post(body | {"authTimestamp": str(int(datetime.now(UTC).timestamp()) + 60)}, "ab" * 32)
    assert wrong_key.status_code == 403
    old = body | {"authTimestamp": str(int((datetime.now(UTC) - timedelta(minutes=10)).timestamp()))}
    stale = post(old, isdp_callbacks.sign(key, old))
    assert stale.status_code == 403 and "stale" in stale.json()["errorMessage"]
    unsigned = Client().post(url, data=body, content_type="application/json")
    assert unsigned.status_code == 403
    other_app = body | {"appId": "not-this-app"}
    assert post(other_app, isdp_callbacks.sign(key, other_app)).status_code == 403
    assert Client().post(url + "x/", data=body, content_type="application/json").status_code == 404
    bad_token = url.replace("/hooks/recordings/", "/hooks/recordings/x")
    assert Client().post(bad_token, data=body, content_type="application/json").status_code == 404
    assert Client().post(url, data="not json", content_type="application/json").status_code == 400
    assert Client().get(url).status_code == 405
    assert (RecordingFile.objects.count(), CallbackReceipt.objects.count(), Recording.objects.count()) == before
    recording.refresh_from_db()
    assert recording.state == State.FINISHED and recording.file_count == 1

    # The vendor retrying (a fresh timestamp, so a fresh signature) is answered and adds nothing.
    retry = body | {"authTimestamp": str(int((datetime.now(UTC) + timedelta(minutes=5)).timestamp()))}
    again = post(retry, isdp_callbacks.sign(key, retry))
    assert again.status_code == 200 and again.json()["errorMessage"] == "a repeat: nothing new"
    assert RecordingFile.objects.count() == before[0] and CallbackReceipt.objects.count() == before[1] + 1


def test_isdp_snapshots_arrive_as_images_the_console_keeps(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    channel = setup.channels["isdp"]
    admin.post(
        reverse("recordings:recording_start", args=["acme", channel.pk]),
        {"kind": "image", "rule": "1002", "users": setup.publishers["isdp"][1]},
    )
    recording = Recording.objects.get(channel=channel)
    assert recording.kind == "image"
    setup.clock.advance(minutes=20)
    setup.sims["isdp"].pump()
    recording.refresh_from_db()
    file = recording.files.get()
    assert recording.state == State.FINISHED and file.media_type == "image/png"
    image = admin.get(reverse("recordings:recording_file", args=["acme", recording.pk, file.pk]))
    assert image["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")

    # A full-size snapshot is larger than Django's 2.5 MB form limit; the endpoint still takes it.
    capture = setup.sims["isdp"].captures[recording.recording_id]
    big = b"\x89PNG" + bytes(4 * 1024 * 1024)
    body = capture.deliveries[-1]["body"] | {
        "imageData": base64.b64encode(big).decode(),
        "authTimestamp": str(int((datetime.now(UTC) + timedelta(minutes=4)).timestamp())),
    }
    signature = isdp_callbacks.sign(access_key(capture.app_id), body)
    answer = Client().post(
        capture.callback_url, data=body, content_type="application/json", headers={"X-HW-SIGN": signature}
    )
    assert answer.status_code == 200 and answer.json()["errorMessage"] == "1 file(s) attached"
    recording.refresh_from_db()
    assert recording.file_count == 2 and max(f.size_bytes for f in recording.files.all()) == len(big)


def test_stop_every_recording_of_an_isdp_channel(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    channel = setup.channels["isdp"]
    assert (
        b"Stop them all" in admin.get(reverse("recordings:channel_recordings_stop", args=["acme", channel.pk])).content
    )
    admin.post(reverse("recordings:channel_recordings_stop", args=["acme", channel.pk]))
    recording.refresh_from_db()
    assert recording.state == State.STOPPING
    assert setup.sims["isdp"].captures[recording.recording_id].stopped is not None
    assert actions_audited("recording.stop_channel") == [("recording.stop_channel", Outcome.SUCCESS)]
    other = setup.channels["uprtc"]
    assert b"one by one" in admin.get(reverse("recordings:channel_recordings_stop", args=["acme", other.pk])).content


def test_rules_and_automatic_recording_from_the_console(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    app = setup.channels["isdp"].app
    sim = setup.sims["isdp"]
    listing = admin.get(reverse("recordings:rule_list", args=["acme", app.pk])).content.decode()
    assert "1001" in listing and "1002" in listing and "Off." in listing
    for page in (listing, admin.get(reverse("recordings:rule_new", args=["acme", app.pk])).content.decode()):
        assert not INLINE_SCRIPT.search(page) and ' style="' not in page
    created = admin.post(
        reverse("recordings:rule_new", args=["acme", app.pk]),
        {"kind": "video", "mixed": "on", "file_name": "{channel_id}_{file_start_time}", "enabled": "on"},
    )
    assert created.status_code == 302
    new_id = max(sim.rule_ids(app.app_id))
    assert sim.rules[new_id].callback_url.startswith("http://testserver/hooks/recordings/")
    refused = admin.post(reverse("recordings:rule_new", args=["acme", app.pk]), {"kind": "image", "file_name": "x"})
    assert refused.status_code == 200 and b"Snapshots need this." in refused.content
    edit_url = reverse("recordings:rule_edit", args=["acme", app.pk, str(new_id)])
    assert b"{channel_id}_{file_start_time}" in admin.get(edit_url).content
    admin.post(edit_url, {"kind": "video", "file_name": "renamed", "enabled": "on"})
    assert sim.rules[new_id].file_name == "renamed"

    admin.post(reverse("recordings:auto_recording", args=["acme", app.pk]), {"on": "1", "rule": str(new_id)})
    assert sim.auto_record[app.app_id] == new_id
    assert b"is recorded with rule" in admin.get(reverse("recordings:rule_list", args=["acme", app.pk])).content
    sim.pump()  # the vendor starts recording every busy channel
    automatic = [c for c in sim.captures.values() if c.auto]
    assert automatic
    admin.post(reverse("recordings:auto_recording", args=["acme", app.pk]), {"on": "0"})
    assert app.app_id not in sim.auto_record
    setup.clock.advance(seconds=4)
    sim.pump()  # their callbacks reach the console, which had not started them
    found = Recording.objects.filter(automatic=True)
    assert found.count() == len(automatic) and all(r.state == State.FINISHED and r.file_count for r in found)
    page = admin.get(reverse("recordings:recording_list", args=["acme"])).content.decode()
    assert "automatic" in page

    delete_url = reverse("recordings:rule_delete", args=["acme", app.pk, str(new_id)])
    assert b"Delete rule" in admin.get(delete_url).content and new_id in sim.rules
    admin.post(delete_url)
    assert new_id not in sim.rules
    assert [
        a
        for a, _ in actions_audited(
            "recording.rule_add",
            "recording.rule_update",
            "recording.auto_start",
            "recording.auto_stop",
            "recording.rule_delete",
        )
    ] == [
        "recording.rule_add",
        "recording.rule_update",
        "recording.auto_start",
        "recording.auto_stop",
        "recording.rule_delete",
    ]


# --- watchdog ---------------------------------------------------------------------------------


def test_the_watchdog_flags_stuck_and_empty_recordings_and_says_why(setup: Setup, settings) -> None:
    settings.RECORDING_STALL_MINUTES = 10
    old = timezone.now() - timedelta(minutes=25)
    anyrtc, isdp = setup.channels["anyrtc"], setup.channels["isdp"]

    def make(channel: Channel, recording_id: str, **fields: object) -> Recording:
        recording = Recording.objects.create(channel=channel, recording_id=recording_id, **fields)
        Recording.objects.filter(pk=recording.pk).update(progressed_at=fields.get("progressed_at", timezone.now()))
        return recording

    make(anyrtc, "healthy", state=State.RECORDING, file_count=2)
    make(anyrtc, "long-but-fine", state=State.RECORDING, file_count=1, progressed_at=old)
    make(anyrtc, "stuck-starting", state=State.STARTING, vendor_status="4 recorder_ready", progressed_at=old)
    make(anyrtc, "empty", state=State.FINISHED, detail="nobody published: no file was made")
    make(isdp, "no-callback", state=State.STOPPING, stop_requested_at=old, progressed_at=old)
    make(anyrtc, "broken", state=State.FAILED, detail="20 abnormal_exit")
    long_ago = make(anyrtc, "failed-last-year", state=State.FAILED, detail="old")
    Recording.objects.filter(pk=long_ago.pk).update(started_at=timezone.now() - timedelta(days=300))
    admin = logged_in(setup.tenants.acme_viewer)
    page = admin.get(reverse("recordings:recording_list", args=["acme"])).content.decode()
    assert "4 recordings need attention." in page
    assert "No progress for 25 minutes: the vendor still says “4 recorder_ready”." in page
    assert "Ended without files: nobody published: no file was made" in page
    assert "Stopped 25 minutes ago and no callback with its files has arrived." in page
    assert "Failed: 20 abnormal_exit" in page
    flagged = admin.get(reverse("recordings:recording_list", args=["acme"]), {"show": "attention"}).content.decode()
    for name in ("stuck-starting", "empty", "no-callback", "broken"):
        assert f'data-recording="{name}"' in flagged
    for name in ("healthy", "long-but-fine", "failed-last-year"):  # history, not news
        assert f'data-recording="{name}"' not in flagged
    assert (
        'data-recording="failed-last-year"'
        in admin.get(reverse("recordings:recording_list", args=["acme"]), {"show": "failed"}).content.decode()
    )
    tenants = logged_in(setup.tenants.staff).get(reverse("tenancy:tenant_list")).content.decode()
    assert '?show=attention">4</a>' in tenants  # support staff see it before opening the tenant
    settings.RECORDING_STALL_MINUTES = 60
    later = admin.get(reverse("recordings:recording_list", args=["acme"]), {"show": "attention"}).content.decode()
    assert 'data-recording="stuck-starting"' not in later and 'data-recording="empty"' in later


def test_an_empty_recordings_page_says_how_to_start(two_tenants: World2) -> None:
    page = logged_in(two_tenants.acme_viewer).get(reverse("recordings:recording_list", args=["acme"])).content.decode()
    assert "No recordings yet." in page


# --- permissions and isolation ------------------------------------------------------------------


def test_viewers_cannot_change_recordings_and_other_tenants_cannot_see_them(setup: Setup) -> None:
    tenants = setup.tenants
    admin = logged_in(tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    channel = recording.channel
    viewer = logged_in(tenants.acme_viewer)
    assert viewer.get(reverse("recordings:recording_detail", args=["acme", recording.pk])).status_code == 200
    for name, args in (
        ("recordings:recording_start", [channel.pk]),
        ("recordings:recording_stop", [recording.pk]),
        ("recordings:channel_recordings_stop", [channel.pk]),
        ("recordings:recording_playback", [recording.pk]),
        ("recordings:recording_users", [recording.pk]),
        ("recordings:rule_new", [channel.app.pk]),
        ("recordings:auto_recording", [channel.app.pk]),
        ("recordings:storage_new", []),
    ):
        assert viewer.post(reverse(name, args=["acme", *args])).status_code == 403, name
    outsider = logged_in(tenants.harbor_admin)
    for name, args in (
        ("recordings:recording_detail", [recording.pk]),
        ("recordings:recording_stop", [recording.pk]),
        ("recordings:recording_start", [channel.pk]),
        ("recordings:rule_list", [channel.app.pk]),
    ):
        assert outsider.get(reverse(name, args=["acme", *args])).status_code == 404, name
        assert outsider.get(reverse(name, args=["harbor", *args])).status_code == 404, name
    assert Recording.objects.get().state == State.RECORDING
    assert not AuditEntry.objects.filter(action="recording.stop").exists()


def test_storage_keys_are_kept_when_left_empty_and_never_shown(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    data = {
        "name": "Backup",
        "provider": 1,
        "region": 0,
        "bucket": "b1",
        "prefix": "",
        "access_key": "AKIA1234567890",
        "secret_key": STORAGE_SECRET,
    }
    admin.post(reverse("recordings:storage_new", args=["acme"]), data)
    target = StorageTarget.objects.get()
    edit = admin.get(reverse("recordings:storage_edit", args=["acme", target.pk])).content.decode()
    assert STORAGE_SECRET not in edit and "AKIA1234567890" not in edit and "Set; leave empty to keep it." in edit
    admin.post(
        reverse("recordings:storage_edit", args=["acme", target.pk]),
        {**data, "access_key": "", "secret_key": "", "bucket": "b2"},
    )
    target.refresh_from_db()
    assert target.bucket == "b2" and target.keys() == {"access_key": "AKIA1234567890", "secret_key": STORAGE_SECRET}
    bad = admin.post(reverse("recordings:storage_new", args=["acme"]), {**data, "name": "Other", "region": 16})
    assert b"regions are numbered 0 to 17" in bad.content
    dup = admin.post(reverse("recordings:storage_new", args=["acme"]), data)
    assert b"Another bucket has this name." in dup.content
    assert (
        logged_in(setup.tenants.harbor_admin)
        .get(reverse("recordings:storage_edit", args=["acme", target.pk]))
        .status_code
        == 404
    )
    assert [a for a, _ in actions_audited("storage.create", "storage.update")] == ["storage.create", "storage.update"]


def test_a_vendor_id_seen_before_starts_a_new_recording_and_callbacks_go_to_the_newest(setup: Setup) -> None:
    from vendors.uprtc.sim import _base62

    admin = logged_in(setup.tenants.acme_admin)
    sim, channel = setup.sims["uprtc"], setup.channels["uprtc"]
    reused = _base62(f"uprtc-record:{sim._counter + 1}:{sim._run}")
    old = Recording.objects.create(channel=channel, recording_id=reused, state=State.FINISHED, file_count=1)
    Recording.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=700))
    response = admin.post(reverse("recordings:recording_start", args=["acme", channel.pk]), {"resolution": "720p"})
    assert response.status_code == 302
    assert Recording.objects.filter(channel=channel, recording_id=reused).count() == 2

    recording = start_isdp_capture(setup, admin)
    older = Recording.objects.create(channel=recording.channel, recording_id=recording.recording_id)
    Recording.objects.filter(pk=older.pk).update(started_at=timezone.now() - timedelta(days=400))
    admin.post(reverse("recordings:recording_stop", args=["acme", recording.pk]))
    setup.clock.advance(seconds=4)
    setup.sims["isdp"].pump()
    recording.refresh_from_db()
    older.refresh_from_db()
    assert recording.state == State.FINISHED and recording.file_count == 1 and older.file_count == 0


# --- callbacks: bound to the recording the console started, every field parsed --------------


def callback_post(url: str, body: object, signature: str | None) -> object:
    headers = {"X-HW-SIGN": signature} if signature is not None else {}
    return Client().post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def test_a_started_recording_takes_callbacks_only_at_its_own_address(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    sim = setup.sims["isdp"]
    capture = sim.captures[recording.recording_id]
    account = recording.account
    account_url = "http://testserver" + reverse("hooks:recording_callback", args=[callbacks.account_token(account)])
    assert capture.callback_url.startswith(account_url) and capture.callback_url != account_url
    token = capture.callback_url.removeprefix(account_url).strip("/")
    assert len(token) >= 40 and "/" not in token
    # Only its hash is kept: the database does not hold the address.
    assert recording.callback_token_hash == callbacks.token_hash(token) != token
    assert token not in json.dumps(list(Recording.objects.values()), default=str)

    second = start_isdp_capture_of(setup, admin, setup.publishers["isdp"][1])
    second_url = sim.captures[second.recording_id].callback_url
    assert second_url != capture.callback_url

    key = access_key(capture.app_id)
    genuine = sim.callback_body(capture, setup.clock())
    counts = (Recording.objects.count(), RecordingFile.objects.count(), CallbackReceipt.objects.count())

    # A copy of the genuine callback, altered before the genuine one arrived (so not a replay):
    # sent to its own address for another recording, to another recording's address, or to the
    # account's address naming a recording the console started: all refused, nothing changed.
    other = genuine | {"recordingId": second.recording_id}
    answer = callback_post(capture.callback_url, other, isdp_callbacks.sign(key, other))
    assert answer.status_code == 403 and "another recording" in answer.json()["errorMessage"]
    answer = callback_post(second_url, genuine, isdp_callbacks.sign(key, genuine))
    assert answer.status_code == 403 and "another recording" in answer.json()["errorMessage"]
    answer = callback_post(account_url, genuine, isdp_callbacks.sign(key, genuine))
    assert answer.status_code == 403 and "its own address" in answer.json()["errorMessage"]
    unknown = capture.callback_url.replace(token, "x" * len(token))
    assert callback_post(unknown, genuine, isdp_callbacks.sign(key, genuine)).status_code == 404
    assert (Recording.objects.count(), RecordingFile.objects.count(), CallbackReceipt.objects.count()) == counts

    # The genuine callback, at its own address, still completes the recording.
    admin.post(reverse("recordings:recording_stop", args=["acme", recording.pk]))
    setup.clock.advance(seconds=4)
    sim.pump()
    recording.refresh_from_db()
    second.refresh_from_db()
    assert recording.state == State.FINISHED and recording.file_count == 1 and second.file_count == 0


def start_isdp_capture_of(setup: Setup, admin: Client, user: str) -> Recording:
    channel = setup.channels["isdp"]
    response = admin.post(
        reverse("recordings:recording_start", args=["acme", channel.pk]),
        {"kind": "video", "rule": "1001", "users": user},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Recording.objects.filter(channel=channel).latest("started_at")


def test_callback_values_out_of_range_are_refused_with_a_reason(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    capture = setup.sims["isdp"].captures[recording.recording_id]
    account_url = reverse("hooks:recording_callback", args=[callbacks.account_token(recording.account)])
    key = access_key(capture.app_id)
    genuine = setup.sims["isdp"].callback_body(capture, setup.clock())
    before = (Recording.objects.count(), RecordingFile.objects.count(), CallbackReceipt.objects.count())

    for stamp in ("9999999999999999", "9" * 5000, "²", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        body = genuine | {"authTimestamp": stamp}
        answer = callback_post(capture.callback_url, body, isdp_callbacks.sign(key, body))
        assert answer.status_code == 403 and "authTimestamp" in answer.json()["errorMessage"], stamp
        assert len(answer.content) < 300
    for signature in ("é", "\udc80", "ab" * 500):
        answer = callback_post(capture.callback_url, genuine, signature)
        assert answer.status_code == 403 and "X-HW-SIGN" in answer.json()["errorMessage"]
    for url in (capture.callback_url, account_url):
        deep = "[" * 100_000 + "]" * 100_000
        answer = Client().post(url, data=deep, content_type="application/json")
        assert answer.status_code == 400 and "nested" in answer.json()["message"]
        nested: list = []
        for _ in range(40):
            nested = [nested]
        nested = {"a": nested}
        answer = callback_post(url, genuine | nested, isdp_callbacks.sign(key, genuine))
        assert answer.status_code == 400 and "nested" in answer.json()["message"]
    # Text a database column cannot hold (longer than it, NUL, half a surrogate pair) is refused.
    unfit = [("recordingId", "r" * 201), ("recordingId", "r\x00"), ("fileId", "f\udc80"), ("channelId", "c" * 129)]
    for field, value in unfit:
        body = genuine | {field: value}
        answer = callback_post(account_url, body, isdp_callbacks.sign(key, body))
        assert answer.status_code == 400 and "cannot be kept" in answer.json()["errorMessage"], (field, answer.content)
    assert (Recording.objects.count(), RecordingFile.objects.count(), CallbackReceipt.objects.count()) == before


CALLBACK_FIELDS = ("appId", "channelId", "recordingId", "userId", "extraData", "authTimestamp")
CALLBACK_FIELDS += ("fileId", "filePath", "fileName", "imageData")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
field_values = st.one_of(
    json_values,
    st.sampled_from(["9999999999999999", "-1", "²", "1e400", "0001-01-01T00:00:00+01:00", "\x00", "\udc80", ""]),
    st.text(min_size=100, max_size=400),
)


def test_no_callback_field_or_header_answers_500(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    capture = setup.sims["isdp"].captures[recording.recording_id]
    urls = [
        capture.callback_url,
        reverse("hooks:recording_callback", args=[callbacks.account_token(recording.account)]),
    ]
    key = access_key(capture.app_id)
    genuine = setup.sims["isdp"].callback_body(capture, setup.clock())

    @settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
    @given(
        changes=st.dictionaries(st.sampled_from(CALLBACK_FIELDS), field_values, max_size=4),
        extra=st.dictionaries(st.text(max_size=8), json_values, max_size=2),
        header=st.none() | st.text(max_size=80) | st.just("signed"),
        url=st.sampled_from(urls),
    )
    def send(changes: dict, extra: dict, header: str | None, url: str) -> None:
        body = extra | genuine | changes
        signature = isdp_callbacks.sign(key, body) if header == "signed" else header
        answer = callback_post(url, body, signature)
        assert answer.status_code < 500 and isinstance(answer.json(), dict)

    @settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=st.binary(max_size=200) | st.integers(1, 50_000).map(lambda n: b"{}" if n < 2 else b'{"a":' * n))
    def send_raw(raw: bytes) -> None:
        answer = Client().post(urls[0], data=raw, content_type="application/json")
        assert answer.status_code < 500

    send()
    send_raw()
