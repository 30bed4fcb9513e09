from __future__ import annotations

import csv
from datetime import UTC

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dashboard.core.listing import paginate
from dashboard.core.requests import ConsoleRequest
from dashboard.core.spreadsheet import spreadsheet_text
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import tenant_scope

from .actions import action_label
from .filters import AuditFilter
from .links import reason, target_links
from .models import AuditEntry


def _render(request: ConsoleRequest, entries: QuerySet[AuditEntry], **context: object) -> HttpResponse:
    filters = AuditFilter(request.GET, queryset=entries.select_related("tenant"))
    page = paginate(filters.qs, request)
    links = target_links(list(page.object_list))
    rows = [(entry, links.get(entry.pk, ""), reason(entry)) for entry in page.object_list]
    context |= {"page": page, "rows": rows, "filters": filters}
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


def _csv(request: ConsoleRequest, entries: QuerySet[AuditEntry], name: str) -> HttpResponse:
    """Every entry the filters keep (all pages), each text cell unable to start a formula."""
    filters = AuditFilter(request.GET, queryset=entries)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{name}-{stamp}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Time (UTC)"),
            _("Who"),
            _("Tenant"),
            _("Vendor"),
            _("Vendor account"),
            _("Action"),
            _("Action code"),
            _("Target"),
            _("Reason"),
            _("Outcome"),
            _("Error code"),
            _("Message"),
            _("Vendor request id"),
        ]
    )
    for entry in filters.qs.iterator(chunk_size=2000):
        row = [
            entry.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor_name,
            entry.tenant_name,
            entry.vendor,
            entry.vendor_account_label,
            action_label(entry.action),
            entry.action,
            entry.target,
            reason(entry),
            entry.get_outcome_display(),
            entry.error_code,
            entry.message,
            entry.vendor_request_id,
        ]
        writer.writerow([spreadsheet_text(str(cell)) for cell in row])
    return response


@require_safe
def tenant_audit_csv(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    return _csv(request, AuditEntry.objects.filter(tenant=scope.tenant), scope.tenant.slug)


@require_safe
def all_audit_csv(request: ConsoleRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied
    return _csv(request, AuditEntry.objects.all(), "all")
