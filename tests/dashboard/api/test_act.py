"""Acting through the API: the pages' services, audited with the token's name; refusals in the one
error shape with the vendor's code and request id."""

from __future__ import annotations

import json

from dashboard.api.models import ApiToken
from dashboard.audit.models import AuditEntry, Outcome
from dashboard.live.models import Channel
from dashboard.live.poll import poll_channels
from dashboard.recordings.models import Recording
from tests.dashboard.api.conftest import Tokens, api_client
from tests.dashboard.live.conftest import live, present  # noqa: F401 - the fixture
from tests.dashboard.recordings.conftest import Setup, setup  # noqa: F401 - the fixture


def post(token: str, path: str, body: dict | None = None) -> object:
    return api_client(token).post(
        f"/api/v1/tenants/acme/{path}", json.dumps(body or {}), content_type="application/json"
    )


def test_kick_answers_per_user_and_audits_each_as_the_token(live, api_tokens: Tokens) -> None:  # noqa: F811
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    response = post(api_tokens.acme_act, f"channels/{channel.pk}/kick", {"users": ["alice", "nobody"], "reason": "api"})
    assert response.status_code == 200, response.content
    results = {result["user_id"]: result for result in response.json()["results"]}
    assert results["alice"]["ok"] and results["alice"]["vendor_request_id"]
    assert not results["nobody"]["ok"] and results["nobody"]["code"]
    entries = AuditEntry.objects.filter(action="live.kick").order_by("pk")
    assert [(e.actor_name, e.actor_id, e.outcome) for e in entries] == [
        ("token:acme-act", None, Outcome.SUCCESS),
        ("token:acme-act", None, Outcome.FAILURE),
    ]
    assert entries[0].detail["reason"] == "api"
    assert present(channel)["alice"] is False  # marked kicked until a poll confirms, as from the page


def test_close_needs_the_channel_id_repeated_then_closes_and_audits(live, api_tokens: Tokens) -> None:  # noqa: F811
    _tenants, _sim, _app, channel = live
    wrong = post(api_tokens.acme_act, f"channels/{channel.pk}/close", {"channel_id": "something-else"})
    assert wrong.status_code == 422 and "nothing was closed" in wrong.json()["details"][0]["msg"]
    assert not AuditEntry.objects.filter(action="live.close_channel").exists()
    response = post(api_tokens.acme_act, f"channels/{channel.pk}/close", {"channel_id": channel.channel_id})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["vendor_request_id"] and body["channel"]["closed_at"] and not body["channel"]["is_live"]
    entry = AuditEntry.objects.get(action="live.close_channel")
    assert (entry.actor_name, entry.outcome, entry.vendor_request_id) == (
        "token:acme-act",
        Outcome.SUCCESS,
        body["vendor_request_id"],
    )


def test_a_vendor_refusal_is_an_api_error_with_the_vendors_code_and_request_id(live, api_tokens: Tokens) -> None:  # noqa: F811
    _tenants, _sim, app, _channel = live
    gone = Channel.objects.create(app=app, channel_id="never-existed")
    response = post(api_tokens.acme_act, f"channels/{gone.pk}/close", {"channel_id": "never-existed"})
    assert response.status_code == 502
    body = response.json()
    entry = AuditEntry.objects.get(action="live.close_channel")
    assert body["code"] == "vendor_refused" and body["message"].startswith("The vendor refused")
    assert body["vendor_code"] == entry.error_code and body["vendor_request_id"] == entry.vendor_request_id != ""
    assert body["request_id"] == response["X-Request-ID"]
    assert entry.outcome == Outcome.FAILURE and entry.actor_name == "token:acme-act"


def test_an_action_the_vendor_cannot_do_is_409(live, api_tokens: Tokens) -> None:  # noqa: F811
    _tenants, _sim, _app, channel = live  # Aliyun does not record
    response = post(api_tokens.acme_act, f"channels/{channel.pk}/recordings", {})
    assert response.status_code == 409 and response.json()["code"] == "unsupported"
    assert not AuditEntry.objects.filter(action="recording.start").exists()


def test_start_and_stop_a_recording_as_the_token(setup: Setup, api_tokens: Tokens) -> None:  # noqa: F811
    channel, users = setup.channels["uprtc"], setup.publishers["uprtc"]
    bad = post(api_tokens.acme_act, f"channels/{channel.pk}/recordings", {"users": ["not an id"]})
    assert bad.status_code == 422
    started = post(
        api_tokens.acme_act,
        f"channels/{channel.pk}/recordings",
        {"users": users[:2], "resolution": "480p", "featured_user": users[0]},
    )
    assert started.status_code == 201, started.content
    recording = Recording.objects.get(channel=channel)
    assert started.json()["recording_id"] == recording.recording_id and recording.started_by is None
    assert recording.options["resolution"] == "480p"
    setup.clock.advance(seconds=5)
    stopped = post(api_tokens.acme_act, f"recordings/{recording.pk}/stop")
    assert stopped.status_code == 200, stopped.content
    assert stopped.json()["recording"]["id"] == recording.pk
    recording.refresh_from_db()
    assert recording.stop_requested_at is not None
    assert list(
        AuditEntry.objects.filter(action__startswith="recording.").order_by("pk").values_list("action", "actor_name")
    ) == [("recording.start", "token:acme-act"), ("recording.stop", "token:acme-act")]
    listed = api_client(api_tokens.acme_read).get("/api/v1/tenants/acme/recordings").json()["results"]
    assert [item["recording_id"] for item in listed] == [recording.recording_id]


def test_a_revoked_or_expired_token_can_no_longer_act(live, api_tokens: Tokens) -> None:  # noqa: F811
    _tenants, _sim, _app, channel = live
    ApiToken.objects.filter(name="acme-act").update(revoked_at="2026-01-01T00:00:00Z")
    response = post(api_tokens.acme_act, f"channels/{channel.pk}/kick", {"users": ["alice"]})
    assert response.status_code == 401
    ApiToken.objects.filter(name="staff-act").update(expires_at="2026-01-01T00:00:00Z")
    assert post(api_tokens.staff_act, f"channels/{channel.pk}/kick", {"users": ["alice"]}).status_code == 401
    assert not AuditEntry.objects.filter(action="live.kick").exists()
