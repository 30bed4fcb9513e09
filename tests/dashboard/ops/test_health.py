"""dashboard/ops/health.py and its views: liveness, and readiness with details for staff or the probe token only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.ops.jobs import heartbeat
from dashboard.ops.models import Heartbeat, PendingJob
from tests.dashboard.conftest import World2, logged_in


@pytest.mark.django_db
def test_liveness_answers_without_asking_anything_else() -> None:
    response = Client().get(reverse("ops:healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_needs_a_fresh_scheduler_heartbeat_and_no_stuck_job(settings) -> None:
    settings.HEALTH_TOKEN = "probe-token-for-tests"
    probe = Client(headers={"Authorization": "Bearer probe-token-for-tests"})
    not_yet = probe.get(reverse("ops:readyz"))
    assert not_yet.status_code == 503
    assert not not_yet.json()["checks"]["scheduler"]["ok"] and not_yet.json()["checks"]["database"]["ok"]
    heartbeat()  # the periodic job, run inline
    ready = probe.get(reverse("ops:readyz"))
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["checks"]["job_engine"]["ok"]
    PendingJob.objects.create(task_id="stuck", name="usage.window", enqueued_at=timezone.now() - timedelta(hours=1))
    stuck = probe.get(reverse("ops:readyz"))
    assert stuck.status_code == 503 and not stuck.json()["checks"]["oldest_pending_job"]["ok"]
    PendingJob.objects.all().delete()
    Heartbeat.objects.update(at=timezone.now() - timedelta(seconds=settings.READY_HEARTBEAT_SECONDS + 5))
    assert Client().get(reverse("ops:readyz")).status_code == 503


READY_DETAILS = ("checks", "sqlite", "queued", "heartbeat", "SqliteHuey", "MemoryHuey")


def test_readiness_tells_details_only_to_staff_or_the_probe_token(two_tenants: World2, settings) -> None:
    heartbeat()
    settings.HEALTH_TOKEN = "probe-token-for-tests"
    anonymous = [
        Client(),
        logged_in(two_tenants.acme_admin),  # signed in is not enough
        Client(headers={"Authorization": "Bearer wrong-token"}),
        Client(headers={"Authorization": "probe-token-for-tests"}),  # not a bearer token
        Client(headers={"Authorization": "Bearer probe-token-for-tests-and-more"}),
    ]
    for client in anonymous:
        response = client.get(reverse("ops:readyz"))
        assert response.status_code == 200 and response.json() == {"status": "ready"}
        assert not any(word in response.content.decode() for word in READY_DETAILS), response.content
    for client in (logged_in(two_tenants.staff), Client(headers={"Authorization": "Bearer probe-token-for-tests"})):
        detailed = client.get(reverse("ops:readyz")).json()
        assert detailed["status"] == "ready" and detailed["checks"]["database"]["detail"] == "sqlite"
    Heartbeat.objects.all().delete()
    failing = Client().get(reverse("ops:readyz"))
    assert failing.status_code == 503 and failing.json() == {"status": "not ready"}
    settings.HEALTH_TOKEN = ""  # no token configured: an empty bearer token opens nothing
    assert Client(headers={"Authorization": "Bearer "}).get(reverse("ops:readyz")).json() == {"status": "not ready"}
