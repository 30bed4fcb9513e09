from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from dashboard.core.listing import paginate, search
from dashboard.core.requests import ConsoleRequest

from .scoping import visible_tenants


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Straight to the last tenant used, or the only one; otherwise the tenant list."""
    tenants = visible_tenants(request.user)
    last = request.session.get("tenant")
    if last and tenants.filter(slug=last).exists():
        return redirect("credentials:account_list", tenant_slug=last)
    if not request.user.is_staff and tenants.count() == 1:
        return redirect("credentials:account_list", tenant_slug=tenants.get().slug)
    return redirect("tenancy:tenant_list")


@require_safe
def tenant_list(request: ConsoleRequest) -> HttpResponse:
    tenants = visible_tenants(request.user).annotate(account_count=Count("vendor_accounts")).order_by("name")
    tenants, query = search(tenants, request, ["name", "slug"])
    page = paginate(tenants, request)
    # Each tenant's recordings needing attention come from the recordings app's tag (attention_by_tenant).
    template = "tenancy/tenant_list.html#tenants" if request.htmx else "tenancy/tenant_list.html"
    return render(request, template, {"page": page, "query": query})
