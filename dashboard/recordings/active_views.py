"""The Active tasks page: every running push and recording of a tenant (staff: of every tenant)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from dashboard.core.requests import ConsoleRequest
from dashboard.tenancy.scoping import tenant_scope

from .active import active_tasks, everywhere, of_tenant


@require_safe
def tenant_active_tasks(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    tasks = active_tasks(of_tenant(scope.tenant.pk), timezone.now())
    return render(request, "recordings/active.html", {"scope": scope, "tasks": tasks, "can_stop": scope.can_manage})


@require_safe
def all_active_tasks(request: ConsoleRequest) -> HttpResponse:
    """Staff: every tenant's, with the tenant named on each row."""
    if not request.user.is_staff:
        raise PermissionDenied
    tasks = active_tasks(everywhere(), timezone.now())
    return render(request, "recordings/active.html", {"tasks": tasks, "can_stop": True, "show_tenant": True})
