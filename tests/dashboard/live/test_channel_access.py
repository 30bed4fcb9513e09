"""The participants page (paged at the vendor) and the nonce refresh (confirmed, audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.live.channel_access import PARTICIPANTS_PER_PAGE
from tests.dashboard.conftest import logged_in
from vendors.sim.world import ROLE_COMMUNICATION

pytestmark = pytest.mark.usefixtures("english")


def test_participants_page_walks_the_vendors_pages(live) -> None:
    world, sim, app, channel = live
    for n in range(PARTICIPANTS_PER_PAGE + 7):
        sim.simulator.world.join(app.app_id, channel.channel_id, f"crowd-{n:03d}", role=ROLE_COMMUNICATION)
    total = PARTICIPANTS_PER_PAGE + 10  # with alice, bob and carol
    url = reverse("live:channel_participants", args=["acme", channel.pk])
    client = logged_in(world.acme_viewer)
    first = client.get(url).content.decode()
    assert f"{total} participants in all; page 1 of 2." in first
    assert first.count('<td class="mono">') == PARTICIPANTS_PER_PAGE
    assert 'href="?page=2"' in first
    second = client.get(url + "?page=2").content.decode()
    assert "page 2 of 2." in second and second.count('<td class="mono">') == 10
    listed = {line for line in (first + second).split('<td class="mono">')[1:]}
    assert len(listed) == total
    assert 'rel="next"' not in second


def test_participants_page_shows_the_vendors_refusal(live) -> None:
    world, _sim, app, channel = live
    app.app_id = "not-an-app"
    app.save()
    page = logged_in(world.acme_admin).get(reverse("live:channel_participants", args=["acme", channel.pk]))
    assert "Service.NoApp" in page.content.decode()


def test_nonce_refresh_asks_first_then_replaces_the_nonce_and_audits_it(live) -> None:
    world, sim, app, channel = live
    url = reverse("live:channel_nonce", args=["acme", channel.pk])
    client = logged_in(world.acme_admin)
    old = sim.simulator.channel_nonce(app.app_id, channel.channel_id)
    asked = client.get(url).content.decode()
    assert "Join tokens signed with the old nonce stop letting anyone in" in asked
    assert sim.simulator.channel_nonce(app.app_id, channel.channel_id) == old

    refused = client.post(url, {"nonce": "not-the-nonce"}).content.decode()
    assert "Request.InvalidNonce" in refused
    assert sim.simulator.channel_nonce(app.app_id, channel.channel_id) == old

    done = client.post(url, {"nonce": old, "reason": "leaked tokens"}).content.decode()
    fresh = sim.simulator.channel_nonce(app.app_id, channel.channel_id)
    assert fresh != old and f'value="{fresh}"' in done and "valid until" in done
    entries = AuditEntry.objects.filter(action="live.refresh_nonce").order_by("pk")
    assert [entry.outcome for entry in entries] == ["failure", "success"]
    assert entries[1].vendor_request_id and entries[1].detail["reason"] == "leaked tokens"
    for entry in entries:
        assert old not in str(entry.detail) + entry.message and fresh not in str(entry.detail) + entry.message


def test_viewers_may_read_participants_but_not_refresh_a_nonce(live) -> None:
    world, _sim, _app, channel = live
    viewer = logged_in(world.acme_viewer)
    assert viewer.get(reverse("live:channel_nonce", args=["acme", channel.pk])).status_code == 403
    page = viewer.get(reverse("live:channel_detail", args=["acme", channel.pk])).content.decode()
    assert reverse("live:channel_participants", args=["acme", channel.pk]) in page
    assert reverse("live:channel_nonce", args=["acme", channel.pk]) not in page
    admin_page = logged_in(world.acme_admin).get(reverse("live:channel_detail", args=["acme", channel.pk]))
    assert reverse("live:channel_nonce", args=["acme", channel.pk]) in admin_page.content.decode()
