from __future__ import annotations

from django.db import models

# Upper bounds (seconds) of the vendor call latency histogram; the last bucket (+Inf) is `calls`.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def bucket_field(bound: float) -> str:
    return "le_" + f"{bound:g}".replace(".", "_")


class VendorCallTotal(models.Model):
    """Every vendor call attempt ever made by any process, by vendor, action and outcome.

    Totals, never pruned (Prometheus counters only grow); a few dozen rows per vendor. Each
    process adds what it counted every few seconds (dashboard/metrics/calls.py)."""

    vendor = models.CharField(max_length=20)
    action = models.CharField(max_length=100)
    error = models.CharField(max_length=60, blank=True, help_text="Empty for calls that succeeded.")
    calls = models.PositiveBigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    le_0_05 = models.PositiveBigIntegerField(default=0)
    le_0_1 = models.PositiveBigIntegerField(default=0)
    le_0_25 = models.PositiveBigIntegerField(default=0)
    le_0_5 = models.PositiveBigIntegerField(default=0)
    le_1 = models.PositiveBigIntegerField(default=0)
    le_2_5 = models.PositiveBigIntegerField(default=0)
    le_5 = models.PositiveBigIntegerField(default=0)
    le_10 = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "action", "error"], name="one_vendor_call_total_per_outcome")
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.action} {self.error or 'ok'}: {self.calls}"
