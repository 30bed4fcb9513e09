"""dashboard/recordings/views.py (and actions.py behind it): anyRTC, uprtc and ISDP+ recordings from start to files,
downloads and playback, refusals, audit and permissions."""

from __future__ import annotations

import json

import httpx
from django.urls import reverse

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.mixing.layouts import preset_layout, to_json
from dashboard.mixing.models import LayoutTemplate, LayoutVersion
from dashboard.recordings.models import Recording, State, StorageTarget
from dashboard.recordings.tasks import check_recordings
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.recordings.conftest import (
    STORAGE_SECRET,
    Setup,
    actions_audited,
    layout_template,
    start_isdp_capture,
)

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


def test_the_layout_editor_says_how_many_running_mixed_recordings_there_are_when_cut(setup: Setup) -> None:
    template = LayoutTemplate.objects.create(tenant=setup.tenants.acme, name="Cut")
    LayoutVersion.objects.create(template=template, number=1, layout=to_json(preset_layout("grid-2")))
    channel = setup.channels["anyrtc"]
    url = reverse("mixing:layout_edit", args=["acme", template.pk])
    admin = logged_in(setup.tenants.acme_admin)

    def running(count: int) -> str:
        start = Recording.objects.count()
        Recording.objects.bulk_create(
            Recording(tenant=setup.tenants.acme, channel=channel, recording_id=f"r{start + n}", state=State.RECORDING)
            for n in range(count)
        )
        return admin.get(url).content.decode()

    under = running(20)
    assert "data-shown-of" not in under and under.count("/layout/?template=") == 20
    over = running(3)
    assert 'data-shown-of="20/23"' in over and "20 of 23 shown." in over
    assert reverse("recordings:recording_list", args=["acme"]) + "?show=active" in over


def test_recording_files_are_links_with_sizes_and_durations_read_h_mm_ss(two_tenants: World2) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dashboard.live.models import Channel
    from dashboard.recordings.models import Recording, RecordingFile, State

    w = two_tenants
    channel = Channel.objects.create(app=w.acme_manual_app, channel_id="files-room")
    now = timezone.now()
    recording = Recording.objects.create(tenant=w.acme, channel=channel, recording_id="rec-files", state=State.FINISHED)
    Recording.objects.filter(pk=recording.pk).update(
        started_at=now - timedelta(minutes=20),
        stop_requested_at=now - timedelta(minutes=10),  # ten minutes recorded
        ended_at=now,  # then ten minutes of upload
    )
    RecordingFile.objects.create(
        recording=recording, name="a.mp4", url="https://cdn.example.com/a.mp4", size_bytes=5 * 1024**2
    )
    RecordingFile.objects.create(recording=recording, name="b.m3u8", url="javascript:alert(1)")
    admin = logged_in(w.acme_admin)
    page = admin.get(reverse("recordings:recording_detail", args=["acme", recording.pk])).content.decode()
    files = page[page.index('id="recording-files"') :]
    assert '<a href="https://cdn.example.com/a.mp4" rel="noopener noreferrer" target="_blank">a.mp4</a>' in files
    assert "5.0\xa0MB" in files
    assert 'href="javascript' not in page and "b.m3u8" in files
    assert ">0:10:00<" in page
    listing = admin.get(reverse("recordings:recording_list", args=["acme"])).content.decode()
    assert ">0:10:00<" in listing
