"""dashboard/ops/tracing.py: a request id and a job id follow into their vendor calls' log lines."""

from __future__ import annotations

from django.urls import reverse

from dashboard.rtc.models import RtcApp
from dashboard.rtc.tasks import refresh_account_apps
from tests.dashboard.conftest import World2, logged_in


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
