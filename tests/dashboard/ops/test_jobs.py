"""dashboard/ops/jobs.py: jobs are counted from Huey's signals and shown to staff only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from huey.contrib.djhuey import HUEY

from dashboard.ops.jobs import heartbeat, waiting_jobs
from dashboard.ops.models import JobMinute
from dashboard.rtc.tasks import refresh_account_apps
from tests.dashboard.conftest import World2, logged_in


def test_jobs_are_counted_and_shown_to_staff_only(two_tenants: World2, aliyun_sim) -> None:
    refresh_account_apps(two_tenants.acme_account.pk)  # a job, run inline: listed, then planned
    heartbeat()
    counted = dict(JobMinute.objects.values_list("name", "completed"))
    assert counted.get("apps.refresh_account") == 1 and counted.get("ops.heartbeat") == 1
    page = logged_in(two_tenants.staff).get(reverse("staff:ops_jobs")).content.decode()
    assert 'id="job-stats"' in page and "apps.refresh_account" in page and 'id="queue-depth"' in page
    assert logged_in(two_tenants.acme_admin).get(reverse("staff:ops_jobs")).status_code == 403


def test_waiting_jobs_lists_the_queued_and_scheduled_jobs_and_counts_unreadable_ones(waiting_queue, caplog) -> None:
    queue = waiting_queue
    queue.enqueue(HUEY.serialize_task(refresh_account_apps.s(7)), 0)
    queue.add_to_schedule(HUEY.serialize_task(refresh_account_apps.s(8)), datetime.now(UTC) + timedelta(hours=1))
    queue.enqueue(HUEY.serialize_task(heartbeat.s()), 0)
    queue.enqueue(b"not a job this release can read", 0)
    found = waiting_jobs()
    assert sorted(found) == [("apps.refresh_account", (7,)), ("apps.refresh_account", (8,)), ("ops.heartbeat", ())]
    assert "1 of 4 waiting jobs could not be read" in caplog.text
