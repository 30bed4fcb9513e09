"""dashboard/core/prepared.py: a prepared query reads what its queryset reads, for each value
it is given, and refuses a queryset whose SQL depends on the value."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext

from dashboard.core.prepared import INT_STAND_INS, all_columns, prepared
from dashboard.credentials.models import VendorAccount
from dashboard.tenancy.models import Tenant
from dashboard.usage.models import UsageSample
from tests.dashboard.conftest import World2


def test_each_call_reads_the_rows_of_its_own_value(two_tenants: World2) -> None:
    w = two_tenants
    accounts = prepared(
        lambda tenant: VendorAccount.objects.filter(tenant_id=tenant).order_by("pk").values_list("pk", "label")
    )
    for tenant in (w.acme, w.harbor, w.acme):
        expected = list(VendorAccount.objects.filter(tenant=tenant).order_by("pk").values_list("pk", "label"))
        assert expected and accounts.rows(tenant.pk) == expected
    assert accounts.rows(10**9) == []


def test_whole_rows_change_with_any_field(two_tenants: World2) -> None:
    w = two_tenants
    accounts = prepared(
        lambda tenant: (
            VendorAccount.objects.filter(tenant_id=tenant).order_by("pk").values_list(*all_columns(VendorAccount))
        )
    )
    before = accounts.rows(w.acme.pk)
    VendorAccount.objects.filter(pk=w.acme_account.pk).update(last_check_error="refused")
    assert accounts.rows(w.acme.pk) != before


def test_text_values_and_aggregates(two_tenants: World2) -> None:
    w = two_tenants
    counted = prepared(
        lambda slug: (
            VendorAccount.objects.filter(tenant__slug=slug)
            .order_by()
            .values("tenant_id")
            .annotate(n=Count("pk"), last=Max("pk"))
            .values_list("n", "last")
        )
    )
    expected = VendorAccount.objects.filter(tenant=w.harbor).aggregate(n=Count("pk"), last=Max("pk"))
    assert counted.rows("harbor") == [(expected["n"], expected["last"])]
    assert counted.rows("no-such-tenant") == []


def test_a_value_that_shapes_the_sql_is_refused(db: None) -> None:
    with pytest.raises(ValueError):
        prepared(lambda limit: Tenant.objects.order_by("pk").values_list("pk")[:limit]).rows(5)
    with pytest.raises(ValueError):
        prepared(lambda pk: Tenant.objects.filter(pk=pk).exclude(pk=pk).values_list("pk")).rows(5)


def test_instances_with_their_related_objects(two_tenants: World2) -> None:
    w = two_tenants
    accounts = prepared(
        lambda tenant, pk: VendorAccount.objects.select_related("tenant").filter(tenant_id=tenant, pk=pk)
    )
    (found,) = accounts.instances(w.acme.pk, w.acme_account.pk)
    assert found == w.acme_account and found.tenant == w.acme and found.created_at == w.acme_account.created_at
    with django_assert_no_queries():
        assert found.tenant.slug == "acme"
    assert accounts.instances(w.harbor.pk, w.acme_account.pk) == []  # another tenant's: not found
    assert accounts.instances(w.acme.pk, 2**70) == []  # beyond any key


@contextmanager
def django_assert_no_queries() -> Iterator[None]:
    with CaptureQueriesContext(connection) as queries:
        yield
    assert not queries.captured_queries


def test_stand_ins_fit_the_smallest_integer_column() -> None:
    """Django finds nothing for a value out of a column's range (PostgreSQL's int2 and int4):
    a stand-in out of range would prepare a query that never finds anything."""
    low, high = BaseDatabaseOperations.integer_field_ranges["SmallIntegerField"]
    assert all(low <= value + 100 * 10 <= high for value in INT_STAND_INS)


def test_a_value_of_another_type_than_the_first_call_s_is_refused(two_tenants: World2) -> None:
    """None would be sent as `= NULL` (Django writes IS NULL), a text for a key compared as text."""
    accounts = prepared(lambda tenant: VendorAccount.objects.filter(tenant_id=tenant).values_list("pk"))
    assert accounts.rows(two_tenants.acme.pk)
    for wrong in (None, str(two_tenants.acme.pk), True):
        with pytest.raises(TypeError, match="takes int values here"):
            accounts.rows(wrong)  # type: ignore[arg-type]


def test_a_composite_key_reads_as_django_reads_it(two_tenants: World2) -> None:
    """The samples' key is (app, statistic, granularity, time): Django gives it as one tuple."""
    app = two_tenants.acme_manual_app
    moment = datetime(2026, 3, 1, 5, tzinfo=UTC)
    UsageSample.objects.create(app=app, metric="duration", interval=3600, timestamp=moment, value=3)
    keys = prepared(lambda app: UsageSample.objects.filter(app_id=app).values_list("pk", "timestamp"))
    assert keys.rows(app.pk) == list(UsageSample.objects.filter(app=app).values_list("pk", "timestamp"))
    assert keys.rows(app.pk) == [((app.pk, "duration", 3600, moment), moment)]
