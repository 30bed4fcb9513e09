from __future__ import annotations

from django.http import HttpRequest

from dashboard.core.cuts import head

from .scoping import visible_tenants

# The header's menus hold this many; past it they say how many there are and link the full list.
TENANTS_IN_MENU = 200
ACCOUNTS_IN_MENU = 30


def tenancy(request: HttpRequest) -> dict[str, object]:
    """The tenant switcher's choices and the current tenant, for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current_slug = (match.kwargs.get("tenant_slug") if match else None) or request.session.get("tenant")
    visible = visible_tenants(user).only("name", "slug")
    tenants = head(visible, TENANTS_IN_MENU)
    current = next((t for t in tenants if t.slug == current_slug), None)
    if current is None and current_slug and tenants.cut:
        # The current tenant may be past the menu's cut; the header still names it.
        current = visible.filter(slug=current_slug).first()
    accounts = head(current.vendor_accounts.only("label", "tenant_id"), ACCOUNTS_IN_MENU) if current else None
    return {"switcher_tenants": tenants, "current_tenant": current, "menu_accounts": accounts}
