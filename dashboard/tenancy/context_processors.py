from __future__ import annotations

from django.http import HttpRequest

from .scoping import visible_tenants

ACCOUNTS_IN_MENU = 30


def tenancy(request: HttpRequest) -> dict[str, object]:
    """The tenant switcher's choices and the current tenant, for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current_slug = (match.kwargs.get("tenant_slug") if match else None) or request.session.get("tenant")
    tenants = list(visible_tenants(user).only("name", "slug")[:200])
    current = next((t for t in tenants if t.slug == current_slug), None)
    accounts = list(current.vendor_accounts.only("label", "tenant_id")[:ACCOUNTS_IN_MENU]) if current else []
    return {"switcher_tenants": tenants, "current_tenant": current, "menu_accounts": accounts}
