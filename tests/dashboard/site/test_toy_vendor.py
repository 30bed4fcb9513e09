"""A vendor the console has never seen works without a change to dashboard/: the toy vendor
(tests/toy_vendor: apps and live membership, nothing else) is registered, an admin adds an
account of it through its declared credential fields, and every page and form, walked as
admin, viewer and staff, answers below 500 and offers nothing the toy cannot do."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from dashboard.billing.models import PriceBook
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel, Presence
from dashboard.mixing.models import MixingTask
from dashboard.recordings.models import Recording, RecordingFile
from dashboard.rtc.models import AppSource, RtcApp
from dashboard.rtc.tasks import refresh_account_apps
from tests.dashboard.conftest import World2, allow_endpoint, logged_in
from tests.dashboard.site.test_isolation import (
    acme_alert_rule,
    acme_api_token,
    acme_destination,
    acme_layout,
    acme_storage,
    named_patterns,
)
from tests.dashboard.site.test_mutations import POST_DATA
from tests.toy_vendor.provider import INFO, ToyProvider
from tests.toy_vendor.sim import ToySimulator
from vendors import registry
from vendors.base.provider import Capability, Provider, VendorInfo, capability_methods
from vendors.sim.server import SimServer

TOKEN = "toy-SECRET-token-5d1e9b7a"  # never rendered: checked in every answer below
PROJECT = "acme-toy"
APPS = {"toy-app-1": {"lobby": ["ann", "bob"], "quiet": []}, "toy-app-2": {}}

# The console's actions on an account, an app or a channel, and the capability each needs.
# The toy lacks every one: its pages must not offer them, and asking for them is refused
# without a call to the vendor.
ACTIONS: dict[str, Capability] = {
    "rtc:app_rename": Capability.RENAME_APP,
    "usage:app_usage": Capability.USAGE_STATS,
    "usage:account_usage": Capability.USAGE_STATS,
    "live:channel_history": Capability.CHANNEL_RECORDS,
    "live:channel_history_detail": Capability.CHANNEL_RECORDS,
    "live:member_session": Capability.MEMBER_SESSION,
    "live:channel_create": Capability.CREATE_CHANNEL,
    "live:channel_kick": Capability.KICK,
    "live:channel_close": Capability.CLOSE_CHANNEL,
    "live:channel_participants": Capability.PARTICIPANTS,
    "live:channel_nonce": Capability.CHANNEL_NONCE,
    "live:join_token": Capability.JOIN_TOKEN,
    "live:read_token": Capability.JOIN_TOKEN,
    "mixing:push_start": Capability.MIXING,
    "recordings:recording_start": Capability.RECORDING,
    "recordings:channel_recordings_stop": Capability.RECORDING_STOP_CHANNEL,
    "recordings:rule_list": Capability.RECORDING_RULES,
    "recordings:rule_new": Capability.RECORDING_RULES,
    "recordings:rule_edit": Capability.RECORDING_RULES,
    "recordings:rule_delete": Capability.RECORDING_RULES,
    "recordings:auto_recording": Capability.RECORDING_RULES,
    "live:channel_lock": Capability.JOIN_LOCK,
    "live:channel_unlock": Capability.JOIN_LOCK,
    "live:channel_block": Capability.BLOCK_MEMBER,
    "live:channel_message": Capability.SEND_MESSAGE,
    "live:channel_invite": Capability.INVITE_MEMBERS,
    "live:member_presence": Capability.MEMBER_PRESENCE,
    "live:channel_recording_status": Capability.CHANNEL_RECORDING_STATUS,
    "live:co_host_add": Capability.CO_HOSTS,
    "live:co_host_remove": Capability.CO_HOSTS,
    "live:mirror_create": Capability.MIRRORS,
    "live:channel_merge": Capability.MERGE_CHANNELS,
    "live:channel_separate": Capability.MERGE_CHANNELS,
    "live:merged_track": Capability.MERGED_TRACKS,
    "rtc:servers": Capability.SERVER_LOAD,
    "rtc:server_recycle": Capability.SERVER_RECYCLE,
    "rtc:upload_url": Capability.RECORDING_UPLOAD,
    "rtc:recording_upload": Capability.RECORDING_UPLOAD,
}
# Actions on a push or a recording, which only a vendor that mixes or records starts: asked
# of one left on a toy channel, they must not reach the vendor either.
LEFTOVER_ACTIONS: dict[str, Capability] = {
    "mixing:push_refresh": Capability.MIXING,
    "mixing:push_apply": Capability.MIXING,
    "mixing:push_stop": Capability.MIXING,
    "recordings:recording_stop": Capability.RECORDING,
    "recordings:recording_refresh": Capability.RECORDING_STATUS,
    "recordings:recording_apply_layout": Capability.RECORDING_LAYOUT,
    "recordings:recording_users": Capability.RECORDING_SUBSCRIPTIONS,
    "recordings:recording_playback": Capability.RECORDING_PLAYBACK,
    "recordings:recording_download": Capability.RECORDING_DOWNLOAD,
}
# What a refusal says (the vendor's label, or the base Provider's "<vendor> has no API to ...").
REFUSAL = re.compile(r"\b(Toy RTC|toy|This vendor|These vendors) (has no|cannot|keeps no|publish no|stops recordings)")
# Where the toy's own objects are shown: these pages must not offer the actions above.
TOY_PAGES = ("rtc:account_detail", "live:channel_list", "live:channel_detail")
# What those pages offer an admin once the toy declares every capability; the other actions
# are offered further on (the rule list, the recording page), once usage has been synced, or
# on a live channel (co-hosts, mirrors, merges, tracks: the toy's channel is a conversation).
OFFERED_WHEN_DECLARED = {
    "usage:account_usage",
    "rtc:app_rename",
    "live:channel_close",
    "live:channel_create",
    "live:channel_history",
    "live:channel_history_detail",
    "live:channel_kick",
    "live:channel_nonce",
    "live:channel_participants",
    "live:join_token",
    "live:member_session",
    "mixing:push_start",
    "recordings:recording_start",
    "recordings:rule_list",
    "live:channel_lock",
    "live:channel_unlock",
    "live:channel_block",
    "live:channel_message",
    "live:channel_invite",
    "live:member_presence",
    "rtc:servers",
}


@dataclass
class Toy:
    world: World2
    simulator: ToySimulator
    base_url: str
    account: VendorAccount
    app: RtcApp
    channel: Channel
    # Objects only a vendor with more capabilities could have made: a push and a recording
    # on a toy channel (a deployment that dropped a capability keeps them).
    push: MixingTask
    recording: Recording
    file: RecordingFile

    def kwargs(self, names: list[str]) -> dict[str, object]:
        values = {
            "tenant_slug": self.world.acme.slug,
            "account_id": self.account.pk,
            "app_pk": self.app.pk,
            "vendor": INFO.name,
            "channel_pk": self.channel.pk,
            "template_pk": acme_layout(self.world).pk,
            "task_pk": self.push.pk,
            "number": 1,
            "recording_pk": self.recording.pk,
            "file_pk": self.file.pk,
            "rule_id": "1001",
            "storage_pk": acme_storage(self.world).pk,
            "token": "not-a-signed-account",
            "recording_token": "not-a-recording-token",
            "token_pk": acme_api_token(self.world).pk,
            "rule_pk": acme_alert_rule(self.world).pk,
            "destination_pk": acme_destination(self.world).pk,
            "book_id": PriceBook.objects.get_or_create(
                vendor_account=self.account, valid_from=date(2026, 1, 1), defaults={"currency": "USD"}
            )[0].pk,
        }
        unknown = set(names) - set(values)
        assert not unknown, f"teach this test the URL parameters {unknown}"
        return {name: values[name] for name in names}

    def url(self, name: str) -> str:
        return reverse(name, kwargs=self.kwargs(list(dict(named_patterns())[name].pattern.converters)))


@contextlib.contextmanager
def registered(info: VendorInfo) -> Iterator[VendorInfo]:
    registry.register(info)
    try:
        yield info
    finally:
        registry.unregister(info.name)


@pytest.fixture
def toy_sim(caplog: pytest.LogCaptureFixture) -> Iterator[tuple[ToySimulator, str]]:
    simulator = ToySimulator(PROJECT, TOKEN, APPS)
    with registered(INFO), SimServer(simulator.handle) as server:
        yield simulator, server.base_url
    assert not [record.name for record in caplog.records if TOKEN in record.getMessage() + str(record.exc_text)]


def ask(client: Client, method: str, url: str, data: dict[str, str] | None = None, **extra: object):
    """A request that must answer below 500 and never show the toy's token."""
    response = getattr(client, method)(url, data, **extra)
    assert response.status_code < 500, (method.upper(), url, response.status_code)
    if not response.streaming:
        assert TOKEN.encode() not in response.content, url
    return response


