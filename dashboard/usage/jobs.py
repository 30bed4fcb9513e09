"""The sync that follows an account change: list the account's apps, then backfill their usage.

Listening here keeps the order of the layers: credentials announces the change
(dashboard.credentials.jobs.account_changed) and rtc a refreshed app list
(dashboard.rtc.tasks.apps_listed) without knowing that usage exists.
"""

from __future__ import annotations

from django.dispatch import receiver

from dashboard.credentials.jobs import account_changed
from dashboard.credentials.models import VendorAccount
from dashboard.rtc.tasks import apps_listed, refresh_account_apps
from vendors.base.provider import Capability

from .tasks import plan_account


@receiver(account_changed)
def sync_changed_account(sender: object, account: VendorAccount, **kwargs: object) -> None:
    """List the apps as a job when the vendor can (the backfill follows it), else backfill now."""
    if account.info.can(Capability.LIST_APPS):
        refresh_account_apps(account.pk)
    elif account.info.can(Capability.USAGE_STATS):
        plan_account(account)


@receiver(apps_listed)
def backfill_listed_apps(sender: object, account: VendorAccount, **kwargs: object) -> None:
    if account.info.can(Capability.USAGE_STATS):
        plan_account(account)
