"""Join tokens from the console: signed for an app's channel, user and role with the media
endpoint the vendor names, audited without the token, never logged; and read back."""

from __future__ import annotations

import base64
import html
import re

import pytest
from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import logged_in
from vendors.isdp.sim import IsdpSimulator

pytestmark = pytest.mark.usefixtures("english")


def signed_token(page: str) -> str:
    found = re.search(r'<textarea[^>]*id="join-token-text"[^>]*>([^<]+)</textarea>', page)
    assert found, page
    return html.unescape(found.group(1)).strip()


@pytest.fixture
def isdp(other_vendors):
    world, accounts = other_vendors
    return world, accounts["isdp"], RtcApp.objects.get(vendor_account=accounts["isdp"])


def test_an_admin_signs_a_token_the_media_server_admits(isdp, two_tenants, caplog) -> None:
    world, _account, app = isdp
    client = logged_in(two_tenants.acme_admin)
    url = reverse("live:join_token", args=["acme", app.pk])
    form = client.get(url + "?channel=hall-9").content.decode()
    assert 'value="hall-9"' in form and "Publish only" in form
    page = client.post(url, {"channel_id": "hall-9", "user_id": "guest-7", "role": "publish_only"}).content.decode()
    token = signed_token(page)
    media = IsdpSimulator(world)  # the media side of the same world
    endpoint = media._media_endpoint(app.app_id, {"channelIds": ["hall-9"]})["list"][0]
    assert f"{endpoint['ip']}:{endpoint['port']}" in page
    assert media.admit(token) == "guest-7"
    assert "guest-7" in {s.user_id for s in world.live_sessions(app.app_id, "hall-9")}

    entry = AuditEntry.objects.get(action="live.join_token")
    assert entry.outcome == "success" and entry.target == f"{app.app_id} / hall-9 / guest-7"
    assert entry.detail["role"] == "publish_only" and token not in str(entry.detail) + entry.message
    assert not [r for r in caplog.records if token in r.getMessage() + str(r.args or "") + str(r.exc_text or "")]


def test_reading_a_token_says_what_it_holds_and_whether_it_was_changed(isdp, two_tenants) -> None:
    _world, _account, app = isdp
    client = logged_in(two_tenants.acme_admin)
    sign = reverse("live:join_token", args=["acme", app.pk])
    token = signed_token(
        client.post(sign, {"channel_id": "hall-2", "user_id": "host-1", "role": "publish_and_watch"}).content.decode()
    )
    read = reverse("live:read_token", args=["acme", app.pk])
    page = client.post(read, {"token": token}).content.decode()
    assert 'data-signature="holds"' in page and "host-1" in page and "hall-2" in page and "Publish and watch" in page
    assert "ago" in page and token not in page  # the form is not refilled with the token

    payload, _, signature = base64.b64decode(token).decode().rpartition("@#@")
    forged = base64.b64encode((payload.replace("host-1", "host-2") + "@#@" + signature).encode()).decode()
    assert 'data-signature="broken"' in client.post(read, {"token": forged}).content.decode()
    assert "not an iRTC join token" in client.post(read, {"token": "hello"}).content.decode()


def test_viewers_and_vendors_without_join_tokens_are_refused(isdp, two_tenants) -> None:
    _world, _account, app = isdp
    viewer = logged_in(two_tenants.acme_viewer)
    for name in ("live:join_token", "live:read_token"):
        assert viewer.get(reverse(name, args=["acme", app.pk])).status_code == 403
    aliyun_app = two_tenants.acme_manual_app
    page = logged_in(two_tenants.acme_admin).post(
        reverse("live:join_token", args=["acme", aliyun_app.pk]), {"channel_id": "c", "user_id": "u", "role": "x"}
    )
    assert "Alibaba Cloud RTC has no API to sign join tokens." in page.content.decode()
    assert not AuditEntry.objects.filter(action="live.join_token").exists()


def test_an_empty_or_oversized_paste_is_refused_by_the_form(isdp, two_tenants) -> None:
    _world, _account, app = isdp
    client = logged_in(two_tenants.acme_admin)
    read = reverse("live:read_token", args=["acme", app.pk])
    assert "This field is required." in client.post(read, {"token": ""}).content.decode()
    assert "at most 4096 characters" in client.post(read, {"token": "A" * 5000}).content.decode()
