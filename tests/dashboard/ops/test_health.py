"""Health and readiness endpoints, the staff jobs page, and request/job ids in the logs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from dashboard.ops.jobs import heartbeat
from dashboard.ops.models import Heartbeat, JobMinute, PendingJob
from dashboard.rtc.models import RtcApp
from dashboard.rtc.tasks import refresh_account_apps, refresh_all_apps

from .conftest import World2, logged_in


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


def test_jobs_are_counted_and_shown_to_staff_only(two_tenants: World2, aliyun_sim) -> None:
    refresh_account_apps(two_tenants.acme_account.pk)  # a job, run inline: listed, then planned
    heartbeat()
    counted = dict(JobMinute.objects.values_list("name", "completed"))
    assert counted.get("apps.refresh_account") == 1 and counted.get("ops.heartbeat") == 1
    page = logged_in(two_tenants.staff).get(reverse("staff:ops_jobs")).content.decode()
    assert 'id="job-stats"' in page and "apps.refresh_account" in page and 'id="queue-depth"' in page
    assert logged_in(two_tenants.acme_admin).get(reverse("staff:ops_jobs")).status_code == 403


def test_a_request_id_follows_a_request_into_its_vendor_calls(two_tenants: World2, caplog) -> None:
    client = logged_in(two_tenants.acme_admin)
    response = client.post(
        reverse("credentials:account_test", args=["acme", two_tenants.acme_account.pk]),
        headers={"X-Request-ID": "support-ticket-4711"},
    )
    assert response["X-Request-ID"] == "support-ticket-4711"
    calls = [r for r in caplog.records if r.name == "dashboard.vendor_calls"]
    assert calls and all(r.request_id == "support-ticket-4711" for r in calls)
    assert "DescribeApps" in calls[0].getMessage() and "Signature" not in calls[0].getMessage()
    fresh = client.get(
        reverse("credentials:account_list", args=["acme"]), headers={"X-Request-ID": "bad id with spaces"}
    )
    assert fresh["X-Request-ID"] != "bad id with spaces" and len(fresh["X-Request-ID"]) == 32


def test_a_job_id_follows_a_job_into_its_vendor_calls(two_tenants: World2, caplog) -> None:
    refresh_account_apps(two_tenants.acme_account.pk)
    calls = [r for r in caplog.records if r.name == "dashboard.vendor_calls"]
    ids = {r.job_id for r in calls}
    assert calls and len(ids) >= 1 and "" not in ids and all(r.request_id == "" for r in calls)
    assert RtcApp.objects.filter(vendor_account=two_tenants.acme_account).count() > 1


@pytest.mark.parametrize(
    ("job", "queued_as"),
    [
        (refresh_account_apps.s(1), "dashboard.usage.tasks.apps.refresh_account"),
        (refresh_all_apps.s(), "dashboard.usage.tasks.apps.refresh"),
    ],
)
def test_app_list_jobs_queued_before_their_move_to_rtc_still_find_their_task(job, queued_as: str) -> None:
    """Huey queues a job as "<module>.<name>": a job queued (or waiting to retry) while these
    tasks lived in dashboard.usage.tasks must still run after a deploy."""
    data = HUEY.serialize_task(job)
    assert HUEY.serializer.deserialize(data).name == queued_as
    assert type(HUEY.deserialize_task(data)) is type(job)
