"""`{% if account|can:"kick" %}`: pages ask a vendor's declared capabilities by their own
values (vendors.base.provider.Capability), never by the vendor's name."""

from __future__ import annotations

from typing import Any

from django import template

from vendors.base.provider import Capability, VendorInfo

register = template.Library()


def vendor_info(subject: object) -> VendorInfo | None:
    """The VendorInfo of a VendorInfo, a vendor account, or anything with a `vendor_account`
    (an app); None for a vendor this deployment does not know."""
    if isinstance(subject, VendorInfo):
        return subject
    account: Any = getattr(subject, "vendor_account", subject)
    if not getattr(account, "vendor_known", False):
        return None
    return account.info


@register.filter
def can(subject: object, capabilities: str) -> bool:
    """Whether the vendor has any of the comma-separated capabilities. A value that is no
    Capability raises ValueError: a typo in a template must fail its test, not hide a button."""
    wanted = [Capability(value.strip()) for value in capabilities.split(",")]
    info = vendor_info(subject)
    return info is not None and any(info.can(capability) for capability in wanted)
