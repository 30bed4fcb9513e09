"""The scheduled job: declared like every periodic job, and one run evaluates and sends."""

from __future__ import annotations

from datetime import datetime

from huey.contrib.djhuey import HUEY

from dashboard.alerts.models import Incident, NoticeState, Notification
from dashboard.alerts.tasks import run_alerts
from tests.dashboard.alerts.conftest import Mailbox, email_destination, recording_rule, stalled_recording
from tests.dashboard.conftest import World2


def test_alerts_run_is_a_periodic_job_every_minute() -> None:
    periodic = {task_class.__name__: task_class for task_class in HUEY._registry._periodic_tasks}
    every_minute = periodic["alerts.run"]().validate_datetime
    assert all(every_minute(datetime(2026, 12, 1, 10, minute)) for minute in range(60))


def test_one_run_opens_the_incident_and_sends_its_notice(two_tenants: World2, smtp_server: Mailbox) -> None:
    recording_rule(two_tenants, email_destination(two_tenants))
    stalled_recording(two_tenants)
    run_alerts()  # immediate in tests: runs inline, as the consumer would
    assert Incident.objects.filter(resolved_at__isnull=True).count() == 1
    assert Notification.objects.get().state == NoticeState.SENT and len(smtp_server.messages) == 1
