"""A usage report with everything its page, its downloads and the REST API show: the figures,
the "no data" periods and the cost. One function, so the three cannot drift apart."""

from __future__ import annotations

from django.db.models import QuerySet

from dashboard.rtc.models import RtcApp

from . import costs, coverage, reports


def complete_report(filters: reports.Filters, apps: QuerySet[RtcApp]) -> tuple[reports.Report, coverage.Coverage]:
    report = reports.build(filters, apps)
    covered = coverage.of(filters, report.apps, accounts=report.cover.wholly if report.cover else ())
    report.rows = coverage.with_gaps(filters, report.buckets, covered)
    report.pricing = costs.price(report)
    return report, covered
