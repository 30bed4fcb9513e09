"""What an account change sets off in the background: `start_sync` announces it, and the apps
above this one answer (dashboard.usage.jobs: list the account's apps, then backfill their usage)."""

from __future__ import annotations

from django.conf import settings
from django.dispatch import Signal

from .models import VendorAccount

# Sent with account= when an account is added, its credentials, endpoint or enabled change, or
# its stop is lifted, and SYNC_ON_ACCOUNT_CHANGE is on.
account_changed = Signal()


def start_sync(account: VendorAccount) -> None:
    """Let the jobs that follow an account change start, when the account can be reached."""
    if not settings.SYNC_ON_ACCOUNT_CHANGE or not account.enabled or not account.vendor_known:
        return
    account_changed.send(sender=VendorAccount, account=account)
