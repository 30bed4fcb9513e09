"""Every URL that changes something takes only POST with a CSRF token, and every POST that
changes something at a vendor leaves an audit entry naming that vendor call."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.live.models import Channel
from tests.dashboard.conftest import Simulated, World2, logged_in
from tests.dashboard.site.test_isolation import kwargs_for, named_patterns

# A plausible form for every URL that takes POST. A new one must be added here: the test
# below fails for any POST-taking URL it does not know.
POST_DATA: dict[str, dict[str, str]] = {
    "people:logout": {},
    "people:password_change": {"old_password": "x", "new_password1": "y", "new_password2": "y"},
    "people:preferences": {"language": "en", "time_zone": ""},
    "people:two_factor": {"token": "000000"},
    "people:login": {"username": "nobody", "password": "x"},
    "credentials:account_create": {"label": "New", "access_key_id": "LTAIx", "access_key_secret": "s" * 20},
    "credentials:account_edit": {"label": "Renamed"},
    "credentials:account_delete": {"confirm": "Acme Aliyun"},
    "credentials:account_test": {},
    "usage:account_recheck": {},
    "billing:price_book_create": {"currency": "USD", "valid_from": "2026-02-01", "audio": "0.004", "v360": "0.015"},
    "billing:price_book_edit": {"currency": "CNY", "valid_from": "2026-01-01", "audio": "0.03"},
    "billing:price_book_delete": {},
    "billing:markup_edit": {"percent": "12.5"},
    "rtc:apps_refresh": {},
    "rtc:app_register": {"app_id": "hand-made-1", "name": "By hand"},
    "rtc:app_rename": {"name": "New name"},
    "rtc:app_unregister": {},
    "live:channel_watch": {"app": "", "channel_id": "watched-1"},
    "live:channel_create": {"app": "", "mode": "communication", "owner_id": "owner-1"},
    "live:channel_refresh": {},
    "live:channel_toggle_watch": {"watched": "1"},
    "live:channel_kick": {"users": "someone", "reason": "test"},
    "live:channel_close": {"confirm_channel_id": "iso-room"},
    "live:channel_nonce": {"nonce": "the-current-nonce"},
    "live:join_token": {"channel_id": "iso-room", "user_id": "someone", "role": "publish_and_watch"},
    "live:read_token": {"token": "bm90IGEgdG9rZW4="},
    "live:channel_lock": {"reason": "test"},
    "live:channel_unlock": {},
    "live:channel_block": {"users": "someone", "reason": "test"},
    "live:channel_message": {"message": "hello", "users": ""},
    "live:channel_invite": {"users": "someone"},
    "live:co_host_add": {"users": "someone", "video": "on"},
    "live:co_host_remove": {"users": "someone"},
    "live:mirror_create": {"server": "rtc-2:cluster-1"},
    "live:channel_merge": {"room": "other-room"},
    "live:channel_separate": {"room": "other-room"},
    "live:merged_track": {"track": "host-audio", "paused": "1"},
    "rtc:server_recycle": {"confirm": "Acme Aliyun"},
    "rtc:upload_url": {},
    "rtc:recording_upload": {},
    "mixing:layout_new": {"name": "x", "save": "1"},
    "mixing:layout_edit": {"name": "x", "save": "1"},
    "mixing:layout_restore": {},
    "mixing:push_start": {
        "stream_url": "rtmp://cdn.example.com/live/x",
        "media_encode": "20",
        "task_profile": "4IN_720P",
    },
    "mixing:push_refresh": {},
    "mixing:push_apply": {},
    "mixing:push_stop": {},
    "recordings:recording_start": {"mixed": "on", "resolution": "720p", "users": ""},
    "recordings:channel_recordings_stop": {},
    "recordings:recording_refresh": {},
    "recordings:recording_stop": {},
    "recordings:recording_apply_layout": {},
    "recordings:recording_users": {"users": "someone"},
    "recordings:recording_playback": {},
    "recordings:rule_new": {"kind": "video", "file_name": "x", "enabled": "on"},
    "recordings:rule_edit": {"kind": "video", "file_name": "x", "enabled": "on"},
    "recordings:rule_delete": {},
    "recordings:auto_recording": {"on": "1", "rule": "1001"},
    "recordings:storage_new": {
        "name": "B",
        "provider": "1",
        "region": "0",
        "bucket": "b",
        "access_key": "a",
        "secret_key": "s",
    },
    "recordings:storage_edit": {"name": "B2", "provider": "1", "region": "0", "bucket": "b"},
    "recordings:storage_delete": {},
    "api_tokens:tenant_tokens": {"name": "fuzz", "scope": "read", "lifetime": "30"},
    "api_tokens:tenant_token_revoke": {},
    "staff:api_tokens": {"name": "fuzz", "scope": "read", "lifetime": "30"},
    "staff:api_token_revoke": {},
    "alerts:rule_new": {"kind": "channel_members_over", "enabled": "on", "threshold": "50"},
    "alerts:rule_edit": {"kind": "account_failing", "enabled": "on"},
    "alerts:rule_delete": {},
    "alerts:rule_mute": {"minutes": "60"},
    "alerts:destination_new": {"name": "Ops", "kind": "email", "emails": "ops@example.com"},
    "alerts:destination_edit": {"name": "Ops mail", "kind": "email", "emails": "ops@example.com"},
    "alerts:destination_delete": {},
    "alerts:destination_test": {},
    "hooks:recording_callback": {},
    "hooks:recording_callback_bound": {},
}
# Vendors cannot hold a CSRF token; these check the vendor's own signature instead
# (tests/dashboard/test_recordings.py sends forged, stale and replayed calls).
SIGNED_CALLBACKS = {"hooks:recording_callback", "hooks:recording_callback_bound"}
READ_ONLY_ACTION_PREFIXES = ("Describe", "Get")


def post_urls(world: World2) -> list[tuple[str, str]]:
    """(name, url) of every pattern whose view accepts POST: pages that only show things
    answer 405 (require_safe), so nothing is left to guess. Asked as a viewer with an empty
    form, so that asking changes nothing."""
    found = []
    for name, pattern in named_patterns():
        if name.startswith("admin:"):
            continue
        url = reverse(name, kwargs=kwargs_for(pattern, world, world.acme.slug))
        # A fresh session each time: one of these is the logout.
        if logged_in(world.acme_viewer).post(url).status_code != 405:
            found.append((name, url))
    return found


def test_every_post_url_refuses_a_request_without_the_csrf_token(two_tenants: World2) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(two_tenants.staff)
    urls = post_urls(two_tenants)
    assert len(urls) >= 15
    for name, url in urls:
        response = client.post(url, POST_DATA.get(name, {}))
        if name in SIGNED_CALLBACKS:
            assert response.status_code in (400, 403, 404), (name, response.status_code)
            continue
        assert response.status_code == 403 and b"CSRF" in response.content, (name, response.status_code)


def test_every_post_url_is_known_and_every_vendor_change_is_audited(
    two_tenants: World2, aliyun_sim: Simulated, sim_transport
) -> None:
    urls = post_urls(two_tenants)
    unknown = {name for name, _ in urls} - set(POST_DATA)
    assert not unknown, f"add these POST URLs to POST_DATA: {unknown}"
    changes: list[tuple[str, str]] = []  # (action, request id) of every changing vendor call

    def recording(request: httpx.Request) -> httpx.Response:
        response = aliyun_sim.simulator.handle(request)
        action = request.url.params.get("Action", "")
        if action and not action.startswith(READ_ONLY_ACTION_PREFIXES):
            request_id = response.json().get("RequestId", "") if response.content.startswith(b"{") else ""
            changes.append((action, request_id))
        return response

    app_pk = str(two_tenants.acme_manual_app.pk)
    Channel.objects.get_or_create(app=two_tenants.acme_manual_app, channel_id="iso-room")
    sim_transport(recording)
    last = {"rtc:app_unregister": 1, "credentials:account_delete": 2}  # what they delete, the others still need
    for name, url in sorted(urls, key=lambda item: last.get(item[0], 0)):
        if name in {"people:logout", "people:login"}:
            continue
        client = logged_in(two_tenants.staff)
        before, calls_before = AuditEntry.objects.count(), len(changes)
        data = {key: (app_pk if key == "app" else value) for key, value in POST_DATA[name].items()}
        response = client.post(url, data)
        assert response.status_code < 500, (name, response.status_code)
        made = changes[calls_before:]
        if made:
            entries = AuditEntry.objects.order_by("pk")[before:]
            audited_ids = {entry.vendor_request_id for entry in entries}
            assert entries, f"{name} changed something at the vendor ({made}) without an audit entry"
            for action, request_id in made:
                assert request_id in audited_ids, f"{name}: {action} {request_id} is not in the audit log"
    assert changes, "no URL changed anything at the vendor: the test is not testing"


@pytest.mark.parametrize(
    "name",
    [
        "live:channel_kick",
        "live:channel_close",
        "live:channel_nonce",
        "live:join_token",
        "rtc:app_rename",
        "credentials:account_delete",
    ],
)
def test_a_get_to_a_changing_url_changes_nothing(two_tenants: World2, name: str) -> None:
    pattern = dict(named_patterns())[name]
    Channel.objects.get_or_create(app=two_tenants.acme_manual_app, channel_id="iso-room")
    url = reverse(name, kwargs=kwargs_for(pattern, two_tenants, two_tenants.acme.slug))
    before = AuditEntry.objects.count()
    logged_in(two_tenants.staff).get(url, POST_DATA[name])
    assert AuditEntry.objects.count() == before


def test_every_change_at_uprtc_is_audited(two_tenants: World2, sim_transport) -> None:
    """The same walk with uprtc's objects (its account, a live room and its app): every call
    that changes something at uprtc (any accepted call but a GET) leaves audit entries."""
    from dashboard.credentials.models import VendorAccount
    from dashboard.rtc.models import RtcApp
    from vendors.sim.world import ROLE_VIEWER, World, WorldOptions
    from vendors.uprtc.client import PREFIX
    from vendors.uprtc.sim import UprtcSimulator

    sim = UprtcSimulator(World(WorldOptions(seed=11, apps_per_vendor=1, channels_per_app=3, users_per_app=200)))
    changes: list[str] = []

    def recording(request: httpx.Request) -> httpx.Response:
        response = sim.handle(request)
        accepted = (
            response.headers.get("content-type", "").startswith("application/json") and not response.json()["code"]
        )
        if request.url.path.startswith(PREFIX) and request.method != "GET" and accepted:
            changes.append(f"{request.method} {request.url.path}")
        return response

    sim_transport(recording)
    account = VendorAccount(tenant=two_tenants.acme, vendor="uprtc", label="Acme uprtc", endpoint="http://uprtc.sim")
    account.set_credentials(sim.demo_account(0, 1))
    account.save()
    app = RtcApp.objects.create(vendor_account=account, app_id=sim.demo_app_ids(0, 1)[0], source="manual")
    with sim._lock:
        sim.issued |= {"iso-room", "other-room"}
        sim._new_room(app.app_id, "live", {"masterId": "owner", "roomId": "iso-room"})
        sim._new_room(app.app_id, "live", {"masterId": "host", "roomId": "other-room"})
    sim.join(app.app_id, "iso-room", "fan", role=ROLE_VIEWER)
    channel = Channel.objects.create(app=app, channel_id="iso-room", mode="interactive_live")
    data_for = POST_DATA | {"rtc:server_recycle": {"confirm": "Acme uprtc"}, "live:channel_watch": {"channel_id": "x"}}
    data_for |= {"live:co_host_add": {"users": "fan"}}
    ours = {"account_id": account.pk, "app_pk": app.pk, "channel_pk": channel.pk}
    last = {"live:channel_separate": 1, "live:channel_close": 2, "rtc:server_recycle": 3}
    walked = []
    for name, pattern in sorted(named_patterns(), key=lambda item: last.get(item[0], 0)):
        names = set(pattern.pattern.converters)
        if (
            not names & set(ours)
            or name.startswith(("credentials:", "billing:", "usage:"))
            or name == "rtc:app_unregister"
        ):
            continue
        kwargs = kwargs_for(pattern, two_tenants, two_tenants.acme.slug) | {k: v for k, v in ours.items() if k in names}
        url = reverse(name, kwargs=kwargs)
        before, calls_before = AuditEntry.objects.count(), len(changes)
        data = {key: (str(app.pk) if key == "app" else value) for key, value in data_for.get(name, {}).items()}
        response = logged_in(two_tenants.staff).post(url, data)
        assert response.status_code < 500, (name, response.status_code)
        made = changes[calls_before:]
        if made:
            walked.append(name)
            entries = AuditEntry.objects.order_by("pk")[before:]
            assert entries, f"{name} changed something at uprtc ({made}) without an audit entry"
            assert all(entry.vendor == "uprtc" for entry in entries), name
    expected = {"live:channel_lock", "live:channel_unlock", "live:channel_block", "live:channel_message"}
    expected |= {"live:co_host_add", "live:mirror_create", "live:channel_merge", "live:merged_track"}
    expected |= {"live:channel_separate", "live:channel_close", "rtc:server_recycle", "rtc:upload_url"}
    assert expected <= set(walked), expected - set(walked)
