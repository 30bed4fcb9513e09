"""Refresh the app list of every enabled vendor account that can list apps, now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dashboard.credentials.crypto import UndecryptableCredentials
from dashboard.credentials.models import VendorAccount
from dashboard.rtc.listing import refresh_account
from vendors.base.errors import VendorError
from vendors.base.provider import Capability


class Command(BaseCommand):
    help = "List the apps of every enabled vendor account that can list them and update the console's apps."

    def handle(self, *args: Any, **options: Any) -> None:
        done = failed = 0
        for account in VendorAccount.objects.filter(enabled=True).select_related("tenant"):
            if not account.vendor_known or not account.info.can(Capability.LIST_APPS):
                continue
            try:
                result = refresh_account(account, interactive=False)
            except (VendorError, UndecryptableCredentials) as error:
                failed += 1
                self.stderr.write(f"{account.tenant} / {account}: {error}")
                continue
            done += 1
            self.stdout.write(
                f"{account.tenant} / {account}: {result.added} new, {result.updated} updated, "
                f"{result.missing} no longer listed"
            )
        self.stdout.write(f"{done} accounts refreshed, {failed} failed.")
