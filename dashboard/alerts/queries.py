"""What other pages read about alerts (the home page: `open_alerts`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from dashboard.tenancy.models import Tenant

from .models import Incident


def open_alerts(tenants: Iterable[Tenant] | QuerySet[Tenant]) -> QuerySet[Incident]:
    """The open incidents of these tenants, newest first, with their rule and tenant.

    Each has `title`, `detail`, `link` (the page it is about), `opened_at`, `rule.kind`,
    `tenant`; staff pass every tenant (`visible_tenants(user)` gives what a user may see).
    """
    return (
        Incident.objects.filter(tenant__in=tenants, resolved_at__isnull=True)
        .select_related("rule", "tenant")
        .order_by("-opened_at", "-pk")
    )
