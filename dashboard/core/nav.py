"""Which item of the main menu the current page belongs to, from the route that answered it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# A route's app namespace names its menu item; the few routes filed elsewhere are named whole.
SECTION_OF_NAMESPACE = {
    "credentials": "accounts",
    "rtc": "accounts",
    "live": "accounts",
    "usage": "usage",
    "mixing": "layouts",
    "recordings": "recordings",
    "audit": "audit",
    "api_tokens": "api_tokens",
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
    "recordings:active_tasks": "active",
    "staff:all_active_tasks": "all_active",
    "staff:api_tokens": "staff_api_tokens",
    "staff:api_token_revoke": "staff_api_tokens",
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
    "active": "recordings:active_tasks",
    "all_active": "staff:all_active_tasks",
    "api_tokens": "api_tokens:tenant_tokens",
    "staff_api_tokens": "staff:api_tokens",
}


# The tenant's menu items, shown greyed out before a tenant is chosen (the bar keeps its items).
TENANT_MENU_LABELS = (
    _("Vendor accounts"),
    _("Usage"),
    _("Layouts"),
    _("Recordings"),
    _("Active tasks"),
    _("Alerts"),
)
STAFF_TENANT_MENU_LABELS = (*TENANT_MENU_LABELS, _("Audit log"), _("API tokens"))

# The sections under the staff menu ("All tenants"), which lights when one of them is open.
STAFF_SECTIONS = ("all_usage", "all_audit", "all_active", "jobs", "staff_api_tokens")


def nav(request: HttpRequest) -> dict[str, object]:
    """`nav.section` marks the active menu item (class "active", aria-current `nav.current`);
    `nav.view` and `nav.account_id` mark the current entry of the accounts menu."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    labels = STAFF_TENANT_MENU_LABELS if user is not None and user.is_staff else TENANT_MENU_LABELS
    if match is None:
        return {"nav": {}, "staff_sections": STAFF_SECTIONS, "tenant_menu_labels": labels}
    section = SECTION_OF_VIEW.get(match.view_name) or SECTION_OF_NAMESPACE.get(match.namespace, "")
    current = "page" if section and LANDING_VIEW.get(section) == match.view_name else "true"
    return {
        "staff_sections": STAFF_SECTIONS,
        "tenant_menu_labels": labels,
        "nav": {
            "section": section,
            "current": current,
            "view": match.view_name,
            "account_id": match.kwargs.get("account_id"),
        },
    }