@pytest.fixture
def toy(two_tenants: World2, toy_sim: tuple[ToySimulator, str]) -> Toy:
    simulator, base_url = toy_sim
    account = VendorAccount(
        tenant=two_tenants.acme, vendor=INFO.name, label="Acme Toy", endpoint=allow_endpoint(INFO.name, base_url)
    )
    account.set_credentials(simulator.demo_credentials())
    account.save()
    app = RtcApp.objects.create(vendor_account=account, app_id="toy-app-1", source=AppSource.LISTED)
    channel = Channel.objects.create(app=app, channel_id="lobby", watched=True)
    ask(logged_in(two_tenants.acme_viewer), "post", reverse("live:channel_refresh", args=["acme", channel.pk]))
    assert set(Presence.objects.filter(channel=channel).values_list("user_id", flat=True)) == {"ann", "bob"}
    push = MixingTask.objects.create(
        channel=channel, task_id="toy-task", stream_url="rtmp://cdn/toy", media_encode=20, task_profile="4IN_720P"
    )
    recording = Recording.objects.create(channel=channel, recording_id="toy-recording")
    file = RecordingFile.objects.create(recording=recording, name="toy.png", content=b"png")
    return Toy(two_tenants, simulator, base_url, account, app, channel, push, recording, file)


def test_the_toy_provider_overrides_exactly_the_methods_of_its_two_capabilities() -> None:
    """Its declaration and its code agree, as every built-in vendor's must
    (tests/vendors/test_registry_and_provider.py)."""
    assert INFO.capabilities == {Capability.LIST_APPS, Capability.LIVE_MEMBERSHIP}
    overridden = {name for name in vars(ToyProvider) if name in vars(Provider) and not name.startswith("__")}
    assert overridden == {"check_connection", "close", "list_apps", "membership"}
    for capability in Capability:
        assert set(capability_methods(capability)) <= overridden or not INFO.can(capability)


