from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from dashboard.core.listing import paginate
from dashboard.core.requests import ConsoleRequest
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import tenant_scope

from .filters import AuditFilter
from .models import AuditEntry


def _render(request: ConsoleRequest, entries: QuerySet[AuditEntry], **context: object) -> HttpResponse:
    filters = AuditFilter(request.GET, queryset=entries.select_related("tenant"))
    context |= {"page": paginate(filters.qs, request), "filters": filters}
    template = "audit/entry_list.html#entries" if request.htmx else "audit/entry_list.html"
    return render(request, template, context)


@require_safe
def tenant_audit(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    """A tenant's entries, for its admins and for staff; viewers do not read the audit log."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    return _render(request, AuditEntry.objects.filter(tenant=scope.tenant), scope=scope)


@require_safe
def all_audit(request: ConsoleRequest) -> HttpResponse:
    """Every entry, including those of no tenant (key rotation), for support staff."""
    if not request.user.is_staff:
        raise PermissionDenied
    return _render(request, AuditEntry.objects.all(), show_tenant=True)
