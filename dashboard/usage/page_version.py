"""What a usage report page shows that can change, for its cached render (dashboard/core/page_cache.py).

A sync run stores a window's samples and moves its cursor (`last_run_at`, `synced_until`) and
the app's and account's `last_synced_at` in one transaction (sync.run_window; account peaks:
account_sync), so the cursors stand for the samples. Observed figures are upserted with a new
`computed_at`. Prices are the accounts' price books and the tenant's markup.

A report's range follows the clock too ("last 24 hours", "today", the running hour marked
partial): every range boundary in every time zone falls on a quarter hour (UTC offsets are
whole quarter hours), so the quarter hour now is part of the version. A render is never served
across a boundary: the page, its CSV and the API always cover the same hours.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from dashboard.billing.models import Markup, PriceBook
from dashboard.core.page_cache import row
from dashboard.core.prepared import PreparedQuery, all_columns, prepared
from dashboard.core.requests import ConsoleRequest
from dashboard.credentials.page_version import accounts_version
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.context_processors import header_version
from dashboard.tenancy.scoping import tenant_scope

from .models import AccountPeakCursor, ObservedSample, SyncCursor


def report_version(request: ConsoleRequest, tenant_slug: str, **ids: int) -> object:
    """The whole tenant's usage data (a report of one account or app changes with it too: a
    few more misses, never a stale page). Access is checked as the views check it; an account
    or app not of this tenant is the view's 404, never stored."""
    scope = tenant_scope(request, tenant_slug)
    tenant = scope.tenant
    return (
        clock_quarter(),
        scope.role,
        row(tenant),
        None if request.htmx else header_version(request),
        accounts_version(tenant.pk),
        [query.rows(tenant.pk) for query in _TENANT_DATA],
    )


def _whole_rows(model: type[Any], tenant_path: str) -> PreparedQuery:
    return prepared(
        lambda tenant: model.objects.filter(**{tenant_path: tenant}).order_by("pk").values_list(*all_columns(model))
    )


# What the tenant's reports read besides its accounts: apps, sync cursors, account-peak
# cursors, the observed figures' count and latest computation, price books and markup.
_TENANT_DATA = (
    _whole_rows(RtcApp, "vendor_account__tenant_id"),
    _whole_rows(SyncCursor, "app__vendor_account__tenant_id"),
    _whole_rows(AccountPeakCursor, "vendor_account__tenant_id"),
    prepared(
        lambda tenant: (
            ObservedSample.objects.filter(app__vendor_account__tenant_id=tenant)
            .order_by()
            .values("app__vendor_account__tenant_id")
            .annotate(n=Count("pk"), last=Max("computed_at"))
            .values_list("n", "last")
        )
    ),
    _whole_rows(PriceBook, "vendor_account__tenant_id"),
    _whole_rows(Markup, "tenant_id"),
)


QUARTER_HOUR_SECONDS = 15 * 60


def clock_quarter() -> int:
    """The quarter hour now, counted from the epoch."""
    return int(timezone.now().timestamp()) // QUARTER_HOUR_SECONDS
