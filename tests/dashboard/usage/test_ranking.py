"""The staff overview's figures of every app and tenant (dashboard/usage/ranking.py): how the
database reads an hourly range of every app. Also run on PostgreSQL
(tests/scaleout/test_usage_on_postgresql.py). Their figures are checked against the reports'
in test_reports.py and test_views.py."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from dashboard.usage import ranking, reports
from dashboard.usage.models import UsageSample
from tests.dashboard.conftest import World2
from tests.dashboard.usage.conftest import END, custom


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        return {index for index, _ in connection.introspection.get_constraints(cursor, "usage_usagesample").items()}


def _sample_reads(run) -> list[str]:
    """The plans of every query `run` sends that reads the samples."""
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if "usage_usagesample" in query["sql"]:
                cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
                plans.append(" | ".join(row[-1] for row in cursor.fetchall()))
    return plans


def test_an_hourly_range_of_every_app_is_read_through_each_apps_key_on_sqlite(usage: World2) -> None:
    # SQLite has no (metric, interval, timestamp) index (usage migration 0013: every app has the
    # same hours, so it cost a backfill a page written per hour); read unnamed, an hourly range
    # of every app scanned every sample of every app. PostgreSQL keeps the index.
    if connection.vendor == "postgresql":
        assert "usage_metric_time" in _index_names()
        return
    assert "usage_metric_time" not in _index_names()
    filters = reports.parse(
        QueryDict(urlencode(custom(END - timedelta(days=2), END - timedelta(days=1), granularity="hour")))
    )
    assert reports.window(filters)[0] == 3600
    in_range = UsageSample.objects.filter(
        interval=3600, timestamp__gte=filters.start_utc, timestamp__lt=filters.end_utc
    )
    assert in_range.exists(), "the seed has hours in the range"
    found: dict = {}
    plans = _sample_reads(lambda: found.update(by_app=ranking.by_app(filters), by_tenant=ranking.by_tenant(filters)))
    assert set(found["by_app"]) == {usage.app_a.pk, usage.app_b.pk, usage.app_h.pk}
    assert set(found["by_tenant"]) == {usage.acme.pk, usage.harbor.pk}
    assert plans
    for plan in plans:
        assert "SCAN usage_usagesample" not in plan and "SCAN s " not in plan, plan
        assert "sqlite_autoindex_usage_usagesample_1 (app_id=?" in plan, plan
