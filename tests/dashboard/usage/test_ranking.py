"""The staff overview's figures of every app and tenant (dashboard/usage/ranking.py, and its
money: costs.py): how the database reads a range of every app. Also run on PostgreSQL
(tests/scaleout/test_usage_on_postgresql.py). Their figures are checked against the reports'
in test_reports.py, test_views.py and test_cost.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.billing.models import PriceBook
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.usage.conftest import END, custom


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, "usage_usagesample"))


@pytest.mark.parametrize("granularity", ["hour", "day"])
def test_the_staff_overview_reads_each_apps_range_through_its_key_on_sqlite(usage: World2, granularity: str) -> None:
    # SQLite has no (metric, interval, timestamp) index (usage migration 0013: every app has the
    # same hours, so it cost a backfill a page written per hour); a range of every app read
    # without naming the apps scanned every sample of every app. PostgreSQL keeps the index.
    if connection.vendor == "postgresql":
        assert "usage_metric_time" in _index_names()
        return
    assert "usage_metric_time" not in _index_names()
    for account in (usage.acme_account, usage.harbor_account):  # every app priced: its money names no app
        PriceBook.objects.create(
            vendor_account=account, currency="USD", valid_from=(END - timedelta(days=60)).date(), audio="0.004"
        )
    query = custom(END - timedelta(days=2), END - timedelta(days=1), granularity=granularity)
    with CaptureQueriesContext(connection) as captured:
        page = logged_in(usage.staff).get(reverse("staff:usage_overview"), query)
    assert page.status_code == 200
    assert "Harbor app" in page.content.decode()  # an app of each tenant ranked: the figures were read
    reads = [query["sql"] for query in captured.captured_queries if "usage_usagesample" in query["sql"]]
    assert len(reads) >= 3, reads  # the tenants', the apps' and the money's
    assert any("stretch" in sql for sql in reads), reads  # the money's (costs.totals_by_tenant)
    with connection.cursor() as cursor:
        for sql in reads:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " | ".join(row[-1] for row in cursor.fetchall())
            assert not re.search(r"\bSCAN (usage_usagesample|s|U\d)\b", plan), plan
            assert re.search(
                r"SEARCH \w+ USING (COVERING )?INDEX (sqlite_autoindex_usage_usagesample_1|usage_daily_covering)", plan
            ), plan
