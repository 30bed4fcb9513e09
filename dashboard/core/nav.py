"""Which item of the main menu the current page belongs to, from the route that answered it."""

from __future__ import annotations

from django.http import HttpRequest

# A route's app namespace names its menu item; the few routes filed elsewhere are named whole.
SECTION_OF_NAMESPACE = {
    "credentials": "accounts",
    "rtc": "accounts",
    "live": "accounts",
    "usage": "usage",
    "mixing": "layouts",
    "recordings": "recordings",
    "audit": "audit",
    "alerts": "alerts",
}
SECTION_OF_VIEW = {
    # A push belongs to its channel, which the menu reaches through the vendor accounts.
    "mixing:push_start": "accounts",
    "mixing:push_detail": "accounts",
    "mixing:push_refresh": "accounts",
    "mixing:push_apply": "accounts",
    "mixing:push_stop": "accounts",
    "staff:usage_overview": "all_usage",
    "staff:all_audit": "all_audit",
    "staff:ops_jobs": "jobs",
}
# The page each menu item opens: there its link is the current page, elsewhere in its section
# it marks the current place (aria-current "page" or "true").
LANDING_VIEW = {
    "accounts": "credentials:account_list",
    "usage": "usage:tenant_usage",
    "layouts": "mixing:layout_list",
    "recordings": "recordings:recording_list",
    "audit": "audit:tenant_audit",
    "alerts": "alerts:alert_list",
    "all_usage": "staff:usage_overview",
    "all_audit": "staff:all_audit",
    "jobs": "staff:ops_jobs",
}


def nav(request: HttpRequest) -> dict[str, object]:
    """`nav.section` marks the active menu item (class "active", aria-current `nav.current`);
    `nav.view` and `nav.account_id` mark the current entry of the accounts menu."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {"nav": {}}
    section = SECTION_OF_VIEW.get(match.view_name) or SECTION_OF_NAMESPACE.get(match.namespace, "")
    current = "page" if section and LANDING_VIEW.get(section) == match.view_name else "true"
    return {
        "nav": {
            "section": section,
            "current": current,
            "view": match.view_name,
            "account_id": match.kwargs.get("account_id"),
        }
    }
