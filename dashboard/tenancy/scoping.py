"""The one way views reach a tenant and its objects.

Every view that shows or changes tenant data starts with `tenant_scope`; every object is
then looked up through `scope.get(...)` or filtered by `scope.tenant`, so an id from
another tenant in a URL or a form is simply not found (404), and a role too weak for the
action is refused (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from dashboard.core.prepared import prepared

from .models import Membership, Role, Tenant

M = TypeVar("M", bound=Model)
# Read on every page of a tenant: compiled once (dashboard/core/prepared.py).
_TENANT_BY_SLUG = prepared(lambda slug: Tenant.objects.filter(slug=slug)[:1])
_MEMBERSHIP_ROLE = prepared(
    lambda user, tenant: (
        Membership.objects.filter(user_id=user, tenant_id=tenant).order_by("pk").values_list("role")[:1]
    )
)


@dataclass(frozen=True)
class TenantScope:
    tenant: Tenant
    role: Role

    @property
    def can_manage(self) -> bool:
        return self.role.allows(Role.ADMIN)

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF

    def require(self, needed: Role) -> None:
        if not self.role.allows(needed):
            raise PermissionDenied

    def get(self, queryset: QuerySet[M] | type[M], tenant_path: str = "tenant", **lookup: object) -> M:
        """One object of this tenant; 404 for anything else, including other tenants' objects."""
        return get_object_or_404(queryset, **{tenant_path: self.tenant}, **lookup)


def role_in(user: User | AnonymousUser, tenant: Tenant) -> Role | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_staff:
        return Role.STAFF
    found = _MEMBERSHIP_ROLE.rows(user.pk, tenant.pk)
    return Role(found[0][0]) if found and found[0][0] else None


def tenant_scope(request: HttpRequest, tenant_slug: str, needed: Role = Role.VIEWER) -> TenantScope:
    """The tenant of the URL as the requesting user may see it, or 404 / 403."""
    found = _TENANT_BY_SLUG.instances(tenant_slug)
    tenant = found[0] if found else None
    role = role_in(request.user, tenant) if tenant else None
    if tenant is None or role is None:
        # The same answer whether the tenant exists or not: no probing for names.
        raise Http404
    scope = TenantScope(tenant, role)
    scope.require(needed)
    if request.session.get("tenant") != tenant.slug:  # a write per page view would be a commit per page view
        request.session["tenant"] = tenant.slug
    return scope


def visible_tenants(user: User | AnonymousUser) -> QuerySet[Tenant]:
    if not user.is_authenticated:
        return Tenant.objects.none()
    if user.is_staff:
        return Tenant.objects.all()
    return Tenant.objects.filter(memberships__user=user)
