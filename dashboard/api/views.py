"""The console's pages for API tokens: a tenant's (its admins) and the staff's (every tenant).

A new token's value is shown on the answer to the form that made it, once: only its hash is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dashboard.core.listing import paginate
from dashboard.core.requests import ConsoleRequest
from dashboard.tenancy.models import Role, Tenant
from dashboard.tenancy.scoping import TenantScope, tenant_scope

from . import tokens
from .forms import TokenForm, taken_names
from .models import ApiToken


def _page(
    request: ConsoleRequest, tenant: Tenant | None, listed: QuerySet[ApiToken], scope: TenantScope | None
) -> HttpResponse:
    form = TokenForm(
        request.POST if request.method == "POST" else None, taken=taken_names(tenant.pk if tenant else None)
    )
    context: dict[str, object] = {"scope": scope, "rate_limit": settings.API_RATE_LIMIT}
    if request.method == "POST" and form.is_valid():
        token, value = tokens.create(
            request.user,
            tenant=tenant,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.expires_at,
        )
        context |= {"created": token, "value": value}
        form = TokenForm(taken=set())
    context |= {"form": form, "page": paginate(listed, request)}
    return render(request, "api/tokens.html", context)


@require_http_methods(["GET", "POST"])
def tenant_tokens(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    return _page(request, scope.tenant, ApiToken.objects.filter(tenant=scope.tenant), scope)


@require_http_methods(["GET", "POST"])
def tenant_token_revoke(request: ConsoleRequest, tenant_slug: str, token_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    token = scope.get(ApiToken, pk=token_pk)
    if request.method == "POST":
        tokens.revoke(request.user, token)
        messages.success(request, _("API token “%(name)s” revoked.") % {"name": token.name})
        return redirect("api_tokens:tenant_tokens", tenant_slug=scope.tenant.slug)
    return render(request, "api/token_revoke.html", {"scope": scope, "token": token})


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def staff_tokens(request: ConsoleRequest) -> HttpResponse:
    """Staff tokens: good for every tenant."""
    _require_staff(request)
    return _page(request, None, ApiToken.objects.filter(tenant__isnull=True), None)


@require_http_methods(["GET", "POST"])
def staff_token_revoke(request: ConsoleRequest, token_pk: int) -> HttpResponse:
    """Staff revoke any token, a tenant's too (as they act as admins everywhere)."""
    _require_staff(request)
    token = get_object_or_404(ApiToken, pk=token_pk)
    if request.method == "POST":
        tokens.revoke(request.user, token)
        messages.success(request, _("API token “%(name)s” revoked.") % {"name": token.name})
        if token.tenant is not None:
            return redirect("api_tokens:tenant_tokens", tenant_slug=token.tenant.slug)
        return redirect("staff:api_tokens")
    return render(request, "api/token_revoke.html", {"scope": None, "token": token})
