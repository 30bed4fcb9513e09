"""What an account change sets off in the background."""

from __future__ import annotations

from django.conf import settings

from vendors.base.provider import Capability

from .models import VendorAccount


def start_sync(account: VendorAccount) -> None:
    """List the account's apps (then backfill their usage) as a job, when the vendor can."""
    if not settings.SYNC_ON_ACCOUNT_CHANGE or not account.enabled or not account.vendor_known:
        return
    from dashboard.usage.tasks import plan_account, refresh_account_apps  # tasks import this app's models

    if account.info.can(Capability.LIST_APPS):
        refresh_account_apps(account.pk)
    elif account.info.can(Capability.USAGE_STATS):
        plan_account(account)
