"""Which endpoints a vendor account may use: deployment configuration, never a tenant's free text.

Three sources, in this order: the vendor's own public endpoints (declared by its provider),
`settings.VENDOR_ENDPOINTS` (what the operator configured), and the endpoints staff allowed
in the admin site (`VendorEndpoint`; the demo adds its loopback simulators there). A tenant
admin picks one of them. Only the last two may resolve to private addresses, each for its
exact host and port.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from dashboard.core.prepared import prepared
from vendors.base.provider import VendorInfo

from .models import VendorEndpoint

# Read before every vendor call (connect.allowed_endpoint): compiled once (dashboard/core/prepared.py).
_STAFF_ALLOWED = prepared(lambda vendor: VendorEndpoint.objects.filter(vendor=vendor).values_list("base_url", "note"))


@dataclass(frozen=True)
class Endpoint:
    base_url: str  # "" is the vendor's default public endpoint
    label: str
    configured: bool  # by the operator or staff, rather than declared public by the vendor


def normalize(base_url: str) -> str:
    return base_url.strip().rstrip("/")


def configured(vendor: VendorInfo) -> dict[str, str]:
    """Operator- and staff-allowed base URLs of a vendor, each with the note it was allowed with."""
    found = {normalize(url): "" for url in settings.VENDOR_ENDPOINTS.get(vendor.name, [])}
    for url, note in _STAFF_ALLOWED.rows(vendor.name):
        found.setdefault(normalize(url), note)
    return found


def allowed_endpoints(vendor: VendorInfo) -> list[Endpoint]:
    public = [Endpoint("", _("%(url)s (the vendor's public endpoint)") % {"url": vendor.default_base_url}, False)]
    public += [Endpoint(normalize(url), url, False) for url in vendor.other_base_urls]
    declared = {endpoint.base_url for endpoint in public} | {normalize(vendor.default_base_url)}
    return public + [
        Endpoint(url, f"{url} — {note}" if note else url, True)
        for url, note in configured(vendor).items()
        if url not in declared
    ]


def find(vendor: VendorInfo, base_url: str) -> Endpoint | None:
    wanted = normalize(base_url)
    if wanted == normalize(vendor.default_base_url):
        wanted = ""
    return next((endpoint for endpoint in allowed_endpoints(vendor) if endpoint.base_url == wanted), None)
