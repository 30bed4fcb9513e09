"""Scheduled app-list jobs (Huey): every account's apps, refreshed from its vendor.

A refreshed account sends `apps_listed`; the apps above answer (usage backfills the apps'
usage). `sync_apps` does the same refresh by hand.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.dispatch import Signal
from huey.contrib.djhuey import db_periodic_task, db_task

from dashboard.core.schedules import RETRIES, RETRY_BACKOFF, RETRY_DELAY, every
from dashboard.credentials.blocking import BLOCKING_ERRORS, block_unless_transient
from dashboard.credentials.models import VendorAccount
from vendors.base.provider import Capability

from .listing import refresh_account

log = logging.getLogger(__name__)
# Sent with account= once a job has brought the account's apps in line with its vendor.
apps_listed = Signal()
# A queued job names its task "<module>.<name>". These tasks lived in dashboard.usage.tasks:
# they keep that identity so that jobs queued (or waiting to retry) before the move still run.
QUEUED_AS = {"__module__": "dashboard.usage.tasks"}


@db_periodic_task(every(settings.APP_SYNC_EVERY_MINUTES), name="apps.refresh", **QUEUED_AS)
def refresh_all_apps() -> int:
    refreshed = 0
    for account in VendorAccount.objects.filter(enabled=True, sync_blocked=False):
        if account.vendor_known and account.info.can(Capability.LIST_APPS):
            refresh_account_apps(account.pk)
            refreshed += 1
    return refreshed


@db_task(
    retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, name="apps.refresh_account", **QUEUED_AS
)
def refresh_account_apps(account_pk: int) -> None:
    account = VendorAccount.objects.filter(pk=account_pk).first()
    if account is None:
        log.info("apps of account %s not listed: the account is gone", account_pk)
        return
    try:
        refresh_account(account, interactive=False)
    except BLOCKING_ERRORS as error:
        block_unless_transient(account, error)
    else:
        apps_listed.send(sender=VendorAccount, account=account)