def test_an_admin_adds_a_toy_account_from_its_declared_fields_tests_it_and_lists_its_apps(
    two_tenants: World2, toy_sim: tuple[ToySimulator, str]
) -> None:
    simulator, base_url = toy_sim
    endpoint = allow_endpoint(INFO.name, base_url)
    client = logged_in(two_tenants.acme_admin)
    create = reverse("credentials:account_create", args=["acme", INFO.name])
    assert create in ask(client, "get", reverse("credentials:account_choose_vendor", args=["acme"])).content.decode()
    form = ask(client, "get", create).content.decode()
    assert "Project" in form and "API token" in form and "Settings → API tokens." in form
    assert 'type="password"' in form and 'name="cred_token"' in form and endpoint in form
    fields = {"label": "Toy", "cred_project": PROJECT, "cred_token": TOKEN, "endpoint": endpoint, "enabled": "on"}
    added = ask(client, "post", create, fields, follow=True)
    assert "Vendor account “Toy” added" in added.content.decode()
    account = VendorAccount.objects.get(tenant=two_tenants.acme, label="Toy")
    assert account.credentials() == {"project": PROJECT, "token": TOKEN}
    assert TOKEN not in account.credentials_ciphertext

    tested = ask(client, "post", reverse("credentials:account_test", args=["acme", account.pk]), follow=True)
    assert "Connected to Toy RTC." in tested.content.decode()
    account.refresh_from_db()
    assert account.last_check_outcome == "ok" and account.last_check_request_id.startswith("toy-")

    edit = reverse("credentials:account_edit", args=["acme", account.pk])
    assert f"Set, ending in …{TOKEN[-4:]}" in ask(client, "get", edit).content.decode()
    ask(client, "post", edit, fields | {"label": "Toy RTC", "cred_token": ""})
    account.refresh_from_db()
    assert account.label == "Toy RTC" and account.credentials()["token"] == TOKEN

    refreshed = ask(client, "post", reverse("rtc:apps_refresh", args=["acme", account.pk]), follow=True)
    assert "App list refreshed: 2 new, 0 updated, 0 no longer listed." in refreshed.content.decode()
    assert sorted(account.apps.values_list("app_id", "source")) == [("toy-app-1", "listed"), ("toy-app-2", "listed")]
    assert (
        "Toy app toy-app-2"
        in ask(client, "get", reverse("rtc:account_detail", args=["acme", account.pk])).content.decode()
    )
    assert [request.url.path for request in simulator.requests] == [f"/v1/projects/{PROJECT}/apps"] * 2


def test_a_wrong_toy_token_is_the_vendors_own_refusal(two_tenants: World2, toy_sim: tuple[ToySimulator, str]) -> None:
    account = VendorAccount(
        tenant=two_tenants.acme, vendor=INFO.name, label="Wrong", endpoint=allow_endpoint(INFO.name, toy_sim[1])
    )
    account.set_credentials({"project": PROJECT, "token": "not-the-token"})
    account.save()
    client = logged_in(two_tenants.acme_admin)
    page = ask(
        client, "post", reverse("credentials:account_test", args=["acme", account.pk]), follow=True
    ).content.decode()
    assert "Connection test failed: [BadToken] unknown token for this project" in page


