"""A restart of the job engine in the middle of alerting sends no notice twice.

Each test stops "the worker" between two steps (an exception no code path catches, as a
killed process would leave the database) and runs the job again as a restarted engine would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from dashboard.alerts import channels, engine
from dashboard.alerts.models import Delivery, Incident, NoticeState, Notification
from tests.dashboard.alerts.conftest import (
    Mailbox,
    Receiver,
    email_destination,
    recording_rule,
    stalled_recording,
    webhook_destination,
)
from tests.dashboard.conftest import World2


class WorkerKilled(BaseException):
    """Not an Exception: nothing in the engine handles it, like a process that is gone."""


@pytest.fixture
def alerting(two_tenants: World2, smtp_server: Mailbox, webhook_receiver: Receiver) -> tuple[Mailbox, Receiver]:
    world = two_tenants
    recording_rule(world, email_destination(world), webhook_destination(world, webhook_receiver.url))
    stalled_recording(world)
    return smtp_server, webhook_receiver


def after_lease(now):
    return now + timedelta(seconds=settings.ALERT_SEND_LEASE_SECONDS + 1)


def test_stopped_after_opening_the_incident(alerting: tuple[Mailbox, Receiver]) -> None:
    mailbox, receiver = alerting
    now = timezone.now()
    engine.evaluate(now)  # incident and notices committed; the worker dies before sending
    assert Notification.objects.filter(state=NoticeState.PENDING).count() == 2
    engine.run(now + timedelta(minutes=1))  # the restarted engine
    engine.run(now + timedelta(minutes=2))
    assert len(mailbox.messages) == 1 and len(receiver.calls) == 1
    assert Incident.objects.count() == 1


def test_stopped_between_delivering_and_marking_sent(
    alerting: tuple[Mailbox, Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, receiver = alerting
    deliver = channels.deliver

    def deliver_then_die(destination, notice):
        deliver(destination, notice)  # it arrives...
        raise WorkerKilled  # ...and the worker is gone before it is marked sent

    monkeypatch.setattr(channels, "deliver", deliver_then_die)
    now = timezone.now()
    with pytest.raises(WorkerKilled):
        engine.run(now)
    assert len(mailbox.messages) + len(receiver.calls) == 1  # the first notice went out, then the crash
    monkeypatch.setattr(channels, "deliver", deliver)

    engine.run(now + timedelta(minutes=1))  # restarted within the lease: the in-flight notice is left alone
    engine.run(after_lease(now))  # past the lease: marked interrupted, not sent again
    engine.run(after_lease(now) + timedelta(minutes=1))
    assert len(mailbox.messages) == 1 and len(receiver.calls) == 1
    states = sorted(Notification.objects.values_list("state", flat=True))
    assert states == [NoticeState.INTERRUPTED, NoticeState.SENT]
    interrupted = Delivery.objects.get(outcome=NoticeState.INTERRUPTED)
    assert "not sent again" in interrupted.detail


def test_two_engines_at_once_send_each_notice_once(alerting: tuple[Mailbox, Receiver]) -> None:
    """A second scheduler (or a job that overran) finds every row already there or claimed."""
    mailbox, receiver = alerting
    now = timezone.now()
    engine.evaluate(now)
    engine.evaluate(now)
    notice = Notification.objects.order_by("pk").first()
    assert engine.claim(notice, now) is not None
    assert engine.claim(notice, now) is None  # the other worker loses the claim
    Notification.objects.filter(pk=notice.pk).update(state=NoticeState.PENDING, attempts=0)
    Delivery.objects.all().delete()
    engine.run(now)
    engine.run(now)
    assert len(mailbox.messages) == 1 and len(receiver.calls) == 1
    assert Incident.objects.count() == 1 and Notification.objects.count() == 2
