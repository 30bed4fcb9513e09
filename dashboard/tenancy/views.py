from __future__ import annotations

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from dashboard.core.listing import paginate, search
from dashboard.core.requests import ConsoleRequest

from .scoping import visible_tenants


@require_safe
def tenant_list(request: ConsoleRequest) -> HttpResponse:
    tenants = visible_tenants(request.user).annotate(account_count=Count("vendor_accounts")).order_by("name")
    tenants, query = search(tenants, request, ["name", "slug"])
    page = paginate(tenants, request)
    # Each tenant's recordings needing attention come from the recordings app's tag (attention_by_tenant).
    template = "tenancy/tenant_list.html#tenants" if request.htmx else "tenancy/tenant_list.html"
    return render(request, template, {"page": page, "query": query})
