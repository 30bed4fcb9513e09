from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from dashboard.core.listing import paginate, search
from dashboard.core.params import date_param
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import tenant_scope

from .actions import ACTIONS
from .models import AuditEntry, Outcome

SEARCH_FIELDS = ["actor_name", "target", "vendor_request_id", "vendor_account_label", "error_code", "message"]


def _filtered(entries: QuerySet[AuditEntry], request: HttpRequest) -> tuple[QuerySet[AuditEntry], dict[str, str]]:
    entries, query = search(entries, request, SEARCH_FIELDS)
    chosen = {"q": query}
    action = request.GET.get("action", "")
    if action in ACTIONS:
        entries = entries.filter(action=action)
        chosen["action"] = action
    outcome = request.GET.get("outcome", "")
    if outcome in Outcome.values:
        entries = entries.filter(outcome=outcome)
        chosen["outcome"] = outcome
    for name, lookup in (("since", "created_at__date__gte"), ("until", "created_at__date__lte")):
        # Any real date: it is only compared, never added to, and a future one rightly finds nothing.
        day = date_param(request.GET, name, earliest=date.min, latest=date.max)
        if day is None:
            continue
        entries = entries.filter(**{lookup: day})
        chosen[name] = day.isoformat()
    return entries, chosen


def _render(request: HttpRequest, entries: QuerySet[AuditEntry], **context: object) -> HttpResponse:
    entries, chosen = _filtered(entries.select_related("tenant"), request)
    context |= {
        "page": paginate(entries, request),
        "chosen": chosen,
        "actions": sorted(((key, str(label)) for key, label in ACTIONS.items()), key=lambda pair: pair[1]),
        "outcomes": Outcome.choices,
    }
    template = "audit/entry_list.html#entries" if request.htmx else "audit/entry_list.html"
    return render(request, template, context)


@login_required
@require_safe
def tenant_audit(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """A tenant's entries, for its admins and for staff; viewers do not read the audit log."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    return _render(request, AuditEntry.objects.filter(tenant=scope.tenant), scope=scope)


@login_required
@require_safe
def all_audit(request: HttpRequest) -> HttpResponse:
    """Every entry, including those of no tenant (key rotation), for support staff."""
    if not request.user.is_staff:
        raise PermissionDenied
    return _render(request, AuditEntry.objects.all(), show_tenant=True)
