"""dashboard/metrics/calls.py: a process's vendor calls reach the shared totals, none lost when
the database fails for a while, none counted twice."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from dashboard.metrics import calls
from dashboard.metrics.models import VendorCallTotal
from vendors.base.observe import CallObservation


@pytest.fixture
def counting(db: None, settings) -> None:
    settings.METRICS_COUNT_VENDOR_CALLS = True
    settings.METRICS_FLUSH_SECONDS = 3600  # flushed by the test only
    calls.flush()
    VendorCallTotal.objects.all().delete()


def test_counts_buckets_and_errors_are_added_to_the_totals(counting: None) -> None:
    for seconds in (0.01, 0.2, 3.0):
        calls.observe(CallObservation("aliyun", "DescribeApps", seconds, ""))
    calls.observe(CallObservation("aliyun", "DescribeApps", 0.5, "AuthenticationError"))
    calls.flush()
    ok = VendorCallTotal.objects.get(vendor="aliyun", action="DescribeApps", error="")
    assert (ok.calls, ok.le_0_05, ok.le_0_25, ok.le_2_5, ok.le_5, ok.le_10) == (3, 1, 2, 2, 3, 3)
    assert ok.seconds == pytest.approx(3.21)
    assert VendorCallTotal.objects.get(error="AuthenticationError").calls == 1
    calls.flush()  # nothing new: nothing added twice
    assert VendorCallTotal.objects.get(pk=ok.pk).calls == 3


def test_counts_are_kept_while_the_database_fails(counting: None, monkeypatch: pytest.MonkeyPatch) -> None:
    calls.observe(CallObservation("uprtc", "GET /room/{id}", 0.1, ""))
    calls.observe(CallObservation("isdp", "token", 0.1, ""))

    def down(*args: object) -> None:
        raise DatabaseError("database is locked")

    with monkeypatch.context() as patched:
        patched.setattr(calls, "add_to_row", down)
        calls.flush()
    assert not VendorCallTotal.objects.exists()
    calls.observe(CallObservation("uprtc", "GET /room/{id}", 0.1, ""))
    calls.flush()
    assert dict(VendorCallTotal.objects.values_list("vendor", "calls")) == {"uprtc": 2, "isdp": 1}


def test_off_means_nothing_is_counted(counting: None, settings) -> None:
    settings.METRICS_COUNT_VENDOR_CALLS = False
    calls.observe(CallObservation("aliyun", "DescribeApps", 0.1, ""))
    calls.flush()
    assert not VendorCallTotal.objects.exists()