@pytest.mark.parametrize("who", ["acme_admin", "acme_viewer", "staff"])
def test_every_page_and_form_answers_below_500_for_a_toy_account(toy: Toy, who: str) -> None:
    client = logged_in(getattr(toy.world, who))
    for name, pattern in named_patterns():
        if name in {
            "people:logout",
            "people:login",
            "ops:readyz",
        }:  # readyz answers 503 while the test's job queue is not running
            continue
        url = reverse(name, kwargs=toy.kwargs(list(pattern.pattern.converters)))
        ask(client, "get", url)
        ask(client, "get", url, headers={"HX-Request": "true"})
        if name in {"credentials:account_delete", "recordings:storage_delete"}:
            continue  # the walk still needs what they delete
        data = {key: (str(toy.app.pk) if key == "app" else value) for key, value in POST_DATA.get(name, {}).items()}
        ask(client, "post", url, data)
    assert VendorAccount.objects.filter(pk=toy.account.pk).exists()


@pytest.mark.parametrize("who", ["acme_admin", "acme_viewer", "staff"])
def test_pages_of_a_toy_account_offer_nothing_the_toy_cannot_do(toy: Toy, who: str) -> None:
    client = logged_in(getattr(toy.world, who))
    lacking = [name for name, capability in (ACTIONS | LEFTOVER_ACTIONS).items() if not INFO.can(capability)]
    assert len(lacking) == len(ACTIONS) + len(LEFTOVER_ACTIONS)
    for page in TOY_PAGES:
        html = ask(client, "get", toy.url(page)).content.decode()
        offered = [name for name in lacking if toy.url(name) in html]
        assert not offered, f"{page} offers {offered} to {who}"


def test_the_same_pages_offer_the_actions_once_the_toy_declares_them(toy: Toy) -> None:
    """The check above can fail: a toy declaring every capability is offered each action."""
    everything = dataclasses.replace(INFO, capabilities=frozenset(Capability))
    registry.unregister(INFO.name)
    try:
        with registered(everything):
            client = logged_in(toy.world.acme_admin)
            html = "".join(ask(client, "get", toy.url(page)).content.decode() for page in TOY_PAGES)
    finally:
        registry.register(INFO)
    offered = {name for name in ACTIONS if toy.url(name) in html}
    assert offered == OFFERED_WHEN_DECLARED


def _ask_for(toy: Toy, name: str):
    """The action as a user would ask it: a POST with a plausible form, or a GET for a page."""
    client = logged_in(toy.world.acme_admin)
    data = {key: (str(toy.app.pk) if key == "app" else value) for key, value in POST_DATA.get(name, {}).items()}
    query = f"?user=ann&channel=lobby&template={acme_layout(toy.world).pk}"
    response = ask(client, "post", toy.url(name) + query, data)
    if response.status_code == 405:
        response = ask(client, "get", toy.url(name) + query)
    return response


def test_asking_for_what_the_toy_cannot_do_is_refused_without_calling_it(toy: Toy) -> None:
    for name in ACTIONS:
        calls = len(toy.simulator.requests)
        response = _ask_for(toy, name)
        assert len(toy.simulator.requests) == calls, f"{name} called the toy vendor"
        if 400 <= response.status_code < 500:
            continue
        said = [str(message) for message in get_messages(response.wsgi_request)]
        text = " ".join([*said, re.sub(r"<[^>]+>", " ", response.content.decode())])
        assert REFUSAL.search(text), f"{name} answered {response.status_code} without saying the toy cannot"


def test_actions_on_a_push_or_recording_left_on_a_toy_channel_never_reach_the_toy(toy: Toy) -> None:
    for name in LEFTOVER_ACTIONS:
        calls = len(toy.simulator.requests)
        _ask_for(toy, name)
        assert len(toy.simulator.requests) == calls, f"{name} called the toy vendor"


def test_a_toy_account_whose_app_list_stopped_says_why_and_offers_to_check_again(toy: Toy, settings) -> None:
    """The app-list job stops an account after a permanent vendor error. A vendor that lists
    apps but publishes no usage must show that too, and the way to start again."""
    toy.simulator.token = "rotated-at-the-vendor"
    refresh_account_apps(toy.account.pk)
    toy.account.refresh_from_db()
    assert toy.account.sync_blocked
    recheck = reverse("usage:account_recheck", args=["acme", toy.account.pk])
    for who, offered in (("acme_admin", True), ("acme_viewer", False)):
        page = ask(logged_in(getattr(toy.world, who)), "get", toy.url("rtc:account_detail")).content.decode()
        assert "[BadToken] unknown token for this project" in page, who
        assert (recheck in page) is offered, who
    toy.simulator.token = TOKEN
    settings.SYNC_ON_ACCOUNT_CHANGE = True
    ask(logged_in(toy.world.acme_admin), "post", recheck)
    toy.account.refresh_from_db()
    assert not toy.account.sync_blocked
    assert sorted(toy.account.apps.values_list("app_id", flat=True)) == ["toy-app-1", "toy-app-2"]
