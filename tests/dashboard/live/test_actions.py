"""dashboard/live/actions.py through its pages: kick (in batches, per terminal) and close, audited."""

from __future__ import annotations

import httpx
import pytest
from django.urls import reverse

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.live.models import Cause, Channel, EventKind, MemberEvent, Presence
from dashboard.live.poll import poll_channels
from tests.dashboard.conftest import HTMX, Simulated, logged_in
from tests.dashboard.live.conftest import present
from vendors.sim.world import ROLE_COMMUNICATION


def test_kick_one_member_marks_them_audits_and_the_next_poll_confirms(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    url = reverse("live:channel_kick", args=["acme", channel.pk])
    admin = logged_in(tenants.acme_admin)
    confirm = admin.get(url, {"user": "bob"})
    assert (
        confirm.status_code == 200
        and b"Remove 1 user from" in confirm.content
        and channel.channel_id.encode() in confirm.content
    )
    assert Presence.objects.get(channel=channel, user_id="bob").kicked_at is None  # a GET changes nothing
    response = admin.post(url, {"users": "bob", "reason": "customer asked"}, headers=HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "live-changed"
    assert b"1 removed" in response.content
    assert Presence.objects.get(channel=channel, user_id="bob").kicked_at is not None
    entry = AuditEntry.objects.get(action="live.kick")
    assert entry.outcome == Outcome.SUCCESS and entry.vendor_request_id and entry.detail["reason"] == "customer asked"
    assert entry.actor == tenants.acme_admin and entry.detail["user"] == "bob"
    poll_channels(tenants.acme_account, [channel])
    assert set(present(channel)) == {"alice", "carol"}
    assert MemberEvent.objects.get(channel=channel, user_id="bob", kind=EventKind.LEAVE).cause == Cause.KICKED


def test_kick_a_set_reports_each_terminal_including_refusals(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_kick", args=["acme", channel.pk]), {"users": "alice\ncarol\nnobody-here"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "2 removed" in text and "1 refused" in text
    outcomes = dict(AuditEntry.objects.filter(action="live.kick").values_list("detail__user", "outcome"))
    assert outcomes == {"alice": Outcome.SUCCESS, "carol": Outcome.SUCCESS, "nobody-here": Outcome.FAILURE}
    refused = AuditEntry.objects.get(action="live.kick", outcome=Outcome.FAILURE)
    assert refused.error_code and refused.vendor_request_id
    assert set(present(channel)) == {"alice", "bob", "carol"}
    assert {u for u, not_kicked in present(channel).items() if not not_kicked} == {"alice", "carol"}


def test_kicking_more_than_thirty_splits_the_calls(live, aliyun_sim: Simulated, sim_transport) -> None:
    tenants, sim, app, channel = live
    users = [f"crowd{n:03d}" for n in range(65)]
    for user in users:
        sim.simulator.world.join(app.app_id, channel.channel_id, user, role=ROLE_COMMUNICATION)
    batches: list[int] = []

    def counting(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("Action") == "RemoveTerminals":
            batches.append(sum(1 for key in request.url.params if key.startswith("TerminalIds.")))
        return sim.simulator.handle(request)

    sim_transport(counting)
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_kick", args=["acme", channel.pk]), {"users": "\n".join(users)}
    )
    assert response.status_code == 200 and b"65 removed" in response.content
    assert batches == [30, 30, 5]
    assert AuditEntry.objects.filter(action="live.kick", outcome=Outcome.SUCCESS).count() == 65


def test_a_vendor_refusing_a_whole_batch_is_reported_per_terminal(live) -> None:
    tenants, _sim, _app, channel = live
    gone = Channel.objects.create(app=channel.app, channel_id="no-such-channel-here")
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_kick", args=["acme", gone.pk]), {"users": "x\ny"}
    )
    assert response.status_code == 200 and b"2 refused" in response.content
    assert set(AuditEntry.objects.filter(action="live.kick").values_list("error_code", flat=True)) == {
        "Service.NoChannel"
    }


def test_kick_form_refuses_bad_ids_and_loses_what_was_typed(live) -> None:
    tenants, _sim, _app, channel = live
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_kick", args=["acme", channel.pk]), {"users": "ok-user\nbad user!", "reason": "why"}
    )
    assert response.status_code == 200 and b"Letters, digits" in response.content and b"ok-user" in response.content
    assert not AuditEntry.objects.filter(action="live.kick").exists()


def test_close_needs_the_channel_id_typed_then_closes_and_audits(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    url = reverse("live:channel_close", args=["acme", channel.pk])
    admin = logged_in(tenants.acme_admin)
    assert admin.get(url).status_code == 200
    wrong = admin.post(url, {"confirm_channel_id": "something-else"})
    assert wrong.status_code == 200 and b"nothing was closed" in wrong.content
    assert not AuditEntry.objects.filter(action="live.close_channel").exists()
    response = admin.post(url, {"confirm_channel_id": channel.channel_id, "reason": "abuse"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="live.close_channel")
    assert entry.outcome == Outcome.SUCCESS and entry.vendor_request_id and entry.detail["reason"] == "abuse"
    channel.refresh_from_db()
    assert not channel.is_live and channel.member_count == 0 and channel.closed_at
    assert present(channel) == {}
    assert MemberEvent.objects.filter(channel=channel, kind=EventKind.LEAVE, cause=Cause.CLOSED).count() == 3


def test_closing_a_channel_the_vendor_does_not_know_shows_its_answer(live) -> None:
    tenants, _sim, app, _channel = live
    gone = Channel.objects.create(app=app, channel_id="never-existed")
    response = logged_in(tenants.acme_admin).post(
        reverse("live:channel_close", args=["acme", gone.pk]), {"confirm_channel_id": "never-existed"}
    )
    assert response.status_code == 200 and b"The vendor refused" in response.content
    assert AuditEntry.objects.get(action="live.close_channel").outcome == Outcome.FAILURE


@pytest.mark.parametrize("name", ["live:channel_kick", "live:channel_close"])
def test_viewers_cannot_kick_or_close_and_other_tenants_do_not_see_the_channel(live, name: str) -> None:
    tenants, _sim, _app, channel = live
    url = reverse(name, args=["acme", channel.pk])
    form = {"users": "alice", "confirm_channel_id": channel.channel_id}
    viewer = logged_in(tenants.acme_viewer)
    assert viewer.get(url, {"user": "alice"}).status_code == 403
    assert viewer.post(url, form).status_code == 403
    harbor = logged_in(tenants.harbor_admin)
    assert harbor.get(url).status_code == 404
    assert harbor.post(url, form).status_code == 404
    assert harbor.post(reverse(name, args=["harbor", channel.pk]), form).status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="live.").exists()
    assert set(present(channel)) == set()  # never polled, nothing marked
