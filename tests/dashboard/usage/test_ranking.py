"""The staff overview's figures of every app and tenant (dashboard/usage/ranking.py, and its
money: costs.py): how the database reads a range of every app. Also run on PostgreSQL
(tests/scaleout/test_usage_on_postgresql.py). Their figures are checked against the reports'
in test_reports.py, test_views.py and test_cost.py."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.db.models import F, Sum
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.billing.models import PriceBook
from dashboard.usage import costs, ranking, reports, rollups
from dashboard.usage.models import PEAK_METRICS, AccountPeakSample, UsageSample
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
    # The apps' (by day ranked, then those shown) and the money's (by hour the ranking's too);
    # by day the tenants' too (by hour they read the accounts' hours:
    # test_a_tenants_recent_hours_come_from_the_accounts_hours...).
    assert len(reads) >= 3, reads
    assert any("stretch" in sql for sql in reads), reads  # the money's (costs.range_money)
    with connection.cursor() as cursor:
        for sql in reads:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " | ".join(row[-1] for row in cursor.fetchall())
            assert not re.search(r"\bSCAN (usage_usagesample|s|U\d)\b", plan), plan
            assert re.search(
                r"SEARCH \w+ USING (COVERING )?INDEX (sqlite_autoindex_usage_usagesample_1|usage_daily_covering)", plan
            ), plan


def test_a_tenants_hours_are_read_for_the_statistics_asked_for_and_no_other(usage: World2) -> None:
    # The staff overview's previous range asks for the minutes alone, its range for the minutes
    # and the peaks: each part left out read every app's hours of its statistics for nothing.
    hour = END - timedelta(hours=20)
    for app, users, peak in ((usage.app_a, 7, 4), (usage.app_b, 5, 9), (usage.app_h, 3, 2)):
        UsageSample.objects.bulk_create(
            [
                UsageSample(app=app, metric="active_users", interval=3600, timestamp=hour, value=users),
                UsageSample(app=app, metric="peak_users", interval=3600, timestamp=hour, value=peak),
            ]
        )
    AccountPeakSample.objects.create(  # Acme's own figure for its account: 11, not its apps' 4 + 9
        vendor_account=usage.acme_account, metric="peak_users", interval=3600, timestamp=hour, value=11
    )
    rollups.rebuild()  # written here, not by the sync, which keeps them
    query = QueryDict(mutable=True)
    query.update(custom(END - timedelta(days=1), END - timedelta(days=1), granularity="hour"))
    filters = reports.parse(query)
    assert filters.resolved == "hour"

    _, start, end = reports.window(filters)

    def minutes(tenant_apps: list) -> int:
        rows = UsageSample.objects.filter(
            app__in=tenant_apps, metric="duration", interval=3600, timestamp__gte=start, timestamp__lt=end
        )
        return rows.aggregate(total=Sum(F("audio") + F("v360") + F("v720") + F("v1080") + F("content")))["total"]

    acme, harbor = usage.acme.pk, usage.harbor.pk
    zeros = {"duration": 0, "active_users": 0, "active_channels": 0, "peak_users": 0, "peak_channels": 0}
    everything = {
        acme: zeros | {"duration": minutes([usage.app_a, usage.app_b]), "active_users": 12, "peak_users": 11},
        harbor: zeros | {"duration": minutes([usage.app_h]), "active_users": 3, "peak_users": 2},
    }
    assert everything[acme]["duration"] > 0 and everything[harbor]["duration"] > 0
    assert ranking.by_tenant(filters) == everything
    assert ranking.by_tenant(filters, counted=PEAK_METRICS) == {
        tenant: figures | {"active_users": 0} for tenant, figures in everything.items()
    }
    assert ranking.by_tenant(filters, counted=()) == {
        tenant: zeros | {"duration": figures["duration"]} for tenant, figures in everything.items()
    }


def test_a_tenants_recent_hours_come_from_the_accounts_hours_with_the_samples_figures(usage, monkeypatch) -> None:
    hour = END - timedelta(hours=5)
    for app, peak in ((usage.app_a, 4), (usage.app_b, 9), (usage.app_h, 2)):
        UsageSample.objects.create(app=app, metric="peak_users", interval=3600, timestamp=hour, value=peak)
    AccountPeakSample.objects.create(
        vendor_account=usage.acme_account, metric="peak_users", interval=3600, timestamp=hour, value=11
    )
    rollups.rebuild()  # written here, not by the sync, which keeps them
    query = QueryDict(mutable=True)
    query.update(custom(END - timedelta(days=2), END - timedelta(days=1), granularity="hour"))
    filters = reports.parse(query)
    with CaptureQueriesContext(connection) as queries:
        rolled_up = ranking.by_tenant(filters)
    assert not any("usage_usagesample" in query["sql"] for query in queries.captured_queries)
    monkeypatch.setattr(rollups, "HOURS_TRUSTED", timedelta(0))  # every range from the samples
    with CaptureQueriesContext(connection) as queries:
        assert ranking.by_tenant(filters) == rolled_up
    assert any("usage_usagesample" in query["sql"] for query in queries.captured_queries)
    assert rolled_up[usage.acme.pk]["peak_users"] == 11 and rolled_up[usage.harbor.pk]["peak_users"] == 2
    assert rolled_up[usage.acme.pk]["duration"] > 0


def test_only_a_range_from_the_trusted_hours_on_reads_the_accounts_hours(usage) -> None:
    """rollups.HOURS_TRUSTED: 7 days back from the hour, a day inside the 8 that windows keep."""

    def reads_samples(start) -> bool:
        with CaptureQueriesContext(connection) as queries:
            ranking._by_tenant_hours(3600, start, start + timedelta(days=1), counted=())
        return any("usage_usagesample" in query["sql"] for query in queries.captured_queries)

    with time_machine.travel(END + timedelta(days=7, minutes=30), tick=False):
        assert rollups.hours_trusted_since(timezone.now()) == END
        assert not reads_samples(END)
        assert reads_samples(END - timedelta(hours=1))


@pytest.mark.parametrize("granularity", ["hour", "day"])
def test_the_overview_ranks_apps_by_hour_with_the_minutes_its_money_read(usage: World2, monkeypatch, granularity):
    # Only Acme is priced: the money's read of a range of hours still brings every app's
    # minutes (Harbor's too), as by_app counts them, and the ranking reads no app's minutes
    # again. Days read their own (the money reads whole months where the ranking reads others).
    PriceBook.objects.create(
        vendor_account=usage.acme_account, currency="USD", valid_from=(END - timedelta(days=60)).date(), audio="0.004"
    )
    query = custom(END - timedelta(days=2), END - timedelta(days=1), granularity=granularity)
    filters = reports.parse(QueryDict(urlencode(query)))
    every = {pk: figures["duration"] for pk, figures in ranking.by_app(filters, counted=()).items()}
    money = costs.range_money(filters, minutes_by_app=True)
    assert money.minutes_by_app == (every if granularity == "hour" else None)
    assert costs.range_money(filters).minutes_by_app is None  # ranked by a peak: not read
    assert every.get(usage.app_h.pk)  # Harbor's app has minutes
    by_app, every_apps_read = ranking.by_app, []

    def noting_reads_of_every_app(filters, *, counted=ranking.COUNTED, apps=None):
        every_apps_read.append(apps is None)
        return by_app(filters, counted=counted, apps=apps)

    monkeypatch.setattr(ranking, "by_app", noting_reads_of_every_app)
    page = logged_in(usage.staff).get(reverse("staff:usage_overview"), query).content.decode()
    assert every_apps_read.count(True) == (0 if granularity == "hour" else 1)
    ranked = re.findall(r'<td><a href="[^"]*/apps/(\d+)/usage/[^"]*">', page)
    assert [int(pk) for pk in ranked] == sorted(every, key=lambda pk: (-every[pk], pk))
