"""dashboard/rtc/servers.py against the uprtc simulator: the Servers page reads load and room
counts; recycle (typed confirmation), an upload address and a file upload are audited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.credentials.models import VendorAccount
from tests.dashboard.conftest import World2, logged_in
from vendors.sim.world import World, WorldOptions
from vendors.uprtc.sim import ENTRY_SERVER, UprtcSimulator


@pytest.fixture
def uprtc(two_tenants: World2, sim_transport) -> tuple[UprtcSimulator, VendorAccount]:
    sim = UprtcSimulator(World(WorldOptions(seed=11, apps_per_vendor=1, channels_per_app=3, users_per_app=200)))
    sim_transport(sim.handle)
    account = VendorAccount(tenant=two_tenants.acme, vendor="uprtc", label="Acme uprtc", endpoint="http://uprtc.sim")
    account.set_credentials(sim.demo_account(0, 1))
    account.save()
    return sim, account


def url(name: str, account: VendorAccount) -> str:
    return reverse(name, args=["acme", account.pk])


def test_the_servers_page_shows_what_the_vendor_says(two_tenants: World2, uprtc) -> None:
    _sim, account = uprtc
    detail = logged_in(two_tenants.acme_viewer).get(url("rtc:account_detail", account)).content.decode()
    assert url("rtc:servers", account) in detail
    page = logged_in(two_tenants.acme_viewer).get(url("rtc:servers", account)).content.decode()
    assert 'id="least-loaded">rtc-' in page and 'id="room-count"' in page and "32412" in page
    assert url("rtc:server_recycle", account) not in page  # viewers are offered no change
    admin = logged_in(two_tenants.acme_admin).get(url("rtc:servers", account)).content.decode()
    assert url("rtc:server_recycle", account) in admin and url("rtc:recording_upload", account) in admin


def test_recycle_asks_for_the_account_name_then_recycles(two_tenants: World2, uprtc) -> None:
    sim, account = uprtc
    admin = logged_in(two_tenants.acme_admin)
    wrong = admin.post(url("rtc:server_recycle", account), {"confirm": "nope"}).content.decode()
    assert "nothing was recycled" in wrong and not sim.recycled
    admin.post(url("rtc:server_recycle", account), {"confirm": "Acme uprtc", "reason": "maintenance"})
    assert sim.recycled == {ENTRY_SERVER}
    entry = AuditEntry.objects.get(action="server.recycle")
    assert entry.outcome == Outcome.SUCCESS and entry.detail["reason"] == "maintenance"
    assert logged_in(two_tenants.acme_viewer).post(url("rtc:server_recycle", account)).status_code == 403


def test_upload_address_and_file_upload_are_audited_with_the_vendors_recording_id(two_tenants: World2, uprtc) -> None:
    sim, account = uprtc
    admin = logged_in(two_tenants.acme_admin)
    created = admin.post(url("rtc:upload_url", account)).content.decode()
    entry = AuditEntry.objects.get(action="server.upload_url")
    record_id = entry.detail["recording_id"]
    assert record_id in sim.recordings and f"recordId={record_id}" in created
    refused = admin.post(url("rtc:recording_upload", account), {"file": SimpleUploadedFile("notes.txt", b"hi")})
    assert "not a video or audio file" in refused.content.decode()
    talk = SimpleUploadedFile("talk.mp4", b"\x00\x00\x00\x18ftypmp42-bytes", content_type="video/mp4")
    done = admin.post(url("rtc:recording_upload", account), {"file": talk}).content.decode()
    uploaded = AuditEntry.objects.get(action="server.upload")
    assert uploaded.detail["file"] == "talk.mp4" and uploaded.message in sim.recordings
    assert sim.recordings[uploaded.message].content == b"\x00\x00\x00\x18ftypmp42-bytes"
    assert uploaded.message in done
