"""dashboard/metrics: /metrics is scraped, parsed with prometheus_client's own parser, and every
figure checked against the database it was read from."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from dashboard.live.models import Channel
from dashboard.metrics import calls
from dashboard.metrics.models import VendorCallTotal
from dashboard.ops.models import JobTotal, PendingJob
from dashboard.rtc.models import RtcApp
from dashboard.rtc.tasks import refresh_account_apps
from dashboard.usage.models import Granularity, Metric, SyncCursor
from tests.dashboard.conftest import Simulated, World2, make_account

TOKEN = "scrape-token-0123456789"


def scrape(client: Client | None = None, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = (client or Client()).get(reverse("metrics:metrics"), headers=headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def test_off_until_configured_then_only_the_token_or_an_allowed_address(two_tenants: World2, settings) -> None:
    url = reverse("metrics:metrics")
    assert Client().get(url).status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert Client().get(url).status_code == 403
    assert Client().get(url, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert Client().get(url, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.0/8"]
    assert Client().get(url).status_code == 403  # the test client comes from 127.0.0.1
    assert Client(REMOTE_ADDR="10.1.2.3").get(url).status_code == 200
    assert Client(REMOTE_ADDR="10.1.2.3").post(url).status_code == 405


def test_live_channels_users_sync_lag_and_queue_match_the_database(two_tenants: World2, token: str) -> None:
    app = two_tenants.acme_manual_app
    Channel.objects.create(app=app, channel_id="room-1", is_live=True, member_count=5)
    Channel.objects.create(app=app, channel_id="room-2", is_live=True, member_count=7)
    Channel.objects.create(app=app, channel_id="room-3", is_live=False, member_count=0)
    now = timezone.now()
    SyncCursor.objects.create(
        app=app, metric=Metric.values[0], interval=Granularity.HOUR, synced_until=now - timedelta(hours=2)
    )
    other = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="app-2")
    SyncCursor.objects.create(
        app=other, metric=Metric.values[0], interval=Granularity.HOUR, synced_until=now - timedelta(hours=5)
    )
    PendingJob.objects.create(task_id="t-1", name="usage.window", enqueued_at=now - timedelta(minutes=3))

    samples = scrape(**{"Authorization": f"Bearer {token}"})

    acme, harbor = {"vendor": "aliyun", "tenant": "acme"}, {"vendor": "aliyun", "tenant": "harbor"}
    assert value(samples, "rtc_live_channels", **acme) == 2
    assert value(samples, "rtc_live_users", **acme) == 12
    assert value(samples, "rtc_live_channels", **harbor) == 0  # an account with nothing live reads 0
    lag = value(samples, "rtc_usage_sync_lag_seconds", **acme)
    assert lag is not None and 5 * 3600 <= lag < 5 * 3600 + 60  # the slowest series
    assert value(samples, "rtc_usage_sync_lag_seconds", **harbor) is None  # never synced: no figure
    waited = value(samples, "rtc_job_oldest_pending_seconds")
    assert waited is not None and 180 <= waited < 240
    assert value(samples, "rtc_job_queue_depth") is not None

    two_tenants.harbor_account.sync_blocked = True
    two_tenants.harbor_account.save()
    assert value(scrape(**{"Authorization": f"Bearer {token}"}), "rtc_usage_sync_stopped_accounts", **harbor) == 1


def test_jobs_and_vendor_calls_from_every_process_are_counted(
    two_tenants: World2, aliyun_sim: Simulated, token: str, settings
) -> None:
    settings.METRICS_COUNT_VENDOR_CALLS = True
    calls.flush()  # nothing left over from earlier tests
    served = aliyun_sim.simulator.requests_served
    # A job, run inline: lists the apps (DescribeApps), then plans and runs their usage windows.
    refresh_account_apps(two_tenants.acme_account.pk)
    answered = aliyun_sim.simulator.requests_served - served  # signed right, so handled
    wrong = make_account(
        two_tenants.harbor, "Wrong secret", "LTAI5tCanaryKeyId", "not-the-secret-123", aliyun_sim.base_url
    )
    refresh_account_apps(wrong.pk)
    # Another process's calls reach the same totals through the database.
    VendorCallTotal.objects.create(
        vendor="uprtc",
        action="GET /room/{id}",
        error="",
        calls=3,
        seconds=0.3,
        le_0_1=3,
        le_0_25=3,
        le_0_5=3,
        le_1=3,
        le_2_5=3,
        le_5=3,
        le_10=3,
    )

    samples = scrape(**{"Authorization": f"Bearer {token}"})

    ok = value(samples, "rtc_vendor_calls_total", vendor="aliyun", action="DescribeApps", outcome="ok")
    assert ok == 1
    aliyun = [
        v
        for (name, labels), v in samples.items()
        if name == "rtc_vendor_calls_total" and ("vendor", "aliyun") in labels
    ]
    assert answered > 1 and sum(aliyun) == answered + 1  # every call the simulator handled, and the refused one
    refused = value(
        samples, "rtc_vendor_call_errors_total", vendor="aliyun", action="DescribeApps", error="AuthenticationError"
    )
    assert refused == 1
    assert value(samples, "rtc_vendor_calls_total", vendor="aliyun", action="DescribeApps", outcome="error") == 1
    stored = VendorCallTotal.objects.get(vendor="aliyun", action="DescribeApps", error="")
    assert (
        value(samples, "rtc_vendor_call_duration_seconds_sum", vendor="aliyun", action="DescribeApps") >= stored.seconds
    )
    assert value(samples, "rtc_vendor_call_duration_seconds_count", vendor="aliyun", action="DescribeApps") == ok + 1
    assert (
        value(samples, "rtc_vendor_call_duration_seconds_bucket", vendor="uprtc", action="GET /room/{id}", le="0.05")
        == 0
    )
    assert (
        value(samples, "rtc_vendor_call_duration_seconds_bucket", vendor="uprtc", action="GET /room/{id}", le="0.1")
        == 3
    )
    assert value(samples, "rtc_vendor_calls_total", vendor="uprtc", action="GET /room/{id}", outcome="ok") == 3

    for total in JobTotal.objects.all():
        assert value(samples, "rtc_jobs_completed_total", job=total.name) == total.completed
        assert value(samples, "rtc_jobs_failed_total", job=total.name) == total.failed
        assert value(samples, "rtc_job_run_seconds_total", job=total.name) == pytest.approx(total.seconds)
    assert JobTotal.objects.get(name="apps.refresh_account").completed == 2


def test_open_alerts_per_tenant_and_kind_match_the_incidents(two_tenants: World2, token: str) -> None:
    from dashboard.alerts.models import AlertRule, Incident, Kind

    rule = AlertRule.objects.filter(tenant=two_tenants.acme, kind=Kind.RECORDING_PROBLEM).first()
    rule = rule or AlertRule.objects.create(tenant=two_tenants.acme, kind=Kind.RECORDING_PROBLEM)
    now = timezone.now()
    for subject in ("recording:1", "recording:2"):
        Incident.objects.create(
            rule=rule, tenant=two_tenants.acme, subject=subject, title=subject, opened_at=now, last_seen_at=now
        )
    Incident.objects.create(
        rule=rule,
        tenant=two_tenants.acme,
        subject="recording:3",
        title="over",
        opened_at=now,
        last_seen_at=now,
        resolved_at=now,
    )
    samples = scrape(**{"Authorization": f"Bearer {token}"})
    assert value(samples, "rtc_alerts_open", tenant="acme", kind="recording_problem") == 2
    if AlertRule.objects.filter(tenant=two_tenants.harbor, kind=Kind.RECORDING_PROBLEM).exists():
        assert value(samples, "rtc_alerts_open", tenant="harbor", kind="recording_problem") == 0
    Incident.objects.filter(subject="recording:1").update(resolved_at=now)
    samples = scrape(**{"Authorization": f"Bearer {token}"})
    assert value(samples, "rtc_alerts_open", tenant="acme", kind="recording_problem") == 1
