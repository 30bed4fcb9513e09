from __future__ import annotations

from django.http import HttpRequest

from dashboard.core.cuts import Cut, cut
from dashboard.core.prepared import prepared

from .models import Tenant
from .scoping import visible_tenants

# The header's menus hold this many; past it they say how many there are and link the full list.
TENANTS_IN_MENU = 200
ACCOUNTS_IN_MENU = 30


def tenancy(request: HttpRequest) -> dict[str, object]:
    """The tenant switcher's choices and the current tenant, for the header (read once per
    request: a cached page's version reads it before the page renders)."""
    known: dict[str, object] | None = getattr(request, "_tenancy_context", None)
    if known is None:
        known = request._tenancy_context = _tenancy(request)  # type: ignore[attr-defined]
    return known


def header_version(request: HttpRequest) -> tuple[object, ...]:
    """What the header shows of the data, for a cached page's version (dashboard/core/page_cache.py)."""
    context = tenancy(request)
    tenants = context.get("switcher_tenants")
    current = context.get("current_tenant")
    accounts = context.get("menu_accounts")
    return (
        [(tenant.pk, tenant.slug, tenant.name) for tenant in tenants] if isinstance(tenants, Cut) else None,
        tenants.total if isinstance(tenants, Cut) else None,
        (current.pk, current.slug, current.name) if isinstance(current, Tenant) else None,
        [(account.pk, account.label) for account in accounts] if isinstance(accounts, Cut) else None,
        accounts.total if isinstance(accounts, Cut) else None,
    )


def _tenancy(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current_slug = (match.kwargs.get("tenant_slug") if match else None) or request.session.get("tenant")
    visible = visible_tenants(user).only("name", "slug")
    first = _STAFF_MENU.instances() if user.is_staff else _MEMBER_MENU.instances(user.pk)
    tenants = cut(first, TENANTS_IN_MENU, visible.count)
    current = next((t for t in tenants if t.slug == current_slug), None)
    if current is None and current_slug and tenants.cut:
        # The current tenant may be past the menu's cut; the header still names it.
        current = visible.filter(slug=current_slug).first()
    accounts = (
        cut(_ACCOUNTS_MENU.instances(current.pk), ACCOUNTS_IN_MENU, current.vendor_accounts.count) if current else None
    )
    return {"switcher_tenants": tenants, "current_tenant": current, "menu_accounts": accounts}


# The header's menus, on every page: compiled once (dashboard/core/prepared.py). The tenants
# are visible_tenants(): every one to staff, a member's own to a member.
_STAFF_MENU = prepared(lambda: Tenant.objects.only("name", "slug")[: TENANTS_IN_MENU + 1])
_MEMBER_MENU = prepared(
    lambda user: Tenant.objects.filter(memberships__user_id=user).only("name", "slug")[: TENANTS_IN_MENU + 1]
)
_ACCOUNTS_MENU = prepared(
    lambda tenant: Tenant(pk=tenant).vendor_accounts.only("label", "tenant_id")[: ACCOUNTS_IN_MENU + 1]
)
