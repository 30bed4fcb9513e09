"""What /metrics reports, read from the database at each scrape (so every web and job process
on every machine is in it, whichever web process answers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, Min, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from dashboard.alerts.models import AlertRule, Incident
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel
from dashboard.ops import health
from dashboard.ops.models import Heartbeat, JobTotal
from dashboard.usage.models import Granularity, SyncCursor

from .models import LATENCY_BUCKETS, VendorCallTotal, bucket_field

VENDOR_TENANT = ["vendor", "tenant"]
ACCOUNT_VENDOR = "vendor_account__vendor"
ACCOUNT_TENANT = "vendor_account__tenant__slug"


class ConsoleCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        yield from live_channels()
        yield from usage_sync(now)
        yield from jobs(now)
        yield from vendor_calls()
        yield from alerts_open()


def account_pairs() -> set[tuple[str, str]]:
    """(vendor, tenant) of every enabled account: their gauges read 0 rather than vanish."""
    return set(VendorAccount.objects.filter(enabled=True).values_list("vendor", "tenant__slug"))


def live_channels() -> Iterator[Metric]:
    channels = GaugeMetricFamily("rtc_live_channels", "Channels live at the last poll.", labels=VENDOR_TENANT)
    users = GaugeMetricFamily(
        "rtc_live_users",
        "Members in live channels at the last poll (a user in two channels counts twice).",
        labels=VENDOR_TENANT,
    )
    rows = {
        (row[f"app__{ACCOUNT_VENDOR}"], row[f"app__{ACCOUNT_TENANT}"]): (row["channels"], row["users"] or 0)
        for row in Channel.objects.filter(is_live=True)
        .values(f"app__{ACCOUNT_VENDOR}", f"app__{ACCOUNT_TENANT}")
        .annotate(channels=Count("pk"), users=Sum("member_count"))
    }
    for pair in sorted(account_pairs() | set(rows)):
        live, members = rows.get(pair, (0, 0))
        channels.add_metric(list(pair), live)
        users.add_metric(list(pair), members)
    yield channels
    yield users


def usage_sync(now: datetime) -> Iterator[Metric]:
    lag = GaugeMetricFamily(
        "rtc_usage_sync_lag_seconds",
        "How far the slowest hourly usage series of running syncs is behind now.",
        labels=VENDOR_TENANT,
    )
    rows = (
        SyncCursor.objects.filter(
            interval=int(Granularity.HOUR),
            synced_until__isnull=False,
            app__sync_blocked=False,
            app__vendor_account__enabled=True,
            app__vendor_account__sync_blocked=False,
        )
        .values(f"app__{ACCOUNT_VENDOR}", f"app__{ACCOUNT_TENANT}")
        .annotate(oldest=Min("synced_until"))
        .order_by(f"app__{ACCOUNT_VENDOR}", f"app__{ACCOUNT_TENANT}")
    )
    for row in rows:
        seconds = max(0.0, (now - row["oldest"]).total_seconds())
        lag.add_metric([row[f"app__{ACCOUNT_VENDOR}"], row[f"app__{ACCOUNT_TENANT}"]], seconds)
    yield lag
    stopped = GaugeMetricFamily(
        "rtc_usage_sync_stopped_accounts",
        "Enabled vendor accounts whose usage sync is stopped (bad credentials, permissions).",
        labels=VENDOR_TENANT,
    )
    counts: dict[tuple[str, str], int] = {}
    for vendor, tenant in VendorAccount.objects.filter(enabled=True, sync_blocked=True).values_list(
        "vendor", "tenant__slug"
    ):
        counts[(vendor, tenant)] = counts.get((vendor, tenant), 0) + 1
    for pair in sorted(account_pairs() | set(counts)):
        stopped.add_metric(list(pair), counts.get(pair, 0))
    yield stopped


def jobs(now: datetime) -> Iterator[Metric]:
    yield GaugeMetricFamily("rtc_job_queue_depth", "Jobs queued or scheduled.", value=health.queue_depth())
    oldest = health.oldest_pending_age(now)
    yield GaugeMetricFamily(
        "rtc_job_oldest_pending_seconds",
        "How long the oldest queued job has waited (0: none waiting).",
        value=oldest.total_seconds() if oldest else 0.0,
    )
    beat = Heartbeat.objects.filter(name="scheduler").values_list("at", flat=True).first()
    if beat is not None:
        yield GaugeMetricFamily(
            "rtc_scheduler_heartbeat_age_seconds",
            "Seconds since the scheduler's last heartbeat job ran.",
            value=(now - beat).total_seconds(),
        )
    families = {
        field: CounterMetricFamily(f"rtc_jobs_{field}", f"Jobs {field}, by job name.", labels=["job"])
        for field in ("completed", "failed", "retried")
    }
    run_time = CounterMetricFamily(
        "rtc_job_run_seconds", "Time spent running jobs (completed, failed or retried), by job name.", labels=["job"]
    )
    for total in JobTotal.objects.order_by("name"):
        for field, family in families.items():
            family.add_metric([total.name], getattr(total, field))
        run_time.add_metric([total.name], total.seconds)
    yield from families.values()
    yield run_time


def vendor_calls() -> Iterator[Metric]:
    calls = CounterMetricFamily(
        "rtc_vendor_calls",
        "Vendor API call attempts (each retry counts), by outcome.",
        labels=["vendor", "action", "outcome"],
    )
    errors = CounterMetricFamily(
        "rtc_vendor_call_errors",
        "Vendor API call attempts that failed, by error class.",
        labels=["vendor", "action", "error"],
    )
    latency = HistogramMetricFamily(
        "rtc_vendor_call_duration_seconds",
        "Time from sending a vendor call to its parsed answer or error.",
        labels=["vendor", "action"],
    )
    by_action: dict[tuple[str, str], list[float]] = {}
    for total in VendorCallTotal.objects.order_by("vendor", "action", "error"):
        calls.add_metric([total.vendor, total.action, "error" if total.error else "ok"], total.calls)
        if total.error:
            errors.add_metric([total.vendor, total.action, total.error], total.calls)
        summed = by_action.setdefault((total.vendor, total.action), [0.0] * (len(LATENCY_BUCKETS) + 2))
        for index, bound in enumerate(LATENCY_BUCKETS):
            summed[index] += getattr(total, bucket_field(bound))
        summed[-2] += total.calls
        summed[-1] += total.seconds
    for (vendor, action), summed in by_action.items():
        buckets = [(f"{bound:g}", summed[index]) for index, bound in enumerate(LATENCY_BUCKETS)]
        latency.add_metric([vendor, action], [*buckets, ("+Inf", summed[-2])], sum_value=summed[-1])
    yield calls
    yield errors
    yield latency


def alerts_open() -> Iterator[Metric]:
    """Open incidents per tenant and rule kind; every tenant's kinds that have rules read 0 when
    nothing is open, so a resolved alert drops to 0 instead of vanishing."""
    gauge = GaugeMetricFamily("rtc_alerts_open", "Alert incidents open now.", labels=["tenant", "kind"])
    counted = (
        Incident.objects.filter(resolved_at__isnull=True)
        .values_list("tenant__slug", "rule__kind")
        .annotate(open=Count("pk"))
        .order_by()
    )
    rows = {(tenant, kind): count for tenant, kind, count in counted}
    ruled = set(AlertRule.objects.values_list("tenant__slug", "kind").distinct())
    for tenant, kind in sorted(ruled | set(rows)):
        gauge.add_metric([tenant, kind], rows.get((tenant, kind), 0))
    yield gauge
