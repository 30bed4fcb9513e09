"""Done when: a rule fires on a stalled recording, the email arrives at a real SMTP server and
the signed webhook at a real HTTP receiver, and a resolved notice follows once it finishes."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from dashboard.alerts import engine
from dashboard.alerts.channels import DELIVERY_HEADER, SIGNATURE_HEADER
from dashboard.alerts.models import Delivery, Incident, NoticeState, Notification
from dashboard.recordings.models import Recording, State
from tests.dashboard.alerts.conftest import (
    WEBHOOK_SECRET,
    Mailbox,
    Received,
    Receiver,
    email_destination,
    recording_rule,
    stalled_recording,
    webhook_destination,
)
from tests.dashboard.conftest import World2


def signature_is_valid(call: Received) -> bool:
    fields = dict(part.split("=", 1) for part in call.headers[SIGNATURE_HEADER].split(","))
    expected = hmac.new(WEBHOOK_SECRET.encode(), fields["t"].encode() + b"." + call.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(fields["v1"], expected)


def test_stalled_recording_alerts_by_email_and_webhook_then_resolves(
    two_tenants: World2, smtp_server: Mailbox, webhook_receiver: Receiver
) -> None:
    world = two_tenants
    recording_rule(world, email_destination(world), webhook_destination(world, webhook_receiver.url))
    recording = stalled_recording(world)

    assert engine.run() == (1, 0, 2)
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.calls) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "ops@example.com" and "rec-stalled-1" in mail["Subject"]
    assert "No progress for 30 minutes" in mail.get_payload()
    call = webhook_receiver.calls[0]
    assert signature_is_valid(call) and call.path == "/alerts"
    assert call.json["event"] == "opened" and call.json["incident"]["subject"] == f"recording:{recording.pk}"
    assert call.headers[DELIVERY_HEADER] == call.json["id"]
    assert f"/t/acme/recordings/{recording.pk}/" in call.json["incident"]["link"]

    # Still stalled a minute later: the same incident, nothing sent again.
    assert engine.run() == (0, 0, 0)
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.calls) == 1

    Recording.objects.filter(pk=recording.pk).update(
        state=State.FINISHED, file_count=1, ended_at=timezone.now(), progressed_at=timezone.now()
    )
    assert engine.run() == (0, 0, 0)  # clear for less than ALERT_RESOLVE_AFTER_MINUTES: still open
    later = timezone.now() + timedelta(minutes=settings.ALERT_RESOLVE_AFTER_MINUTES)
    assert engine.run(later) == (0, 1, 2)
    assert len(smtp_server.messages) == 2 and len(webhook_receiver.calls) == 2
    assert smtp_server.messages[1]["Subject"].startswith("[RTC Dashboard] Resolved:")
    resolved = webhook_receiver.calls[1]
    assert signature_is_valid(resolved) and resolved.json["event"] == "resolved"
    assert resolved.json["incident"]["resolved_at"]
    assert engine.run(later) == (0, 0, 0)
    assert len(smtp_server.messages) == 2 and len(webhook_receiver.calls) == 2
    assert not Incident.objects.filter(resolved_at__isnull=True).exists()
    assert set(Delivery.objects.values_list("outcome", flat=True)) == {NoticeState.SENT}


def test_a_failing_webhook_is_retried_later_and_logged(two_tenants: World2, webhook_receiver: Receiver) -> None:
    world = two_tenants
    recording_rule(world, webhook_destination(world, webhook_receiver.url))
    stalled_recording(world)
    webhook_receiver.status[0] = 503
    now = timezone.now()
    engine.run(now)
    notice = Notification.objects.get()
    assert notice.state == NoticeState.PENDING and notice.attempts == 1 and notice.next_attempt_at > now
    assert notice.deliveries.get().detail == "HTTP 503"
    engine.dispatch(now)  # not due yet: no second call
    assert len(webhook_receiver.calls) == 1
    webhook_receiver.status[0] = 200
    engine.dispatch(notice.next_attempt_at)
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT and len(webhook_receiver.calls) == 2
    # Both attempts carried the same delivery id, so a receiver can tell a retry from a new notice.
    assert len({call.headers[DELIVERY_HEADER] for call in webhook_receiver.calls}) == 1


def test_a_webhook_into_a_private_network_is_not_dialled(two_tenants: World2, webhook_receiver: Receiver, settings):
    world = two_tenants
    settings.ALERT_WEBHOOK_PRIVATE_URLS = []  # the operator did not allow the loopback receiver
    recording_rule(world, webhook_destination(world, webhook_receiver.url))
    stalled_recording(world)
    engine.run()
    assert webhook_receiver.calls == []
    delivery = Delivery.objects.get()
    assert delivery.outcome == NoticeState.FAILED and delivery.detail == "could not reach the address: no answer"


def test_a_notice_that_breaks_its_channel_does_not_stop_the_others(two_tenants: World2, smtp_server: Mailbox) -> None:
    world = two_tenants
    broken = webhook_destination(world, "http://[::1")  # an address no HTTP client can parse
    recording_rule(world, broken, email_destination(world))
    stalled_recording(world)
    engine.run()
    assert len(smtp_server.messages) == 1
    failed = Delivery.objects.get(notification__destination=broken)
    assert failed.outcome == NoticeState.FAILED and failed.detail.startswith("could not be sent")
