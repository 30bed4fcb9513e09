"""The account page's usage-sync line (templates/rtc/account_detail.html), from the app that syncs."""

from __future__ import annotations

from django import template

from dashboard.credentials.models import VendorAccount
from dashboard.usage.sync import account_state

register = template.Library()


@register.simple_tag
def sync_state(account: VendorAccount) -> dict[str, object]:
    return account_state(account)
